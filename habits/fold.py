"""Habit statistics as a fold: the rules of habits.stats (DESIGN.md §4) carried forward a
day at a time from a saved state, so that the hourly day close reads and computes one new
day per habit, not the habit's whole history.

A :class:`Fold` holds what the rules need from the days up to and including its day ``a``
(all of them past days, where an open day counts as a miss): the strength and the credits
of its window, the totals, the streak run in progress and the longest one, the
consecutive misses, the day the latest long run broke, the status of each of the last 30
days and of the newest 30 expected days, and (N per week) the week in progress.
:func:`advance` folds further days in; :func:`finish` adds today (neutral while open) and
returns exactly what ``stats.compute_stats`` returns, which stays the reference:
tests/habits/test_stats_fold.py compares the two on random schedules and histories.

Habits with pauses are not folded (:func:`foldable`): a pause changes which past days
count, so they are computed from their whole history each time.

A state is stored with its habit (``Habit.stats_state``) under a key of what it was
computed for (:func:`key`: the schedule, its start, the week start, the measure); when
the key no longer matches, or the state is not from before today, the habit is computed
from its history again. Every write of a habit's history recomputes it from the whole
history (habits.services), which stores a fresh state.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from . import stats

VERSION = 1
WINDOW = 30  # the days of the consistency window and the expected days of the failure rate
assert stats.CONSISTENCY_DAYS == stats.FAILURE_DAYS == WINDOW
# Fold.days has a character per day: its status code on an expected day, a letter on a
# day off the schedule, BEFORE before the start. (N per week: every day is expected.)
BEFORE = "x"
_OPEN, _DONE, _SKIP, _MISS = 0, 1, 2, 3
_CHARS, _OFF = "0123", "odsm"
DONE_CHARS = "1d"


def foldable(spec: stats.Schedule) -> bool:
    return not spec.pauses


@lru_cache(maxsize=4096)
def key(spec: stats.Schedule, measure: stats.Measure | None) -> list:
    """What a state was computed for, as JSON keeps it. (Shared: not to be changed.)"""
    return [
        spec.kind, spec.start_date.toordinal(), list(spec.weekdays), spec.times_per_week,
        spec.every_n_days or 1 if spec.kind == stats.EVERY_N_DAYS else None, spec.week_start,
        measure.kind if measure else None, str(measure.target) if measure else None,
    ]


class _Rules:
    """The constants of one schedule, as the fold reads them."""

    def __init__(self, spec: stats.Schedule) -> None:
        self.spec = spec
        self.start = spec.start_date.toordinal()
        num, den = spec.window
        self.m = 0.5 ** (math.sqrt(num / den) / 13)  # as stats._Timeline.strength_values
        self.one_minus_m = 1 - self.m
        self.unit = (num, den) == (1, 1)
        self.width, self.need = 2 * den, 2 * num
        self.per_week = spec.kind == stats.PER_WEEK
        self.times = spec.times_per_week
        # date.fromordinal(1) is a Monday: an ordinal's weekday is (ordinal - 1) % 7.
        self.week_shift = 1 + spec.week_start
        if spec.kind == stats.WEEKDAYS:
            days = frozenset(spec.weekdays)
            self.expected = lambda d: (d - 1) % 7 in days
        elif spec.kind == stats.EVERY_N_DAYS and (spec.every_n_days or 1) > 1:
            interval, start = spec.every_n_days, self.start
            self.expected = lambda d: (d - start) % interval == 0
        else:
            self.expected = lambda d: True

    def week_day(self, d: int) -> int:
        """0 on the first day of the user's week."""
        return (d - self.week_shift) % 7


@lru_cache(maxsize=4096)
def _rules(spec: stats.Schedule) -> _Rules:
    return _Rules(spec)


class Fold:
    __slots__ = ("a", "credits", "days", "done", "expected", "last_done", "long_break", "longest", "misses", "run",
                 "s", "skipped", "week_done", "week_eligible", "wsum")

    def __init__(self, a: int) -> None:
        self.a = a  # the last day folded in (ordinal)
        self.s = 0.0
        self.credits: list = []  # the strength window's credits, oldest first (windows other than (1, 1))
        self.wsum = 0
        self.done = self.skipped = 0
        self.last_done: int | None = None
        self.run = self.longest = 0
        self.long_break: int | None = None  # the day the latest run of LONG_STREAK or more broke
        self.misses = 0
        self.days = BEFORE * WINDOW  # codes of the days a - 29 … a
        self.expected = ""  # codes of the newest expected days, up to WINDOW (day schedules)
        self.week_eligible = self.week_done = 0  # the week in progress, through a (N per week)

    # -- storage

    def dump(self, spec: stats.Schedule, measure: stats.Measure | None) -> str:
        """The state as JSON text (written by hand: a few times quicker than json.dumps,
        and every part of it is a number, a plain string or a list of them)."""
        wsum = self.wsum
        if type(wsum) is int:  # whole credits are 0 or 1: a string of digits
            credits = f'"{"".join(map(str, self.credits))}"'
        else:  # a measurable habit's partial credits, as "n/d"
            credits = "[" + ",".join(f'"{c.numerator}/{c.denominator}"' if type(c) is Fraction else str(c)
                                     for c in self.credits) + "]"
            wsum = f'"{wsum.numerator}/{wsum.denominator}"'
        return (
            f'[{VERSION},{_key_json(spec, measure)},{self.a},{self.s!r},{credits},{wsum},{self.done},{self.skipped},'
            f'{_null(self.last_done)},{self.run},{self.longest},{_null(self.long_break)},{self.misses},'
            f'"{self.days}","{self.expected}",{self.week_eligible},{self.week_done}]'
        )

    @classmethod
    def load(cls, state, spec: stats.Schedule, measure: stats.Measure | None) -> Fold | None:
        """The Fold in `state` (JSON text or decoded), or None if it is not one for this
        schedule and measure."""
        if isinstance(state, str):
            state = json.loads(state)
        if (not isinstance(state, list) or len(state) != 17 or state[0] != VERSION
                or state[1] != key(spec, measure)):
            return None
        fold = cls.__new__(cls)  # every field is set here
        (_, _, fold.a, s, credits, wsum, fold.done, fold.skipped, fold.last_done, fold.run, fold.longest,
         fold.long_break, fold.misses, fold.days, fold.expected, fold.week_eligible, fold.week_done) = state
        fold.s = float(s)
        if type(wsum) is str:
            fold.wsum = _dec(wsum)
            fold.credits = [_dec(c) for c in credits]
        else:
            fold.wsum, fold.credits = wsum, list(map(int, credits))
        return fold


def _null(value: int | None) -> str:
    return "null" if value is None else str(value)


@lru_cache(maxsize=4096)
def _key_json(spec: stats.Schedule, measure: stats.Measure | None) -> str:
    return json.dumps(key(spec, measure), separators=(",", ":"))


def _dec(credit):
    if isinstance(credit, str):  # "n/d" (quicker than Fraction's own parsing)
        num, _, den = credit.partition("/")
        return Fraction(int(num), int(den))
    return credit


def credit_of(measure: stats.Measure | None, value: Decimal | float | None):
    """A done day's credit: 1, or for a measurable habit an exact Fraction in [0, 1]."""
    if measure is None:
        return 1
    return _credit(measure, value)


@lru_cache(maxsize=4096)
def _credit(measure: stats.Measure, value: Decimal | float | None):
    num, den = measure._credit_ratio(value)
    return num if den == 1 else Fraction(num, den)


def start(spec: stats.Schedule) -> Fold:
    """The state before the first day."""
    return Fold(spec.start_date.toordinal() - 1)


def advance(fold: Fold, spec: stats.Schedule, measure: stats.Measure | None, codes: dict[int, int],
            values: dict[int, Decimal | float], through: int) -> Fold:
    """Fold the days after fold.a through `through` (ordinals) in, as past days. `codes`
    maps a day's ordinal to its status code (stats.STATUS_CODES; no entry: open),
    `values` a measured day's ordinal to its value."""
    r = _rules(spec)
    step = _step
    for d in range(fold.a + 1, through + 1):
        code = codes.get(d, _OPEN)
        if code > _MISS:
            raise ValueError(f"unknown status code {code}")
        step(fold, r, d, code, credit_of(measure, values.get(d)) if code == _DONE else 0)
    return fold


def _step(f: Fold, r: _Rules, d: int, code: int, credit) -> None:
    if code == _DONE:
        f.done += 1
        f.last_done = d
    elif code == _SKIP:
        f.skipped += 1
    # Strength: every day but skipped ones.
    if r.unit:
        if code != _SKIP:
            f.s = f.s * r.m + (credit / 1) * r.one_minus_m
    else:
        credits = f.credits
        credits.append(credit)
        if credit:
            f.wsum += credit
        if len(credits) > r.width:
            out = credits.pop(0)
            if out:
                f.wsum -= out
        if code != _SKIP:
            need = r.need
            c = 0.0 if need == 0 else 1.0 if f.wsum >= need else f.wsum / need
            f.s = f.s * r.m + c * r.one_minus_m
    if r.per_week:
        ch = _CHARS[code]
        if r.week_day(d) == 0 and d != r.start:
            _close_week(f, r, d)
        if code != _SKIP:
            f.week_eligible += 1
            if code == _DONE:
                f.week_done += 1
    elif not r.expected(d):
        ch = _OFF[code]
    else:
        ch = _CHARS[code]
        f.expected = (f.expected + ch)[-WINDOW:]
        if code == _DONE:
            f.run += 1
            if f.run > f.longest:
                f.longest = f.run
            f.misses = 0
        elif code != _SKIP:  # missed, or left open on a past day
            if f.run >= stats.LONG_STREAK:
                f.long_break = d
            f.run = 0
            f.misses += 1
    f.days = f.days[1:] + ch
    f.a = d


def _close_week(f: Fold, r: _Rules, d: int) -> None:
    """The week that ended the day before `d` is judged (stats._Timeline.week_outcomes)."""
    eligible, done = f.week_eligible, f.week_done
    if eligible:
        if done >= min(r.times, eligible):
            f.run += 1
            if f.run > f.longest:
                f.longest = f.run
            f.misses = 0
        else:
            if f.run >= stats.LONG_STREAK:
                f.long_break = d
            f.run = 0
            f.misses += 1
    f.week_eligible = f.week_done = 0


def finish(fold: Fold, spec: stats.Schedule, measure: stats.Measure | None, today: int, code: int,
           value: Decimal | float | None) -> stats.Stats:
    """The statistics as of `today` (an ordinal) for a fold through the day before, with
    today's status code (open if no entry) and value."""
    r = _rules(spec)
    if today < r.start:
        return _zero()
    if fold.a != today - 1:
        raise ValueError(f"the fold is through {fold.a}, not the day before {today}")
    if code > _MISS:
        raise ValueError(f"unknown status code {code}")
    credit = credit_of(measure, value) if code == _DONE else 0
    # Strength: today is folded in once done (a skip leaves it as it is).
    s = fold.s
    if code == _DONE:
        if r.unit:
            s = s * r.m + (credit / 1) * r.one_minus_m
        else:
            wsum = fold.wsum + credit
            if len(fold.credits) == r.width and fold.credits[0]:
                wsum -= fold.credits[0]
            need = r.need
            c = 0.0 if need == 0 else 1.0 if wsum >= need else wsum / need
            s = s * r.m + c * r.one_minus_m
    run, longest, misses, long_break = fold.run, fold.longest, fold.misses, fold.long_break
    window = fold.days[1:]  # today - 29 … yesterday
    # Of those, the expected days not skipped, and the done ones.
    days = window.count("0") + window.count("1") + window.count("3")
    done_days = window.count("1")
    if code == _DONE and (r.per_week or r.expected(today)):  # today counts once done
        days += 1
        done_days += 1
    if r.per_week:
        eligible, done = fold.week_eligible, fold.week_done
        if r.week_day(today) == 0 and today != r.start:  # yesterday's week is judged now
            if eligible:
                if done >= min(r.times, eligible):
                    run += 1
                    longest = max(longest, run)
                    misses = 0
                else:
                    if run >= stats.LONG_STREAK:
                        long_break = today
                    run = 0
                    misses += 1
            eligible = done = 0
        # This week: its days after today are still to come, and count as eligible.
        eligible += (code != _SKIP) + 6 - r.week_day(today)
        done += code == _DONE
        if eligible and done >= min(r.times, eligible):
            run += 1
            longest = max(longest, run)
        consistency = (
            None if days == 0 else min(100, stats._half_up_ratio(700 * done_days, r.times * days))
        )
        # The newest 30 days before today: of the k not skipped, d done; the shortfall of N·k ÷ 7.
        done_rated = fold.days.count("1")
        rated = fold.days.count("0") + done_rated + fold.days.count("3")
        if rated == 0:
            failure = None
        else:
            shortfall7 = max(0, r.times * rated - 7 * done_rated)
            failure = (shortfall7, 7 * done_rated + shortfall7)
    else:
        if r.expected(today):
            if code == _DONE:
                run += 1
                longest = max(longest, run)
            elif code == _MISS:  # missed today, explicitly: a miss is a miss
                if run >= stats.LONG_STREAK:
                    long_break = today
                run = 0
        consistency = None if days == 0 else min(100, stats._half_up_ratio(100 * done_days, days))
        recent = fold.expected
        done_rated = recent.count("1")
        missed = len(recent) - done_rated - recent.count("2")
        failure = None if done_rated + missed == 0 else (missed, done_rated + missed)
    last_done = today if code == _DONE else fold.last_done
    return stats.assemble(
        spec, run, longest, fold.done + (code == _DONE), fold.skipped + (code == _SKIP), consistency, s, misses,
        None if last_done is None else dt.date.fromordinal(last_done), failure,
        long_break is not None and long_break >= today - (stats.RECENT_BREAK_DAYS - 1),
    )


def _zero() -> stats.Stats:
    return stats.Stats(0, 0, 0, 0, None, 0.0, 0, None, False, None, None, [])


def compute(spec: stats.Schedule, measure: stats.Measure | None, codes: dict[int, int],
            values: dict[int, Decimal | float], today: dt.date, fold: Fold | None = None) -> tuple[stats.Stats, Fold]:
    """The statistics as of `today` and the fold through yesterday, from `fold` (or from
    the start) and the days after it in `codes`/`values` (ordinal → status code / value)."""
    t = today.toordinal()
    fold = advance(fold or start(spec), spec, measure, codes, values, t - 1)
    if t < fold.a + 1:  # today is before the start
        return _zero(), fold
    return finish(fold, spec, measure, t, codes.get(t, _OPEN), values.get(t)), fold
