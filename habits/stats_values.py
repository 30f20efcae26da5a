"""The vocabulary of habit statistics (habits.stats): statuses and their codes, schedule
kinds, the thresholds of the rules (docs/rules.md), and the values the rules take and
give: Schedule, Entry, Measure, Stats, StreakRun."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

DONE, SKIPPED, MISSED = "done", "skipped", "missed"
SCHEDULED, PROMPTED, STARTED = "scheduled", "prompted", "started"
OPEN_STATUSES = frozenset({SCHEDULED, PROMPTED, STARTED})
STATUSES = OPEN_STATUSES | {DONE, SKIPPED, MISSED}

DAILY, WEEKDAYS, PER_WEEK, EVERY_N_DAYS = "daily", "weekdays", "per_week", "every_n_days"
KINDS = (DAILY, WEEKDAYS, PER_WEEK, EVERY_N_DAYS)
AT_LEAST, AT_MOST = "at_least", "at_most"

CONSISTENCY_DAYS = 30
FAILURE_DAYS = 30
RISK_MISSES = 2
LOW_CONSISTENCY = 30
LONG_STREAK = 7
RECENT_BREAK_DAYS = 7

# A day's status as a small code (the one definition: habits.fold and the set-based reads
# use these). Days in the compact form are ``date.toordinal() << 3 | code``.
OPEN_CODE, DONE_CODE, SKIPPED_CODE, MISSED_CODE = 0, 1, 2, 3
STATUS_CODES = {
    SCHEDULED: OPEN_CODE,
    PROMPTED: OPEN_CODE,
    STARTED: OPEN_CODE,
    DONE: DONE_CODE,
    SKIPPED: SKIPPED_CODE,
    MISSED: MISSED_CODE,
}
UNKNOWN_CODE = 7  # a status no rule knows: compute_stats_coded refuses it


def status_code(status: str) -> int:
    """A status's code (STATUS_CODES), as compute_stats_coded and habits.fold read days."""
    return STATUS_CODES.get(status, UNKNOWN_CODE)


def half_up_ratio(num: int, den: int) -> int:
    """round_half_up(num / den) for non-negative integers, exactly."""
    return (2 * num + den) // (2 * den)


@dataclass(frozen=True)
class Schedule:
    kind: str  # "daily" | "weekdays" | "per_week" | "every_n_days"
    start_date: dt.date
    weekdays: tuple[int, ...] = ()  # 0 = Monday, for "weekdays"
    times_per_week: int | None = None  # for "per_week" (1..7)
    every_n_days: int | None = None  # for "every_n_days" (>= 1), counted from start_date
    week_start: int = 0  # the user's first weekday (0 = Monday, 6 = Sunday)
    pauses: tuple[tuple[dt.date, dt.date | None], ...] = ()  # inclusive; end None = ongoing

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown schedule kind {self.kind!r}")
        weekdays = tuple(sorted({int(d) for d in self.weekdays}))
        if any(d < 0 or d > 6 for d in weekdays):
            raise ValueError(f"weekdays must be 0..6, got {self.weekdays!r}")
        object.__setattr__(self, "weekdays", weekdays)
        if self.kind == PER_WEEK and not (
            self.times_per_week is not None and 1 <= self.times_per_week <= 7
        ):
            raise ValueError(f"times_per_week must be 1..7, got {self.times_per_week!r}")
        if self.kind == EVERY_N_DAYS and self.every_n_days is not None and self.every_n_days < 1:
            raise ValueError(f"every_n_days must be >= 1, got {self.every_n_days!r}")
        if not 0 <= self.week_start <= 6:
            raise ValueError(f"week_start must be 0..6, got {self.week_start!r}")
        object.__setattr__(self, "pauses", tuple((a, b) for a, b in self.pauses))

    @property
    def window(self) -> tuple[int, int]:
        """(num, den): num repetitions expected every den days."""
        if self.kind == DAILY:
            return (1, 1)
        if self.kind == WEEKDAYS:
            return (len(self.weekdays), 7)
        if self.kind == PER_WEEK:
            return (int(self.times_per_week), 7)
        return (1, self._interval)

    @property
    def frequency(self) -> float:
        """f, times per day."""
        num, den = self.window
        return num / den

    @property
    def _interval(self) -> int:
        return self.every_n_days or 1

    def is_paused(self, day: dt.date) -> bool:
        return bool(self.pauses) and any(a <= day and (b is None or day <= b) for a, b in self.pauses)

    def is_scheduled(self, day: dt.date) -> bool:
        """Scheduled by the pattern alone (ignores pauses); False before start_date."""
        if day < self.start_date:
            return False
        if self.kind == WEEKDAYS:
            return day.weekday() in self.weekdays
        if self.kind == EVERY_N_DAYS:
            return (day - self.start_date).days % self._interval == 0
        return True

    def is_expected(self, day: dt.date) -> bool:
        """An expected day: scheduled, on/after start_date and not paused.

        For "N per week" every such day is usable (the week is what is expected)."""
        return self.is_scheduled(day) and not self.is_paused(day)

    def week_of(self, day: dt.date) -> dt.date:
        """The first day of the user's week containing `day`."""
        return day - dt.timedelta(days=(day.weekday() - self.week_start) % 7)


@dataclass(frozen=True)
class Entry:
    """One occurrence."""

    on: dt.date
    status: str  # done/skipped/missed/scheduled/prompted/started
    value: Decimal | float | None = None


@dataclass(frozen=True)
class Measure:
    """The target of a measurable habit (None for yes/no habits)."""

    kind: str  # "at_least" | "at_most"
    target: Decimal | float

    def __post_init__(self) -> None:
        if self.kind not in (AT_LEAST, AT_MOST):
            raise ValueError(f"unknown measure kind {self.kind!r}")

    def meets(self, value: Decimal | float | None) -> bool:
        """Whether a day's value meets the target: at least it, or at most it. No value
        counts as 0 (as in Loop Habit Tracker)."""
        vn, vd = _ratio(value) if value is not None else (0, 1)
        tn, td = _ratio(self.target)
        if self.kind == AT_LEAST:
            return vn * td >= tn * vd
        return vn * td <= tn * vd

    def credit(self, value: Decimal | float | None) -> Fraction:
        """How much of a 'done' a done entry with this value is worth, in [0, 1]."""
        return Fraction(*self.credit_ratio(value))

    def credit_ratio(self, value: Decimal | float | None) -> tuple[int, int]:
        """credit() as a (numerator, denominator > 0) pair of ints, computed exactly."""
        if value is None:
            return (1, 1)
        tn, td = _ratio(self.target)
        vn, vd = _ratio(value)
        if self.kind == AT_LEAST:
            if tn <= 0:
                return (1, 1)
            num, den = vn * td, vd * tn  # value / target
        else:
            if vn * td <= tn * vd:  # value <= target
                return (1, 1)
            if vn <= 0:
                return (0, 1)
            num, den = tn * vd, td * vn  # target / value
        if num <= 0:
            return (0, 1)
        if num >= den:
            return (1, 1)
        g = math.gcd(num, den)
        return (num // g, den // g)


def closes_done(measure: Measure | None) -> bool:
    """Whether a past expected day left open can be done rather than missed: for "at most"
    habits, as in Loop (docs/rules.md), where no entry is a value of 0."""
    return measure is not None and measure.kind == AT_MOST


def closed_code(measure: Measure | None, value: Decimal | float | None) -> int:
    """What a past expected day left open (no entry, or an open status, with `value`)
    counts as, and what the day close writes: done for an "at most" habit at or under
    its limit, missed otherwise."""
    if measure is not None and measure.kind == AT_MOST and (value is None or measure.meets(value)):
        return DONE_CODE
    return MISSED_CODE


def _ratio(x: Decimal | float | Fraction) -> tuple[int, int]:
    """x as an exact (numerator, denominator > 0) pair."""
    if isinstance(x, int):
        return (x, 1)
    if isinstance(x, str):
        x = Decimal(x)
    return x.as_integer_ratio()


@dataclass
class Stats:
    current_streak: int
    longest_streak: int
    total_done: int
    total_skipped: int
    consistency: int | None  # 0..100, None when no expected days ("—")
    strength: float  # 0..1 (shown as round_half_up(100 * s))
    consecutive_misses: int
    last_done_on: dt.date | None
    at_risk: bool
    failure_rate: float | None  # 0..1, None when nothing to rate
    suggested_frequency: float | None  # times per day; only when lower_frequency fires
    suggestions: list[tuple[str, str]] = field(default_factory=list)  # (code, message)


@dataclass(frozen=True)
class StreakRun:
    """One run of a streak. Units are days, or weeks for "N per week".

    first/last: the first and last counted day (for weeks: the first day of the first
    counted week, clipped to start_date, and the last day of the last counted week,
    clipped to today). broken_on: the day the run was broken, None while it is current.
    """

    first: dt.date
    last: dt.date
    length: int
    broken_on: dt.date | None
