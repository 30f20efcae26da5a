"""Feature rows from a History: the one code path for training and prediction.

Day i's mood/energy row sees day i's own inputs and habits done, and of everything else
only days strictly before i: no label of day i or later, nothing logged after day i.
Missing stays NaN (LightGBM routes it). docs/insights.md ("Features") lists every column.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .history import EVENT_TYPES, INPUTS, LABELS, HabitDays, History

FEATURE_VERSION = "3"
WINDOWS = (3, 7, 14)
TREND_DAYS = 14
KINDS = ("mood", "energy", "completion")
# The columns a model fitted on one user's few months may split on (the others are kept
# in its rows but weigh nothing): fewer choices, less noise learned.
CORE = frozenset({
    "weekend", *INPUTS, "exercise_minutes_yesterday", "sleep_hours_yesterday",
    *(f"{name}_with_today_3d" for name in INPUTS), "mood_personal", "energy_personal",
    *(f"event_{kind}" for kind in EVENT_TYPES),
    "habits_done_share",
    "habit_strength", "habit_done_yesterday", "habit_streak", "habit_days_since_done", "habit_rate_same_weekday",
    "habit_rate", "habit_rate_7d", "habit_rate_14d", "habit_personal",
})


@dataclass
class Dataset:
    X: np.ndarray  # float64, NaN kept
    y: np.ndarray
    names: list[str]
    day: np.ndarray  # date ordinals
    user: np.ndarray
    habit: np.ndarray  # -1 for mood/energy rows
    # Training copies of labelled days with the labels before them hidden for a while (as
    # when a user logs inputs but not mood): only ever in the training part of a split.
    masked: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.y)

    def take(self, rows: np.ndarray) -> Dataset:
        masked = None if self.masked is None else self.masked[rows]
        return Dataset(self.X[rows], self.y[rows], self.names, self.day[rows], self.user[rows], self.habit[rows],
                       masked)


# Windows over the days strictly before each day (nan-aware).


def _sums(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cumulative sums before each day: [i] covers days 0..i-1 (count, sum, sum of squares)."""
    present = ~np.isnan(values)
    clean = np.where(present, values, 0.0)
    pad = np.zeros(1)
    return (np.concatenate([pad, np.cumsum(present)]), np.concatenate([pad, np.cumsum(clean)]),
            np.concatenate([pad, np.cumsum(clean * clean)]))


def window_mean_std(values: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of the logged values in days [i - width, i - 1]."""
    count, total, squares = _sums(values)
    end = np.arange(len(values))
    begin = np.maximum(end - width, 0)
    n = count[end] - count[begin]
    s = total[end] - total[begin]
    q = squares[end] - squares[begin]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, s / n, np.nan)
        var = np.where(n > 1, (q - s * s / np.maximum(n, 1)) / np.maximum(n - 1, 1), np.nan)
    return mean, np.sqrt(np.maximum(var, 0.0))


def usual(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean of every logged value before each day, and how many there were."""
    count, total, _ = _sums(values)
    n = count[:-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, total[:-1] / np.maximum(n, 1), np.nan), n


def trend(values: np.ndarray, width: int = TREND_DAYS) -> np.ndarray:
    """Least-squares slope per day of the logged values in days [i - width, i - 1] (3 or more)."""
    x = np.arange(len(values), dtype=float)
    present = ~np.isnan(values)
    y = np.where(present, values, 0.0)
    pad = np.zeros(1)
    sums = [np.concatenate([pad, np.cumsum(a)]) for a in (present, present * x, present * x * x, y, y * x)]
    end = np.arange(len(values))
    begin = np.maximum(end - width, 0)
    n, sx, sxx, sy, sxy = (a[end] - a[begin] for a in sums)
    denominator = n * sxx - sx * sx
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((n >= 3) & (denominator > 0), (n * sxy - sx * sy) / np.where(denominator > 0, denominator, 1),
                        np.nan)


def with_today(values: np.ndarray, width: int) -> np.ndarray:
    """Mean of the logged values in days [i - width + 1, i]: the day's own input with the
    ones before it (a sleep debt, a busy stretch)."""
    return window_mean_std(np.append(values, np.nan), width)[0][1:]


def yesterday(values: np.ndarray) -> np.ndarray:
    return np.concatenate([[np.nan], values[:-1]]).astype(float)


def last_known(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The last logged value before each day, and how many days ago it was (NaN if none)."""
    days = len(values)
    index = np.where(~np.isnan(values), np.arange(days), -1)
    latest = np.maximum.accumulate(index) if days else index
    before = np.concatenate([[-1], latest[:-1]]).astype(int)
    known = before >= 0
    value = np.where(known, values[np.maximum(before, 0)], np.nan)
    age = np.where(known, np.arange(days) - before, np.nan)
    return value, age


# The day's context: calendar, inputs, life events, labels before it.


def _calendar(h: History) -> dict[str, np.ndarray]:
    days = np.arange(h.days)
    weekday = (h.start.weekday() + days) % 7
    return {"weekday": weekday.astype(float), "weekend": (weekday >= 5).astype(float),
            "days_since_joined": (days + (h.start - h.joined).days).astype(float)}


def _inputs(h: History) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {}
    for name in INPUTS:
        values = h.inputs[name].astype(float)
        columns[name] = values
        columns[f"{name}_yesterday"] = yesterday(values)
        columns[f"{name}_vs_usual"] = values - usual(values)[0]
        for width in WINDOWS:
            mean, std = window_mean_std(values, width)
            columns[f"{name}_mean_{width}d"] = mean
            columns[f"{name}_std_{width}d"] = std
        columns[f"{name}_trend_{TREND_DAYS}d"] = trend(values)
        columns[f"{name}_with_today_3d"] = with_today(values, 3)
    return columns


# The day's inputs on a common scale (an hour, half an hour of exercise, an hour with
# people, a point of stress) for the personal fit.
PERSONAL_SCALES = {"sleep_hours": 1.0, "exercise_minutes": 30.0, "social_minutes": 60.0, "work_hours": 1.0,
                   "stress": 1.0}
PERSONAL_MIN_DAYS = 10
PERSONAL_RIDGE = 1.0


def _personal_design(h: History) -> np.ndarray:
    """Per day: 1, each input scaled (a missing one: the user's mean before the day), the
    3-day sleep with today, yesterday's exercise, habits done share, weekend, each life
    event type active."""
    weekend = ((h.start.weekday() + np.arange(h.days)) % 7 >= 5).astype(float)
    share = _habits_done(h)["habits_done_share"]
    filled = {name: _filled(h.inputs[name]) for name in PERSONAL_SCALES}
    events = _events(h)
    columns = [np.ones(h.days), *(filled[name] / scale for name, scale in PERSONAL_SCALES.items()),
               with_today(filled["sleep_hours"], 3), np.nan_to_num(yesterday(filled["exercise_minutes"]) / 30.0),
               np.nan_to_num(share, nan=0.5), weekend, *(events[f"event_{kind}"] for kind in EVENT_TYPES)]
    return np.column_stack(columns)


def _filled(values: np.ndarray) -> np.ndarray:
    """Missing values as the mean of the ones logged before (NaN before the first)."""
    return np.where(np.isnan(values), usual(values)[0], values)


def _completion_design(h: History) -> np.ndarray:
    """Per day, for a habit's own fit: 1, sleep, stress and work (filled), weekend, each
    life event type active."""
    weekend = ((h.start.weekday() + np.arange(h.days)) % 7 >= 5).astype(float)
    events = _events(h)
    inputs = (_filled(h.inputs[name]) for name in ("sleep_hours", "stress", "work_hours"))
    return np.column_stack([np.ones(h.days), *inputs, weekend, *(events[f"event_{kind}"] for kind in EVENT_TYPES)])


def personal_fit(h: History, labels: np.ndarray, design: np.ndarray | None = None) -> np.ndarray:
    """Each day's label as the user's own ridge regression on the days strictly before it
    predicts it from that day's inputs (NaN with fewer than PERSONAL_MIN_DAYS complete days
    or an input missing): what this user's mood or energy has followed so far. `design`:
    other columns per day than `_personal_design`'s (a habit's own fit)."""
    Z = _personal_design(h) if design is None else design
    complete = ~np.isnan(Z).any(axis=1)
    usable = complete & ~np.isnan(labels)
    Zu = np.where(usable[:, None], np.nan_to_num(Z), 0.0)
    yu = np.where(usable, np.nan_to_num(labels), 0.0)
    k = Z.shape[1]
    gram = np.concatenate([np.zeros((1, k, k)), np.cumsum(Zu[:, :, None] * Zu[:, None, :], axis=0)])[:-1]
    moment = np.concatenate([np.zeros((1, k)), np.cumsum(Zu * yu[:, None], axis=0)])[:-1]
    count = np.concatenate([[0], np.cumsum(usable)])[:-1]
    penalty = PERSONAL_RIDGE * np.eye(k)
    penalty[0, 0] = 1e-6
    beta = np.linalg.solve(gram + penalty, moment[:, :, None])[:, :, 0]
    fitted = np.einsum("ij,ij->i", np.nan_to_num(Z), beta)
    return np.where(complete & (count >= PERSONAL_MIN_DAYS), fitted, np.nan)


def _labels(h: History) -> dict[str, np.ndarray]:
    columns: dict[str, np.ndarray] = {}
    for name in LABELS:
        values = (h.mood if name == "mood" else h.energy).astype(float)
        columns[f"{name}_yesterday"] = yesterday(values)
        columns[f"{name}_last"], columns[f"{name}_last_age"] = last_known(values)
        columns[f"{name}_usual"], count = usual(values)
        columns[f"{name}_days_logged"] = count.astype(float)
        for width in WINDOWS:
            mean, std = window_mean_std(values, width)
            columns[f"{name}_mean_{width}d"] = mean
            columns[f"{name}_std_{width}d"] = std
        columns[f"{name}_trend_{TREND_DAYS}d"] = trend(values)
    return columns


def _personal(h: History) -> dict[str, np.ndarray]:
    """Mood and energy rows only: the fit reads the day's habits done (a completion row's label)."""
    return {f"{name}_personal": personal_fit(h, h.mood if name == "mood" else h.energy) for name in LABELS}


def _events(h: History) -> dict[str, np.ndarray]:
    """Events active on the day, and days since each type last started (on or before it)."""
    days = h.days
    active = {kind: np.zeros(days) for kind in EVENT_TYPES}
    started = {kind: np.full(days, -10**6) for kind in EVENT_TYPES}
    for event in h.events:
        first, last = h.index(event.start), h.index(event.end)
        if first < days and last >= 0:
            active[event.type][max(first, 0) : last + 1] = 1.0
        if first < days:
            span = started[event.type][max(first, 0) :]
            np.maximum(span, first, out=span)
    columns: dict[str, np.ndarray] = {}
    index = np.arange(days)
    for kind in EVENT_TYPES:
        columns[f"event_{kind}"] = active[kind]
    for kind in EVENT_TYPES:
        since = index - started[kind]
        columns[f"days_since_{kind}"] = np.where(started[kind] > -10**6, since, np.nan).astype(float)
    return columns


def _known(habit: HabitDays) -> np.ndarray:
    """Expected days whose outcome is known (or done)."""
    known = habit.expected if habit.closed is None else habit.expected & habit.closed
    return known | habit.done


def _habits_done(h: History) -> dict[str, np.ndarray]:
    """Habits done that day, and their share of the due ones whose outcome is known (NaN
    when none is: a stretch with no habit logged is not a stretch of habits undone)."""
    due = np.zeros(h.days)
    done = np.zeros(h.days)
    for habit in h.habits:
        due += _known(habit)
        done += habit.done
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(due > 0, np.minimum(done, due) / np.maximum(due, 1), np.nan)
    return {"habits_done": done, "habits_done_share": share,
            "habits_done_share_mean_7d": window_mean_std(share, 7)[0]}


def _context(h: History) -> dict[str, np.ndarray]:
    return {**_calendar(h), **_inputs(h), **_labels(h), **_events(h)}


def _select(columns: dict[str, np.ndarray], days: Sequence[int] | None) -> tuple[np.ndarray, list[str]]:
    names = list(columns)
    X = np.column_stack([columns[name] for name in names]).astype(np.float64) if names else np.zeros((0, 0))
    if days is not None:
        X = X[np.asarray(days, dtype=int)]
    return X, names


def mood_energy_rows(h: History, days: Sequence[int] | None = None) -> tuple[np.ndarray, list[str]]:
    """One row per day index (default: every day)."""
    return _select({**_context(h), **_personal(h), **_habits_done(h)}, days)


# Habit completion: one row per (habit, expected day).


def _streak_before(habit: HabitDays) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive expected days done just before each day, and days since last done."""
    days = len(habit.done)
    streak = np.zeros(days)
    since = np.full(days, np.nan)
    run, last = 0, None
    for i in range(days):
        streak[i] = run
        since[i] = np.nan if last is None else i - last
        if habit.expected[i] and not habit.skipped[i]:
            run = run + 1 if habit.done[i] else 0
        if habit.done[i]:
            last = i
    return streak, since


def _habit_columns(h: History, habit: HabitDays, others_yesterday: np.ndarray,
                   design: np.ndarray) -> dict[str, np.ndarray]:
    expected = habit.expected.astype(bool)
    outcome = np.where(_known(habit) & ~habit.skipped, habit.done.astype(float), np.nan)
    streak, since = _streak_before(habit)
    weekday = (h.start.weekday() + np.arange(h.days)) % 7
    same_weekday = np.full(h.days, np.nan)
    for day in range(7):
        rows = np.flatnonzero(weekday == day)
        same_weekday[rows] = usual(outcome[rows])[0]
    columns = {
        "habit_strength": yesterday(habit.strength),
        "habit_done_yesterday": yesterday(outcome),
        "habit_streak": streak,
        "habit_days_since_done": since,
        "habit_rate_same_weekday": same_weekday,
        "habit_rate": usual(outcome)[0],
        "habit_expected_share_28d": window_mean_std(expected.astype(float), 28)[0],
        "habit_per_week": np.full(h.days, np.nan if habit.per_week is None else float(habit.per_week)),
        "other_habits_done_yesterday": others_yesterday,
        # The habit's own fit on its expected days before: how sleep, stress, work, weekend
        # and events have moved it for this user.
        "habit_personal": personal_fit(h, np.where(expected, outcome, np.nan), design),
    }
    for width in (7, 14, 28):
        columns[f"habit_rate_{width}d"] = window_mean_std(outcome, width)[0]
    return columns


def completion_rows(h: History, days: Sequence[int] | None = None
                    ) -> tuple[np.ndarray, list[str], list[tuple[int, int]]]:
    """One row per (habit, day) where the habit is expected; `days` limits the day indexes."""
    context = _context(h)
    shares = _habits_done(h)["habits_done_share"]
    design = _completion_design(h)
    wanted = None if days is None else np.zeros(h.days, bool)
    if wanted is not None:
        wanted[np.asarray(days, dtype=int)] = True
    blocks, keys, names = [], [], None
    for habit in h.habits:
        rows = np.flatnonzero(habit.expected & (True if wanted is None else wanted))
        columns = {**context, **_habit_columns(h, habit, yesterday(shares), design)}
        X, names = _select(columns, rows)
        blocks.append(X)
        keys.extend((habit.habit_id, int(i)) for i in rows)
    if names is None:
        names = list({**context, **_habit_columns(h, _empty_habit(h), yesterday(shares), design)})
    X = np.vstack(blocks) if blocks else np.zeros((0, len(names)))
    return X, names, keys


def _empty_habit(h: History) -> HabitDays:
    none = np.zeros(h.days, bool)
    return HabitDays(habit_id=0, name="", expected=none, done=none, skipped=none, strength=np.full(h.days, np.nan))


# Datasets over many users.


def masked_copy(h: History) -> tuple[History, np.ndarray]:
    """The history with mood and energy hidden over spans of 5-30 days (seeded by the
    user), and which days were hidden: training rows for the days after a user stops
    logging labels but keeps logging inputs."""
    rng = np.random.default_rng(h.user_id)
    hidden = np.zeros(h.days, bool)
    i = int(rng.integers(10, 25))
    while i < h.days:
        length = int(rng.integers(5, 31))
        hidden[i : i + length] = True
        i += length + int(rng.integers(10, 35))
    return replace(h, mood=np.where(hidden, np.nan, h.mood), energy=np.where(hidden, np.nan, h.energy)), hidden


def _label_rows(h: History, kind: str, labelled_only: bool, masked: bool) -> list[Dataset]:
    y_all = (h.mood if kind == "mood" else h.energy).astype(float)
    days = np.flatnonzero(~np.isnan(y_all)) if labelled_only else np.arange(h.days)
    X, names = mood_energy_rows(h, days)
    parts = [_part(X, y_all[days], names, h, days, -1, False)]
    if masked and labelled_only:
        copy, hidden = masked_copy(h)
        extra = np.flatnonzero(hidden & ~np.isnan(y_all))
        X, names = mood_energy_rows(copy, extra)
        parts.append(_part(X, y_all[extra], names, h, extra, -1, True))
    return parts


def _part(X, y, names, h: History, days: np.ndarray, habit, masked: bool) -> Dataset:
    n = len(y)
    habit_ids = np.full(n, habit) if np.isscalar(habit) else np.asarray(habit, dtype=int)
    return Dataset(X, np.asarray(y, dtype=float), names, h.start.toordinal() + np.asarray(days, dtype=int),
                   np.full(n, h.user_id), habit_ids, np.full(n, masked))


def _completion_part(h: History, labelled_only: bool) -> Dataset:
    X, names, keys = completion_rows(h)
    by_id = {habit.habit_id: habit for habit in h.habits}
    habit_ids = np.array([k for k, _ in keys], dtype=int)
    days = np.array([i for _, i in keys], dtype=int)
    y = np.array([float(by_id[k].done[i]) for k, i in keys])
    part = _part(X, y, names, h, days, habit_ids, False)
    if labelled_only and len(keys):
        closed = np.array([by_id[k].closed is None or bool(by_id[k].closed[i]) for k, i in keys])
        part = part.take(np.flatnonzero(closed))
    return part


def dataset(histories: Sequence[History], kind: str, *, labelled_only: bool = True,
            masked: bool = True) -> Dataset:
    """Rows of `kind` over every history. Labelled only: days with that label (completion:
    closed expected days). `masked` adds the masked training copies (mood and energy)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    parts: list[Dataset] = []
    for h in histories:
        if kind == "completion":
            parts.append(_completion_part(h, labelled_only))
        else:
            parts.extend(_label_rows(h, kind, labelled_only, masked))
    if not parts:
        names = (completion_rows if kind == "completion" else mood_energy_rows)(_blank())[1]
        return Dataset(np.zeros((0, len(names))), np.zeros(0), names, *(np.zeros(0, int) for _ in range(3)),
                       np.zeros(0, bool))
    return Dataset(np.vstack([p.X for p in parts]), np.concatenate([p.y for p in parts]), parts[0].names,
                   *(np.concatenate([getattr(p, a) for p in parts]) for a in ("day", "user", "habit", "masked")))


def _blank() -> History:
    """A one-day history with nothing logged (for the column names of an empty dataset)."""
    day = dt.date(2000, 1, 1)
    none = np.full(1, np.nan)
    return History(user_id=0, joined=day, start=day, inputs={name: none.copy() for name in INPUTS},
                   mood=none.copy(), energy=none.copy())
