"""A habit's history read day by day (`Timeline`), the way habits.stats computes every
figure from it: the expected days, the strength's credits, the streaks and the windows.
docs/statistics.md explains how each rule is read."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable
from fractions import Fraction


from .stats_values import (
    CONSISTENCY_DAYS,
    DONE_CODE,
    EVERY_N_DAYS,
    Entry,
    FAILURE_DAYS,
    MISSED_CODE,
    Measure,
    OPEN_CODE,
    PER_WEEK,
    SKIPPED_CODE,
    STATUS_CODES,
    Schedule,
    StreakRun,
    WEEKDAYS,
    closed_code,
    closes_done,
    half_up_ratio,
)


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


class Timeline:
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
        if closes_done(measure):
            self._close_open_days(measure, values)

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

    def _close_open_days(self, measure: Measure, values: dict) -> None:
        """An "at most" habit's past expected days left open are done when at or under the
        limit (no entry: 0), as the day close writes them (stats_values.closed_code)."""
        status, expected, credit, whole = self.status, self.expected, self.credit, self.scale
        start_ord = self.start_ord
        for i in range(self.n - 1):  # today stays open
            if status[i] == OPEN_CODE and expected[i] and closed_code(measure, values.get(start_ord + i)) == DONE_CODE:
                status[i] = DONE_CODE
                credit[i] = whole  # a credit of 1, over the scale
                self.total_done += 1
                if i > self.last_done:
                    self.last_done = i

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
        """consistency_at(schedule, codes, today) from the arrays: `expected` is exactly
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


def consistency_at(schedule: Schedule, codes: dict[dt.date, int], day: dt.date,
                   measure: Measure | None = None) -> int | None:
    """Consistency as of `day`; `codes` maps date -> status code for kept entries
    (codes_by_day: an "at most" habit's open days over the limit are already missed)."""
    start = schedule.start_date
    if day < start:
        return None
    first = max(start, day - dt.timedelta(days=CONSISTENCY_DAYS - 1))
    per_week = schedule.kind == PER_WEEK
    open_done = closes_done(measure)  # a past open day is done (within the limit)
    expected = done = 0
    d = first
    one = dt.timedelta(days=1)
    while d <= day:
        if schedule.is_expected(d):
            code = codes.get(d, OPEN_CODE)
            if code == OPEN_CODE and open_done and d < day:
                code = DONE_CODE
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


def codes_by_day(schedule: Schedule, entries: Iterable[Entry], today: dt.date,
                 measure: Measure | None = None) -> dict[dt.date, int]:
    """The kept entries' status codes by date. For an "at most" habit an open entry over
    the limit is missed (closed_code): consistency_at then takes every open day before
    its `day` as done."""
    codes: dict[dt.date, int] = {}
    start = schedule.start_date
    open_done = closes_done(measure)
    for e in entries:
        code = STATUS_CODES.get(e.status)
        if code is None:
            raise ValueError(f"unknown status {e.status!r}")
        if start <= e.on <= today and not schedule.is_paused(e.on):
            if e.on in codes:
                raise ValueError(f"two entries on {e.on}")
            if code == OPEN_CODE and open_done and closed_code(measure, e.value) != DONE_CODE:
                code = MISSED_CODE
            codes[e.on] = code
    return codes


def suggested_frequency(schedule: Schedule, failure: Fraction) -> Fraction:
    num, den = schedule.window
    f = Fraction(num, den)
    k = max(1, math.floor(7 * f * (1 - failure)))
    if Fraction(k, 7) < f:
        return Fraction(k, 7)
    return f / 2
