"""Habit statistics: the rules of DESIGN.md §4 as pure functions (no database, no ORM),
on a :class:`Schedule`, an iterable of :class:`Entry` (one occurrence per local date), the
user's local ``today`` and, for measurable habits, a :class:`Measure`. The caller resolves
time zones and the day-start hour. This is the reference habits.fold is tested against.

How the rules are read where DESIGN.md is silent: docs/statistics.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from habitstory.core.numbers import round_half_up

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


# --------------------------------------------------------------------------- values


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


# --------------------------------------------------------------------------- timeline


def _coded(entries: Iterable[Entry]) -> tuple[list[int], dict]:
    """Entries in the compact form compute_stats_coded takes: (days, values by ordinal)."""
    days, values = [], {}
    for e in entries:
        code = STATUS_CODES.get(e.status)
        if code is None:
            raise ValueError(f"unknown status {e.status!r}")
        ordinal = e.on.toordinal()
        days.append(ordinal << 3 | code)
        if e.value is not None:
            values[ordinal] = e.value
    return days, values


def _paused_days(schedule: Schedule, count: int) -> list[bool]:
    """Whether each of `count` days from the start is paused."""
    paused = [False] * count
    start = schedule.start_date
    for first, last in schedule.pauses:
        lo = max(0, (first - start).days)
        hi = count - 1 if last is None else min(count - 1, (last - start).days)
        if lo <= hi:
            paused[lo : hi + 1] = [True] * (hi - lo + 1)
    return paused


def _scaled_credits(ratios_by_day: list, ratios: Collection[tuple[int, int]]) -> tuple[list, int]:
    """Measured credits, given as (numerator, denominator) pairs per day (0 where none), as
    exact integers over one common denominator, `scale`: sliding sums stay exact and
    cheap, and int / int true division rounds once, correctly. (Arbitrary float values can
    make that denominator huge: then exact Fractions over a scale of 1.)"""
    scale = 1
    for _num, den in ratios:
        scale = math.lcm(scale, den)
        if scale.bit_length() > 256:
            break
    if scale.bit_length() <= 256:
        factor = {ratio: ratio[0] * (scale // ratio[1]) for ratio in ratios}
    else:
        scale = 1
        factor = {ratio: Fraction(*ratio) for ratio in ratios}
    return [factor[ratio] if ratio else 0 for ratio in ratios_by_day], scale


class _Timeline:
    """Day-indexed arrays from start_date (index 0) to today (index n - 1)."""

    __slots__ = (
        "_expected",
        "_weeks",
        "credit",
        "last_done",
        "lead",
        "n",
        "paused",
        "scale",
        "schedule",
        "start",
        "start_ord",
        "status",
        "today",
        "total_done",
        "total_skipped",
    )

    def __init__(self, schedule: Schedule, entries: Iterable[Entry], today: dt.date,
                 measure: Measure | None, coded: tuple[Iterable[int], dict] | None = None):
        """From `entries`, or from `coded`: (days, values) as compute_stats_coded takes them."""
        self.schedule = schedule
        self.today = today
        start = self.start = schedule.start_date
        self.start_ord = start.toordinal()
        self.n = max(0, (today - start).days + 1)
        self.lead = (start.weekday() - schedule.week_start) % 7
        # Per-week needs the pauses through the end of the current week.
        self.paused = _paused_days(schedule, self.n + 6)
        days, values = coded if coded is not None else _coded(entries)
        self._read_days(days, values, measure)
        self._expected = None
        self._weeks = None

    def _read_days(self, days: Iterable[int], values: dict, measure: Measure | None) -> None:
        """The kept days' status codes, the done days' credits and the totals. The credits
        come out as integers over `scale` (see _scaled_credits)."""
        n, paused, start_ord = self.n, self.paused, self.start_ord
        status = [OPEN_CODE] * n
        seen = bytearray(n)
        credit: list = [0] * n
        ratios: dict = {}  # credit ratio by measured value
        total_done = total_skipped = 0
        last_done = -1
        for day in days:
            code = day & 7
            if code > MISSED_CODE:
                raise ValueError(f"unknown status code {code}")
            i = (day >> 3) - start_ord
            if i < 0 or i >= n or paused[i]:
                continue
            if seen[i]:
                raise ValueError(f"two entries on {dt.date.fromordinal(day >> 3)}")
            seen[i] = 1
            status[i] = code
            if code == DONE_CODE:
                total_done += 1
                if i > last_done:
                    last_done = i
                if measure is None:
                    credit[i] = 1
                else:
                    value = values.get(day >> 3)
                    ratio = ratios.get(value)
                    if ratio is None:
                        ratio = ratios[value] = measure.credit_ratio(value)
                    credit[i] = ratio
            elif code == SKIPPED_CODE:
                total_skipped += 1
        self.status = status
        self.credit, self.scale = _scaled_credits(credit, ratios.values()) if ratios else (credit, 1)
        self.total_done = total_done
        self.total_skipped = total_skipped
        self.last_done = last_done

    def date(self, i: int) -> dt.date:
        return dt.date.fromordinal(self.start_ord + i)

    # -- day schedules

    @property
    def expected(self) -> list[bool]:
        if self._expected is None:
            schedule, n, paused = self.schedule, self.n, self.paused
            if schedule.kind == WEEKDAYS:
                first_weekday = self.start.weekday()
                pattern = [((first_weekday + k) % 7) in schedule.weekdays for k in range(7)]
                self._expected = [pattern[i % 7] and not paused[i] for i in range(n)]
            elif schedule.kind == EVERY_N_DAYS:
                interval = schedule._interval
                self._expected = [i % interval == 0 and not paused[i] for i in range(n)]
            else:
                self._expected = [not p for p in paused[:n]]
        return self._expected

    # -- per week

    @property
    def weeks(self) -> list[tuple[int, int, int, int]]:
        """(lo, hi, eligible, done) per week, lo/hi day indices of the week [lo, hi)."""
        if self._weeks is None:
            n, paused, status, lead = self.n, self.paused, self.status, self.lead
            weeks = []
            count = (n - 1 + lead) // 7 + 1 if n else 0
            for w in range(count):
                lo = w * 7 - lead
                hi = lo + 7
                eligible = done = 0
                for i in range(max(lo, 0), hi):
                    if paused[i]:
                        continue
                    if i < n:
                        st = status[i]
                        if st == SKIPPED_CODE:
                            continue
                        if st == DONE_CODE:
                            done += 1
                    eligible += 1
                weeks.append((lo, hi, eligible, done))
            self._weeks = weeks
        return self._weeks

    def week_outcomes(self) -> list[tuple[int, int, int]]:
        """(lo, hi, outcome) per week: +1 adds, 0 neutral, -1 breaks."""
        times = self.schedule.times_per_week
        weeks = self.weeks
        last = len(weeks) - 1
        out = []
        for w, (lo, hi, eligible, done) in enumerate(weeks):
            if eligible == 0:
                outcome = 0
            elif done >= min(times, eligible):
                outcome = 1
            else:
                outcome = 0 if w == last else -1
            out.append((lo, hi, outcome))
        return out

    # -- rules

    def consistency(self) -> int | None:
        """_consistency(schedule, codes, today) from the arrays: `expected` is exactly
        Schedule.is_expected on every day from the start to today (for N per week: not
        paused), and `status` holds the kept entries."""
        n = self.n
        expected, status = self.expected, self.status
        last = n - 1
        days = done = 0
        for i in range(max(0, n - CONSISTENCY_DAYS), n):
            if not expected[i]:
                continue
            st = status[i]
            if st == SKIPPED_CODE or (i == last and st != DONE_CODE):
                continue
            days += 1
            if st == DONE_CODE:
                done += 1
        if days == 0:
            return None
        if self.schedule.kind == PER_WEEK:
            return min(100, half_up_ratio(700 * done, self.schedule.times_per_week * days))
        return min(100, half_up_ratio(100 * done, days))

    def streak_runs(self) -> list[StreakRun]:
        date = self.date
        return [StreakRun(date(first), date(last), length, None if broken is None else date(broken))
                for first, last, length, broken in self.runs()]

    def runs(self) -> list[tuple[int, int, int, int | None]]:
        """streak_runs as day indices: (first, last, length, broken or None)."""
        runs: list[tuple[int, int, int, int | None]] = []
        n = self.n
        if n == 0:
            return runs
        run = 0
        first = last = 0
        if self.schedule.kind == PER_WEEK:
            for lo, hi, outcome in self.week_outcomes():
                if outcome > 0:
                    if run == 0:
                        first = max(lo, 0)
                    run += 1
                    last = min(hi, n) - 1
                elif outcome < 0 and run:
                    runs.append((first, last, run, hi))
                    run = 0
        else:
            status, expected, today_i = self.status, self.expected, n - 1
            for i in range(n):
                if not expected[i]:
                    continue
                st = status[i]
                if st == DONE_CODE:
                    if run == 0:
                        first = i
                    run += 1
                    last = i
                elif st == SKIPPED_CODE or (st == OPEN_CODE and i == today_i):
                    continue
                elif run:
                    runs.append((first, last, run, i))
                    run = 0
        if run:
            runs.append((first, last, run, None))
        return runs

    def consecutive_misses(self) -> int:
        count = 0
        if self.schedule.kind == PER_WEEK:
            for _lo, _hi, outcome in reversed(self.week_outcomes()[:-1]):
                if outcome > 0:
                    break
                if outcome < 0:
                    count += 1
            return count
        status, expected = self.status, self.expected
        for i in range(self.n - 2, -1, -1):
            if not expected[i]:
                continue
            st = status[i]
            if st == DONE_CODE:
                break
            if st != SKIPPED_CODE:
                count += 1
        return count

    def failure_ratio(self) -> tuple[int, int] | None:
        """The failure rate as (numerator, denominator > 0), in integers."""
        status = self.status
        done = missed = days = 0
        if self.schedule.kind == PER_WEEK:
            paused = self.paused
            rated = 0  # k: the non-skipped days among the newest 30
            for i in range(self.n - 2, -1, -1):
                if paused[i]:
                    continue
                days += 1
                st = status[i]
                if st != SKIPPED_CODE:
                    rated += 1
                    if st == DONE_CODE:
                        done += 1
                if days == FAILURE_DAYS:
                    break
            if rated == 0:
                return None
            # shortfall = max(0, N·k ÷ 7 − d); rate = shortfall ÷ (d + shortfall), × 7 / 7
            shortfall7 = max(0, self.schedule.times_per_week * rated - 7 * done)
            return (shortfall7, 7 * done + shortfall7)
        expected = self.expected
        for i in range(self.n - 2, -1, -1):
            if not expected[i]:
                continue
            days += 1
            st = status[i]
            if st == DONE_CODE:
                done += 1
            elif st != SKIPPED_CODE:
                missed += 1
            if days == FAILURE_DAYS:
                break
        if done + missed == 0:
            return None
        return (missed, done + missed)

    def strength_values(self) -> list[float]:
        """s after each day from start_date through the last day the rule folds in."""
        n = self.n
        if n == 0:
            return []
        status, credit, paused, scale = self.status, self.credit, self.paused, self.scale
        last = n - 1 if status[n - 1] in (DONE_CODE, SKIPPED_CODE) else n - 2
        num, den = self.schedule.window
        f = num / den
        m = 0.5 ** (math.sqrt(f) / 13)
        one_minus_m = 1 - m
        s = 0.0
        out = []
        append = out.append
        if (num, den) == (1, 1):
            for i in range(last + 1):
                if not (paused[i] or status[i] == SKIPPED_CODE):
                    s = s * m + (credit[i] / scale) * one_minus_m
                append(s)
            return out
        width, need = 2 * den, 2 * num * scale
        wsum = 0
        for i in range(last + 1):
            c_in = credit[i]
            if c_in:
                wsum += c_in
            if i >= width:
                c_out = credit[i - width]
                if c_out:
                    wsum -= c_out
            if not (paused[i] or status[i] == SKIPPED_CODE):
                if need == 0:
                    c = 0.0
                elif wsum >= need:
                    c = 1.0
                else:
                    c = wsum / need
                s = s * m + c * one_minus_m
            append(s)
        return out


def _consistency(schedule: Schedule, codes: dict[dt.date, int], day: dt.date) -> int | None:
    """Consistency as of `day`; `codes` maps date -> status code for kept entries."""
    start = schedule.start_date
    if day < start:
        return None
    first = max(start, day - dt.timedelta(days=CONSISTENCY_DAYS - 1))
    per_week = schedule.kind == PER_WEEK
    expected = done = 0
    d = first
    one = dt.timedelta(days=1)
    while d <= day:
        if schedule.is_expected(d):
            code = codes.get(d, OPEN_CODE)
            if code != SKIPPED_CODE and (d != day or code == DONE_CODE):
                expected += 1
                if code == DONE_CODE:
                    done += 1
        d += one
    if expected == 0:
        return None
    if per_week:
        # done ÷ (N × days ÷ 7)
        return min(100, half_up_ratio(700 * done, schedule.times_per_week * expected))
    return min(100, half_up_ratio(100 * done, expected))


def _codes(schedule: Schedule, entries: Iterable[Entry], today: dt.date) -> dict[dt.date, int]:
    codes: dict[dt.date, int] = {}
    start = schedule.start_date
    for e in entries:
        code = STATUS_CODES.get(e.status)
        if code is None:
            raise ValueError(f"unknown status {e.status!r}")
        if start <= e.on <= today and not schedule.is_paused(e.on):
            if e.on in codes:
                raise ValueError(f"two entries on {e.on}")
            codes[e.on] = code
    return codes


def _suggested_frequency(schedule: Schedule, failure: Fraction) -> Fraction:
    num, den = schedule.window
    f = Fraction(num, den)
    k = max(1, math.floor(7 * f * (1 - failure)))
    if Fraction(k, 7) < f:
        return Fraction(k, 7)
    return f / 2


def _times(k: int) -> str:
    return {1: "once", 2: "twice"}.get(k, f"{k} times")


# --------------------------------------------------------------------------- public


def compute_stats(schedule: Schedule, entries: Iterable[Entry], today: dt.date,
                  measure: Measure | None = None) -> Stats:
    """All denormalised statistics of a habit as of the user's local `today`."""
    return _stats(_Timeline(schedule, entries, today, measure))


def compute_stats_coded(schedule: Schedule, days: Iterable[int], values: dict[int, Decimal | float],
                        today: dt.date, measure: Measure | None = None) -> Stats:
    """compute_stats for occurrences in the compact form a set-based recompute reads
    from the database: each one in `days` as ``date.toordinal() << 3 | STATUS_CODES[status]``,
    the measured values in `values` by ordinal. The same result, without an Entry each."""
    return _stats(_Timeline(schedule, (), today, measure, coded=(days, values)))


def _stats(timeline: _Timeline) -> Stats:
    schedule, n = timeline.schedule, timeline.n
    if n == 0:
        return Stats(0, 0, 0, 0, None, 0.0, 0, None, False, None, None, [])

    runs = timeline.runs()
    current = runs[-1][2] if runs and runs[-1][3] is None else 0
    longest = max((length for _, _, length, _ in runs), default=0)

    consistency = timeline.consistency()

    values = timeline.strength_values()
    strength = values[-1] if values else 0.0

    misses = timeline.consecutive_misses()
    failure = timeline.failure_ratio()
    recent = n - RECENT_BREAK_DAYS  # the index of today - 6
    long_break = any(length >= LONG_STREAK and broken is not None and broken >= recent
                     for _, _, length, broken in runs)
    last_done = timeline.date(timeline.last_done) if timeline.last_done >= 0 else None
    return assemble(schedule, current, longest, timeline.total_done, timeline.total_skipped, consistency, strength,
                    misses, last_done, failure, long_break)


def assemble(schedule: Schedule, current: int, longest: int, total_done: int, total_skipped: int,
             consistency: int | None, strength: float, misses: int, last_done_on: dt.date | None,
             failure: tuple[int, int] | None, long_break: bool) -> Stats:
    """The Stats, suggestions included, from the rules' results (shared with habits.fold).
    `failure` is the failure rate as (numerator, denominator); `long_break` whether a run
    of LONG_STREAK or more was broken in the RECENT_BREAK_DAYS ending today."""
    suggested, suggestions = _suggestions(schedule, consistency, failure, long_break)
    failure_rate = None if failure is None else failure[0] / failure[1]  # = float(Fraction)
    # Positional, in the order of Stats' fields: a third of the time keywords take (the
    # day close makes a million of these).
    return Stats(current, longest, total_done, total_skipped, consistency, strength, misses, last_done_on,
                 misses >= RISK_MISSES, failure_rate, suggested, suggestions)


def _suggestions(schedule: Schedule, consistency: int | None, failure: tuple[int, int] | None,
                 long_break: bool) -> tuple[float | None, list[tuple[str, str]]]:
    """The suggested frequency (times per day, or None) and the suggestions (code, message)."""
    suggestions: list[tuple[str, str]] = []
    suggested = None
    if failure is not None and 2 * failure[0] > failure[1]:
        frequency = _suggested_frequency(schedule, Fraction(*failure))
        suggested = float(frequency)
        if frequency >= Fraction(1, 7):
            plan = f"{_times(int(frequency * 7))} a week"
        else:
            plan = f"once every {round_half_up(1 / frequency)} days"
        suggestions.append((
            "lower_frequency",
            (
                "You've missed more than half of your recent check-ins. "
                f"Try {plan} for now and build up from there."
            ),
        ))
    if consistency is not None and consistency < LOW_CONSISTENCY:
        suggestions.append((
            "easier_difficulty",
            (
                "Your consistency has dipped below 30%. An easier version of this habit "
                "could help you get back on track."
            ),
        ))
    if long_break:
        unit = "week" if schedule.kind == PER_WEEK else "day"
        suggestions.append((
            "smaller_target",
            (
                f"Your streak of {LONG_STREAK}+ {unit}s just ended. Restart with a smaller "
                "target and build it back up."
            ),
        ))
    return suggested, suggestions


def strength_series(schedule: Schedule, entries: Iterable[Entry], today: dt.date,
                    measure: Measure | None = None) -> list[tuple[dt.date, float]]:
    """(day, s after that day) from start_date through the last day the rule folds in:
    yesterday, or today once today is done or skipped. Empty before any such day."""
    timeline = _Timeline(schedule, entries, today, measure)
    start_ord = timeline.start_ord
    return [(dt.date.fromordinal(start_ord + i), s) for i, s in enumerate(timeline.strength_values())]


def consistency_on(schedule: Schedule, entries: Iterable[Entry], day: dt.date,
                   measure: Measure | None = None) -> int | None:
    """Consistency as it was on `day` (today = day). Measure does not affect it."""
    return _consistency(schedule, _codes(schedule, entries, day), day)


def consistency_trend(schedule: Schedule, entries: Iterable[Entry], today: dt.date,
                      days: int = 30) -> list[tuple[dt.date, int | None]]:
    """(day, consistency_on(day)) for the `days` days ending today, oldest first."""
    codes = _codes(schedule, entries, today)
    out = []
    for back in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=back)
        # entries after `day` must not count: _consistency only reads dates <= day
        out.append((day, _consistency(schedule, codes, day)))
    return out


def streak_history(schedule: Schedule, entries: Iterable[Entry], today: dt.date) -> list[StreakRun]:
    """Every streak run through today, oldest first; the last one is current when its
    broken_on is None."""
    return _Timeline(schedule, entries, today, None).streak_runs()
