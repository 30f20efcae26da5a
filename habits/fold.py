"""Habit statistics as a fold: the rules of habits.stats carried forward a day at a time
from a state stored with the habit (Habit.stats_state), so that the day close computes one
new day per habit, not its whole history. The result is exactly stats.compute_stats (the
reference; tests/habits/test_stats_fold.py). Habits with pauses are not folded.

What a fold holds, when it applies and how it is stored: docs/statistics.md, "The fold".
"""

from __future__ import annotations

import datetime as dt
import json
import math
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from . import stats
from .stats import DONE_CODE, MISSED_CODE, OPEN_CODE, SKIPPED_CODE, half_up_ratio

VERSION = 3  # of the stored form (_Stored); a state of another version is not loaded, except:
# version 3 reads an "at most" habit's past open days as done. For any other habit a version
# 2 state means the same, and loads.
_SAME_UNLESS_AT_MOST = 2
WINDOW = 30  # the days of the consistency window and the expected days of the failure rate
assert stats.CONSISTENCY_DAYS == stats.FAILURE_DAYS == WINDOW

# Fold.days has a character per day: on an expected day its status code as a digit, on a
# day off the schedule a letter, BEFORE before the start. (N per week: every day is expected.)
BEFORE = "x"
assert (OPEN_CODE, DONE_CODE, SKIPPED_CODE, MISSED_CODE) == (0, 1, 2, 3)
_EXPECTED_CHARS, _OFF_CHARS = "0123", "odsm"  # by status code
_OPEN_CHAR, _DONE_CHAR, _SKIPPED_CHAR, _MISSED_CHAR = _EXPECTED_CHARS
DONE_CHARS = _DONE_CHAR + _OFF_CHARS[DONE_CODE]  # a done day, expected or not


def expected_and_done(folded: Fold, last: int) -> tuple[int, int]:
    """Over the fold's `last` days (through its day): how many were expected, and how many
    of those were done."""
    recent = folded.days[-last:]
    done = recent.count(_DONE_CHAR)
    return done + sum(recent.count(char) for char in (_OPEN_CHAR, _SKIPPED_CHAR, _MISSED_CHAR)), done


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
        # Strength: s = s × m + c × (1 − m), as timeline.Timeline.strength_values.
        self.decay = 0.5 ** (math.sqrt(num / den) / 13)  # m
        self.gain = 1 - self.decay  # 1 − m
        self.daily_window = (num, den) == (1, 1)  # c is the day's own credit
        # Otherwise c = min(1, the credits of the last window_days days ÷ window_target).
        self.window_days, self.window_target = 2 * den, 2 * num
        self.per_week = spec.kind == stats.PER_WEEK
        self.times_per_week = spec.times_per_week
        # date.fromordinal(1) is a Monday: an ordinal's weekday is (ordinal - 1) % 7.
        self.week_shift = 1 + spec.week_start
        if spec.kind == stats.WEEKDAYS:
            weekdays = frozenset(spec.weekdays)
            self.expected = lambda day: (day - 1) % 7 in weekdays
        elif spec.kind == stats.EVERY_N_DAYS and (spec.every_n_days or 1) > 1:
            interval, start = spec.every_n_days, self.start
            self.expected = lambda day: (day - start) % interval == 0
        else:
            self.expected = lambda day: True

    def week_day(self, day: int) -> int:
        """0 on the first day of the user's week."""
        return (day - self.week_shift) % 7


@lru_cache(maxsize=4096)
def _rules(spec: stats.Schedule) -> _Rules:
    return _Rules(spec)


class Fold:
    """The rules' state after the days from the start through `through` (an ordinal), all
    of them past days."""

    __slots__ = ("credit_sum", "credits", "days", "done", "expected_days", "last_done", "long_break", "longest",
                 "misses", "run", "skipped", "strength", "through", "week_done", "week_eligible")

    def __init__(self, through: int) -> None:
        self.through = through  # the last day folded in (ordinal)
        self.strength = 0.0  # s
        # The strength window's credits, oldest first, and their sum (windows other than (1, 1)).
        self.credits: list = []
        self.credit_sum = 0
        self.done = self.skipped = 0  # totals
        self.last_done: int | None = None
        self.run = self.longest = 0  # the streak in progress and the longest (days, or weeks)
        self.long_break: int | None = None  # the day the latest run of LONG_STREAK or more broke
        self.misses = 0  # consecutive
        self.days = BEFORE * WINDOW  # the days through - 29 … through, a character each
        self.expected_days = ""  # the newest expected days, up to WINDOW (day schedules), as digits
        self.week_eligible = self.week_done = 0  # the week in progress, through `through` (N per week)

    # -- storage

    def dump(self, spec: stats.Schedule, measure: stats.Measure | None) -> str:
        """The state as JSON text: the fields of _Stored, in its order. Written by hand (a
        few times quicker than json.dumps): every part is a number, a plain string or a
        list of them."""
        credit_sum = self.credit_sum
        if type(credit_sum) is int:  # whole credits are 0 or 1: a string of digits
            credits = f'"{bytes(self.credits).translate(_TO_DIGITS).decode()}"'
        else:  # a measurable habit's partial credits, as "n/d"
            credits = "[" + ",".join(f'"{c.numerator}/{c.denominator}"' if type(c) is Fraction else str(c)
                                     for c in self.credits) + "]"
            credit_sum = f'"{credit_sum.numerator}/{credit_sum.denominator}"'
        return (
            f'[{VERSION},{_key_json(spec, measure)},{self.through},{self.strength!r},{credits},{credit_sum},'
            f'{self.done},{self.skipped},{_json_int(self.last_done)},{self.run},{self.longest},'
            f'{_json_int(self.long_break)},{self.misses},"{self.days}","{self.expected_days}",'
            f'{self.week_eligible},{self.week_done}]'
        )

    @classmethod
    def load(cls, state, spec: stats.Schedule, measure: stats.Measure | None) -> Fold | None:
        """The Fold in `state` (JSON text or decoded), or None if it is not one of this
        version for this schedule and measure."""
        if type(state) is str:
            state = json.loads(state)
        if type(state) is not list or len(state) != _STORED_LENGTH or (
            state[0] != VERSION and (state[0] != _SAME_UNLESS_AT_MOST or stats.closes_done(measure))
        ):
            return None
        stored = _as_stored(_Stored, state)
        if stored.key != key(spec, measure):
            return None
        fold = cls.__new__(cls)  # every field is set here
        fold.through, fold.strength = stored.through, stored.strength
        credits, credit_sum = stored.credits, stored.credit_sum
        if type(credit_sum) is str:
            fold.credit_sum = _parse_credit(credit_sum)
            fold.credits = [_parse_credit(credit) for credit in credits]
        else:
            fold.credit_sum = credit_sum
            fold.credits = list(credits.encode().translate(_FROM_DIGITS)) if credits else []
        fold.done, fold.skipped, fold.last_done = stored.done, stored.skipped, stored.last_done
        fold.run, fold.longest, fold.long_break, fold.misses = stored.run, stored.longest, stored.long_break, stored.misses
        fold.days, fold.expected_days = stored.days, stored.expected_days
        fold.week_eligible, fold.week_done = stored.week_eligible, stored.week_done
        return fold


class _Stored(NamedTuple):
    """A Fold as stored: a JSON list of these fields, in this order (Fold.dump writes it,
    Fold.load reads it by these names). A list, not an object with keys:
    the day close rewrites the state of about a million habits a day, and keys would add
    85 bytes (two letters each) to 185 (these names) to its ~190, for a reader of the
    raw column only. Any change to the list is a new VERSION."""

    version: int
    key: list  # key(spec, measure)
    through: int
    strength: float
    credits: str | list  # whole credits: a string of digits; partial ones: a list of "n/d" and ints
    credit_sum: int | str  # "n/d" when partial
    done: int
    skipped: int
    last_done: int | None
    run: int
    longest: int
    long_break: int | None
    misses: int
    days: str
    expected_days: str
    week_eligible: int
    week_done: int


_STORED_LENGTH = len(_Stored._fields)
_as_stored = tuple.__new__  # _as_stored(_Stored, state) is _Stored._make(state) without its length check


def stored_through(state, spec: stats.Schedule, measure: stats.Measure | None) -> int | None:
    """The day a stored state (decoded JSON, or None) runs through, if it is one of this
    version for this schedule and measure."""
    folded = Fold.load(state, spec, measure)
    return None if folded is None else folded.through


# Whole credits (0 or 1) to and from digits, at C speed: bytes(credits) and back.
_TO_DIGITS = bytes.maketrans(b"\0\1", b"01")
_FROM_DIGITS = bytes.maketrans(b"01", b"\0\1")


def _json_int(value: int | None) -> str:
    return "null" if value is None else str(value)


@lru_cache(maxsize=4096)
def _key_json(spec: stats.Schedule, measure: stats.Measure | None) -> str:
    return json.dumps(key(spec, measure), separators=(",", ":"))


def _parse_credit(credit):
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
    num, den = measure.credit_ratio(value)
    return num if den == 1 else Fraction(num, den)


def start(spec: stats.Schedule) -> Fold:
    """The state before the first day."""
    return Fold(spec.start_date.toordinal() - 1)


# --------------------------------------------------------------------------- past days


def advance(fold: Fold, spec: stats.Schedule, measure: stats.Measure | None, codes: dict[int, int],
            values: dict[int, Decimal | float], through: int) -> Fold:
    """Fold the days after fold.through through `through` (ordinals) in, as past days.
    `codes` maps a day's ordinal to its status code (stats.STATUS_CODES; no entry: open),
    `values` a measured day's ordinal to its value. An "at most" habit's expected days
    left open are done when within the limit (stats.closed_code)."""
    rules = _rules(spec)
    step = _step
    open_done = stats.closes_done(measure)
    for day in range(fold.through + 1, through + 1):
        code = codes.get(day, OPEN_CODE)
        if code > MISSED_CODE:
            raise ValueError(f"unknown status code {code}")
        if code == OPEN_CODE and open_done and rules.expected(day):
            code = stats.closed_code(measure, values.get(day))
        step(fold, rules, day, code, credit_of(measure, values.get(day)) if code == DONE_CODE else 0)
    return fold


def _step(fold: Fold, rules: _Rules, day: int, code: int, credit) -> None:
    """Fold one past day in."""
    if code == DONE_CODE:
        fold.done += 1
        fold.last_done = day
    elif code == SKIPPED_CODE:
        fold.skipped += 1
    # Strength: every day but skipped ones.
    if rules.daily_window:
        if code != SKIPPED_CODE:
            fold.strength = fold.strength * rules.decay + (credit / 1) * rules.gain
    else:
        credits = fold.credits
        credits.append(credit)
        if credit:
            fold.credit_sum += credit
        if len(credits) > rules.window_days:
            leaving = credits.pop(0)
            if leaving:
                fold.credit_sum -= leaving
        if code != SKIPPED_CODE:  # _window_credit, inline (the loop over a whole history)
            credit_sum, target = fold.credit_sum, rules.window_target
            window_credit = 0.0 if target == 0 else 1.0 if credit_sum >= target else credit_sum / target
            fold.strength = fold.strength * rules.decay + window_credit * rules.gain
    if rules.per_week:
        char = _EXPECTED_CHARS[code]
        if rules.week_day(day) == 0 and day != rules.start:
            _close_week(fold, rules, day)
        if code != SKIPPED_CODE:
            fold.week_eligible += 1
            if code == DONE_CODE:
                fold.week_done += 1
    elif rules.expected(day):
        char = _EXPECTED_CHARS[code]
        fold.expected_days = (fold.expected_days + char)[-WINDOW:]
        if code == DONE_CODE:
            fold.run += 1
            if fold.run > fold.longest:
                fold.longest = fold.run
            fold.misses = 0
        elif code != SKIPPED_CODE:  # missed, or left open on a past day
            if fold.run >= stats.LONG_STREAK:
                fold.long_break = day
            fold.run = 0
            fold.misses += 1
    else:
        char = _OFF_CHARS[code]
    fold.days = fold.days[1:] + char
    fold.through = day


def _window_credit(credit_sum, rules: _Rules) -> float:
    """c for a window holding `credit_sum`: min(1, credit_sum ÷ window_target)."""
    target = rules.window_target
    return 0.0 if target == 0 else 1.0 if credit_sum >= target else credit_sum / target


def _close_week(fold: Fold, rules: _Rules, day: int) -> None:
    """The week that ended the day before `day` is judged (timeline.Timeline.week_outcomes)."""
    eligible, done = fold.week_eligible, fold.week_done
    if eligible:
        if done >= min(rules.times_per_week, eligible):
            fold.run += 1
            if fold.run > fold.longest:
                fold.longest = fold.run
            fold.misses = 0
        else:
            if fold.run >= stats.LONG_STREAK:
                fold.long_break = day
            fold.run = 0
            fold.misses += 1
    fold.week_eligible = fold.week_done = 0


# --------------------------------------------------------------------------- today


def finish(fold: Fold, spec: stats.Schedule, measure: stats.Measure | None, today: int, code: int,
           value: Decimal | float | None) -> stats.Stats:
    """The statistics as of `today` (an ordinal) for a fold through the day before, with
    today's status code (open if no entry) and value."""
    rules = _rules(spec)
    if today < rules.start:
        return _zero()
    if fold.through != today - 1:
        raise ValueError(f"the fold is through {fold.through}, not the day before {today}")
    if code > MISSED_CODE:
        raise ValueError(f"unknown status code {code}")
    done_today = code == DONE_CODE
    # Strength: today is folded in once done (a skip leaves it as it is).
    strength = _strength_with(fold, rules, credit_of(measure, value)) if done_today else fold.strength
    if rules.per_week:
        run, longest, misses, long_break = _week_streak(fold, rules, today, code)
    else:
        run, longest, long_break = _day_streak(fold, rules, today, code)
        misses = fold.misses
    last_done = today if done_today else fold.last_done
    return stats.assemble(
        spec, run, longest, fold.done + done_today, fold.skipped + (code == SKIPPED_CODE),
        _consistency(fold, rules, today, done_today), strength, misses,
        None if last_done is None else dt.date.fromordinal(last_done), _failure(fold, rules),
        long_break is not None and long_break >= today - (stats.RECENT_BREAK_DAYS - 1),
    )


def _strength_with(fold: Fold, rules: _Rules, credit) -> float:
    """The strength with today, done with this credit, folded in."""
    if rules.daily_window:
        return fold.strength * rules.decay + (credit / 1) * rules.gain
    credit_sum = fold.credit_sum + credit
    if len(fold.credits) == rules.window_days and fold.credits[0]:
        credit_sum -= fold.credits[0]
    return fold.strength * rules.decay + _window_credit(credit_sum, rules) * rules.gain


def _day_streak(fold: Fold, rules: _Rules, today: int, code: int) -> tuple[int, int, int | None]:
    """(run, longest, long_break) with today (day schedules)."""
    run, longest, long_break = fold.run, fold.longest, fold.long_break
    if rules.expected(today):
        if code == DONE_CODE:
            run += 1
            longest = max(longest, run)
        elif code == MISSED_CODE:  # missed today, explicitly: a miss is a miss
            if run >= stats.LONG_STREAK:
                long_break = today
            run = 0
    return run, longest, long_break


def _week_streak(fold: Fold, rules: _Rules, today: int, code: int) -> tuple[int, int, int, int | None]:
    """(run, longest, misses, long_break) with today's week (N per week): the week before
    is judged if it ended yesterday; this one adds 1 once it reaches its requirement."""
    run, longest, misses, long_break = fold.run, fold.longest, fold.misses, fold.long_break
    eligible, done = fold.week_eligible, fold.week_done
    times = rules.times_per_week
    if rules.week_day(today) == 0 and today != rules.start:  # yesterday's week is judged now
        if eligible:
            if done >= min(times, eligible):
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
    eligible += (code != SKIPPED_CODE) + 6 - rules.week_day(today)
    done += code == DONE_CODE
    if eligible and done >= min(times, eligible):
        run += 1
        longest = max(longest, run)
    return run, longest, misses, long_break


def _consistency(fold: Fold, rules: _Rules, today: int, done_today: bool) -> int | None:
    """Over today - 29 … today: the expected days not skipped (today only once done), and
    of those the done ones."""
    days = fold.days
    counted = days.count(_OPEN_CHAR) + days.count(_DONE_CHAR) + days.count(_MISSED_CHAR)
    done = days.count(_DONE_CHAR)
    first = days[0]  # today - 30: not in the window
    if first in _COUNTED_CHARS:
        counted -= 1
        done -= first == _DONE_CHAR
    if done_today and (rules.per_week or rules.expected(today)):
        counted += 1
        done += 1
    if counted == 0:
        return None
    if rules.per_week:  # done ÷ (N × days ÷ 7)
        return min(100, half_up_ratio(700 * done, rules.times_per_week * counted))
    return min(100, half_up_ratio(100 * done, counted))


_COUNTED_CHARS = frozenset((_OPEN_CHAR, _DONE_CHAR, _MISSED_CHAR))


def _failure(fold: Fold, rules: _Rules) -> tuple[int, int] | None:
    """The failure rate before today as (numerator, denominator), or None."""
    if rules.per_week:
        # The newest 30 days before today: of the k not skipped, d done; the shortfall of N·k ÷ 7.
        days = fold.days
        done = days.count(_DONE_CHAR)
        rated = days.count(_OPEN_CHAR) + done + days.count(_MISSED_CHAR)
        if rated == 0:
            return None
        shortfall7 = max(0, rules.times_per_week * rated - 7 * done)
        return (shortfall7, 7 * done + shortfall7)
    recent = fold.expected_days  # the newest 30 expected days
    done = recent.count(_DONE_CHAR)
    missed = len(recent) - done - recent.count(_SKIPPED_CHAR)
    return None if done + missed == 0 else (missed, done + missed)


def _zero() -> stats.Stats:
    return stats.Stats(0, 0, 0, 0, None, 0.0, 0, None, False, None, None, [])


def compute(spec: stats.Schedule, measure: stats.Measure | None, codes: dict[int, int],
            values: dict[int, Decimal | float], today: dt.date, fold: Fold | None = None) -> tuple[stats.Stats, Fold]:
    """The statistics as of `today` and the fold through yesterday, from `fold` (or from
    the start) and the days after it in `codes`/`values` (ordinal → status code / value)."""
    today_ordinal = today.toordinal()
    fold = advance(fold or start(spec), spec, measure, codes, values, today_ordinal - 1)
    if today_ordinal < fold.through + 1:  # today is before the start
        return _zero(), fold
    return finish(fold, spec, measure, today_ordinal, codes.get(today_ordinal, OPEN_CODE),
                  values.get(today_ordinal)), fold
