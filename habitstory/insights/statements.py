"""Statements in words from a user's own days: for each input (high vs low), each habit
(done vs not, on the days it was due) and each type of life event (during vs not), mood
and energy compared between the two sides, with a test that fits (Mann–Whitney U for the
mood's 5 ordered steps, Welch's t for energy), an effect size, a minimum number of days
on each side, and Benjamini–Hochberg at 10 % across everything tested for that user.

Only what survives the correction, and still holds once the other inputs and weekends are
allowed for (and life events), is said: with its numbers, and never as a cause.
`find(history)` is pure; `statements(user)` loads and caches it by the user's generation.
See docs/insights.md, "Statements in words".
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass, field

import numpy as np
from django.core.cache import cache
from scipy import stats as scipy_stats

from . import history as history_module
from . import state
from .history import EVENT_TYPES, INPUTS, History

MIN_SIDE = 8  # days on each side, at least, before a comparison is tested
MIN_DAYS = 2 * MIN_SIDE  # days with mood or energy logged before anything is said
FDR = 0.10  # Benjamini–Hochberg's level across all of a user's tests
CACHE_SECONDS = 60 * 60 * 24
OUTCOMES = ("mood", "energy")
# Each input's split: the threshold, its step when the user's median replaces it, and the
# words for the high side ("{t}" is the threshold as it reads).
SPLITS: dict[str, tuple[float, float, str]] = {
    "sleep_hours": (7, 0.5, "you sleep {t} h or more"),
    "exercise_minutes": (30, 5, "you exercise {t} min or more"),
    "social_minutes": (60, 15, "you spend {t} min or more with people"),
    "work_hours": (8, 0.5, "you work {t} h or more"),
    "stress": (6, 0.5, "your stress is {t} or more"),
}
SUBJECTS = {
    "sleep_hours": "sleep", "exercise_minutes": "exercise", "social_minutes": "time with people",
    "work_hours": "work", "stress": "stress",
}
EVENT_WORDS = {
    "illness": "an illness", "travel": "travel", "exam": "an exam", "deadline": "a deadline",
    "celebration": "a celebration", "loss": "a loss", "move": "a move", "new_job": "a new job",
    "other": "an “other” event",
}
CAUTION = ("These are patterns in your own days, not causes: something else may move both. "
           "Each was tested, the tests corrected for how many were tried, and each difference "
           "checked again allowing for your other inputs, weekends and life events.")


@dataclass(frozen=True)
class Split:
    """Two sides of a user's days to compare."""

    key: str  # "sleep_hours", "habit:12", "event:illness"
    kind: str  # input, habit, event
    subject: str  # "sleep", "“Read”", "an illness"
    when: str  # "you sleep 7 h or more"
    yes: np.ndarray  # bool: the days on the "with" side
    no: np.ndarray  # bool: the days on the "without" side


@dataclass(frozen=True)
class Statement:
    key: str
    kind: str
    outcome: str  # mood or energy
    text: str
    mean_with: float  # mood on its 1..5 scale, energy 0..10
    mean_without: float
    n_with: int
    n_without: int
    test: str  # "Mann–Whitney U" or "Welch's t"
    effect: float  # rank-biserial r (mood) or Hedges' g (energy), "with" minus "without"
    effect_name: str
    p: float
    q: float  # Benjamini–Hochberg adjusted
    # The same difference allowing for the other inputs, weekends and events (a linear model's
    # coefficient of the split, and its p): a statement is made only when it holds there too.
    adjusted: float = math.nan
    adjusted_p: float = math.nan

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Untested:
    key: str
    subject: str
    why: str


@dataclass
class Report:
    statements: list[Statement]
    tested: int
    reason: str | None  # why nothing can be said yet, if so
    untested: list[Untested] = field(default_factory=list)
    no_difference: list[str] = field(default_factory=list)  # subjects tested, nothing found
    days: int = 0  # days with mood or energy logged
    caution: str = CAUTION


def _reads(value: float) -> str:
    return f"{value:g}"


def _input_split(name: str, h: History, logged: np.ndarray) -> Split | Untested:
    threshold, step, words = SPLITS[name]
    values = h.inputs[name]
    known = logged & ~np.isnan(values)
    candidates = [threshold]
    if known.any():
        median = float(np.median(values[known]))
        candidates.append(max(step, round(median / step) * step))
    for index, cut in enumerate(candidates):
        yes = known & (values >= cut)
        no = known & (values < cut)
        if yes.sum() >= MIN_SIDE and no.sum() >= MIN_SIDE:
            when = words.format(t=_reads(cut)) + (" (about your median)" if index else "")
            return Split(name, "input", SUBJECTS[name], when, yes, no)
    return Untested(name, SUBJECTS[name], _too_few(known, values >= threshold))


def _too_few(days: np.ndarray, high: np.ndarray) -> str:
    yes, no = int((days & high).sum()), int((days & ~high).sum())
    return f"too few days on one side ({yes} vs {no}; {MIN_SIDE} each needed)"


def _habit_splits(h: History, logged: np.ndarray) -> list[Split | Untested]:
    found: list[Split | Untested] = []
    for habit in h.habits:
        due = habit.expected.astype(bool) & logged
        if habit.closed is not None:
            due &= habit.closed.astype(bool)
        done = habit.done.astype(bool)
        subject = f"“{habit.name}”"
        key = f"habit:{habit.habit_id}"
        if (due & done).sum() >= MIN_SIDE and (due & ~done).sum() >= MIN_SIDE:
            found.append(Split(key, "habit", subject, f"you do {subject}", due & done, due & ~done))
        else:
            found.append(Untested(key, subject, _too_few(due, done)))
    return found


def _during(h: History, event_type: str) -> np.ndarray:
    """The days with an event of that type."""
    during = np.zeros(h.days, dtype=bool)
    for event in h.events:
        if event.type == event_type:
            first, last = max(0, h.index(event.start)), min(h.days - 1, h.index(event.end))
            if last >= first:
                during[first:last + 1] = True
    return during


def _event_splits(h: History, logged: np.ndarray) -> list[Split | Untested]:
    found: list[Split | Untested] = []
    for event_type in EVENT_TYPES:
        if not any(e.type == event_type for e in h.events):
            continue
        during = _during(h, event_type)
        subject = EVENT_WORDS[event_type]
        key = f"event:{event_type}"
        if (logged & during).sum() >= MIN_SIDE and (logged & ~during).sum() >= MIN_SIDE:
            found.append(Split(key, "event", subject, f"with {subject}", logged & during, logged & ~during))
        else:
            found.append(Untested(key, subject, _too_few(logged, during)))
    return found


def splits(h: History) -> list[Split | Untested]:
    """Everything compared for this user, in a fixed order (inputs, habits, events)."""
    logged = ~np.isnan(h.mood) | ~np.isnan(h.energy)
    found: list[Split | Untested] = [_input_split(name, h, logged) for name in INPUTS]
    return found + _habit_splits(h, logged) + _event_splits(h, logged)


def _hedges_g(a: np.ndarray, b: np.ndarray) -> float:
    pooled = math.sqrt(((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / (a.size + b.size - 2))
    if pooled == 0:
        return 0.0
    correction = 1 - 3 / (4 * (a.size + b.size) - 9)
    return float((a.mean() - b.mean()) / pooled * correction)


def _test(outcome: str, a: np.ndarray, b: np.ndarray) -> tuple[float, float] | None:
    """(p, effect) of one comparison; None when the test cannot tell (every value equal)."""
    if np.ptp(np.concatenate([a, b])) == 0:
        return None
    if outcome == "mood":
        result = scipy_stats.mannwhitneyu(a, b, alternative="two-sided", method="asymptotic")
        effect = 2 * result.statistic / (a.size * b.size) - 1
        return float(result.pvalue), float(effect)
    result = scipy_stats.ttest_ind(a, b, equal_var=False)
    if math.isnan(result.pvalue):  # both sides constant
        return None
    return float(result.pvalue), _hedges_g(a, b)


def benjamini_hochberg(p_values: list[float]) -> np.ndarray:
    """Adjusted p-values (q): reject those with q <= the level."""
    p = np.asarray(p_values, dtype=float)
    if p.size == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * p.size / np.arange(1, p.size + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty_like(p)
    q[order] = np.minimum(adjusted, 1.0)
    return q


def covariates(h: History) -> dict[str, np.ndarray]:
    """What a difference is adjusted for: each input as logged (a day not logged reads as
    the user's median) with a bend at the median (effects that level off), the weekend,
    and each type of life event (its days)."""
    columns = {}
    for name in INPUTS:
        values = h.inputs[name].astype(float)
        known = ~np.isnan(values)
        if known.sum() >= MIN_SIDE and np.ptp(values[known]) > 0:
            median = float(np.median(values[known]))
            columns[name] = np.where(known, values, median)
            columns[f"{name}:above"] = np.maximum(columns[name] - median, 0)  # a bend at the median
    weekday = (h.start.weekday() + np.arange(h.days)) % 7
    columns["weekend"] = (weekday >= 5).astype(float)
    for event_type in EVENT_TYPES:
        during = _during(h, event_type)
        if during.any():
            columns[f"event:{event_type}"] = during.astype(float)
    return columns


def adjusted(split: Split, outcome_values: np.ndarray, columns: dict[str, np.ndarray]) -> tuple[float, float]:
    """(coefficient, p) of the split's "with" side in a least-squares fit of the outcome on
    it and the covariates (the split's own input or event left out): the difference that
    remains once the other inputs, weekends and life events are allowed for."""
    rows = (split.yes | split.no) & ~np.isnan(outcome_values)
    others = [values[rows] for name, values in columns.items() if name.split(":above")[0] != split.key]
    X = np.column_stack([np.ones(rows.sum()), split.yes[rows].astype(float), *others])
    y = outcome_values[rows]
    dof = len(y) - np.linalg.matrix_rank(X)
    if dof <= 0:
        return math.nan, math.nan
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    residual = y - X @ coef
    variance = float(residual @ residual) / dof
    se = math.sqrt(max(variance * float(np.linalg.pinv(X.T @ X)[1, 1]), 0.0))
    if se == 0:
        return float(coef[1]), math.nan
    return float(coef[1]), float(2 * scipy_stats.t.sf(abs(coef[1] / se), dof))


def _holds(effect: float, adjusted_effect: float, adjusted_p: float, level: float) -> bool:
    """The difference survives the adjustment: the same direction, and not likely noise."""
    if math.isnan(adjusted_p):
        return False
    return adjusted_p <= level and (adjusted_effect > 0) == (effect > 0)


def _phrase(split: Split, outcome: str, mean_with: float, mean_without: float, n_with: int, n_without: int) -> str:
    """"On days you sleep 7 h or more, your energy averages 7.1 vs 5.6 (38 vs 21 days)."; a
    habit's days are the days it was due."""
    scale = " out of 5" if outcome == "mood" else ""
    days = "due days" if split.kind == "habit" else "days"
    return (f"On days {split.when}, your {outcome} averages {mean_with:.1f} vs {mean_without:.1f}{scale} "
            f"({n_with} vs {n_without} {days}).")


def _sides(h: History, split: Split, outcome: str) -> tuple[np.ndarray, np.ndarray]:
    values = h.mood + 1 if outcome == "mood" else h.energy  # mood read on its 1..5 scale
    known = ~np.isnan(values)
    return values[split.yes & known], values[split.no & known]


def find(h: History, *, level: float = FDR) -> Report:
    """The statements the user's days support, after the correction."""
    days = int((~np.isnan(h.mood) | ~np.isnan(h.energy)).sum())
    if days < MIN_DAYS:
        reason = (f"Too little data yet: {days} days with mood or energy logged; "
                  f"statements need at least {MIN_DAYS}.")
        return Report([], 0, reason, days=days)
    candidates = splits(h)
    untested = [c for c in candidates if isinstance(c, Untested)]
    tests: list[tuple[Split, str, np.ndarray, np.ndarray, float, float]] = []
    for split in (c for c in candidates if isinstance(c, Split)):
        for outcome in OUTCOMES:
            a, b = _sides(h, split, outcome)
            if a.size < MIN_SIDE or b.size < MIN_SIDE:
                continue
            result = _test(outcome, a, b)
            if result is not None:
                tests.append((split, outcome, a, b, *result))
    q_values = benjamini_hochberg([t[4] for t in tests])
    columns = covariates(h)
    found, said = [], set()
    for (split, outcome, a, b, p, effect), q in zip(tests, q_values):
        if q > level:
            continue
        coefficient, adjusted_p = adjusted(split, h.mood if outcome == "mood" else h.energy, columns)
        if not _holds(effect, coefficient, adjusted_p, level):
            continue
        said.add(split.key)
        text = _phrase(split, outcome, a.mean(), b.mean(), a.size, b.size)
        found.append(Statement(
            split.key, split.kind, outcome, text, round(float(a.mean()), 2), round(float(b.mean()), 2),
            int(a.size), int(b.size), "Mann–Whitney U" if outcome == "mood" else "Welch's t",
            round(effect, 3), "rank-biserial r" if outcome == "mood" else "Hedges' g", float(p), float(q),
            round(coefficient, 3), adjusted_p,
        ))
    found.sort(key=lambda s: (s.q, -abs(s.effect)))
    quiet = list(dict.fromkeys(t[0].subject for t in tests if t[0].key not in said))
    reason = None if tests else "Nothing could be compared yet: each side needs at least " \
                                f"{MIN_SIDE} days with mood or energy logged."
    return Report(found, len(tests), reason, untested=untested, no_difference=quiet, days=days)


def _key(user_id: int, today: dt.date) -> str:
    return f"insights:statements:{user_id}:{state.generation(user_id)}:{today.isoformat()}"


def statements(user, *, today: dt.date | None = None) -> Report:
    """The user's statements up to `today` (their local today by default), cached until
    their data changes (the generation) or the day does."""
    today = today or user.profile.local_today()
    key = _key(user.pk, today)
    report = cache.get(key)
    if report is None:
        report = find(history_module.load(user, end=today))
        cache.set(key, report, CACHE_SECONDS)
    return report
