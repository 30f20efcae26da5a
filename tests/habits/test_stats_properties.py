"""Properties of habits/stats.py on random schedules and histories (hypothesis).

Besides general invariants, every statistic is compared with a deliberately naive
reference written straight from docs/rules.md and the readings in docs/statistics.md: it
works on dates, counts streaks *backwards* from each day, sums every strength window in
full and rounds with Fractions - a different route to the same numbers, so an off-by-one
in the fast, index-based, sliding-window implementation shows up as a mismatch.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habits.stats import (
    DONE,
    KINDS,
    MISSED,
    OPEN_STATUSES,
    SKIPPED,
    STATUSES,
    Entry,
    Measure,
    Schedule,
    compute_stats,
    consistency_on,
    consistency_trend,
    strength_series,
)

BASE = dt.date(2027, 12, 20)  # histories run across 2028-02-29
ONE = dt.timedelta(days=1)
FAST = settings(max_examples=200, deadline=None)
OPEN_CYCLE = ("scheduled", "prompted", "started")


# --------------------------------------------------------------------------- strategies


@st.composite
def scenarios(draw, kinds=KINDS, measurable=None, with_pauses=True, measure_kinds=("at_least", "at_most")):
    kind = draw(st.sampled_from(kinds))
    start = BASE + dt.timedelta(days=draw(st.integers(0, 90)))
    kw: dict = {"week_start": draw(st.integers(0, 6))}
    if kind == "weekdays":
        kw["weekdays"] = tuple(draw(st.sets(st.integers(0, 6), max_size=7)))
    elif kind == "per_week":
        kw["times_per_week"] = draw(st.integers(1, 7))
    elif kind == "every_n_days":
        kw["every_n_days"] = draw(st.integers(1, 9))
    if with_pauses:
        pauses = []
        for _ in range(draw(st.integers(0, 2))):
            a = start + dt.timedelta(days=draw(st.integers(-5, 90)))
            length = draw(st.one_of(st.none(), st.integers(-1, 20)))
            pauses.append((a, None if length is None else a + dt.timedelta(days=length)))
        kw["pauses"] = tuple(pauses)
    schedule = Schedule(kind, start, **kw)
    today = start + dt.timedelta(days=draw(st.integers(-3, 100)))
    if measurable is None:
        measurable = draw(st.booleans())
    measure = None
    if measurable:
        measure = Measure(
            draw(st.sampled_from(measure_kinds)),
            Decimal(draw(st.integers(0, 40))) / 4,
        )
    # Dense histories with a drawn mix of statuses: from nearly all done to nearly all
    # skipped, so windows, partial weeks and rounding boundaries all get exercised.
    weights = draw(st.lists(st.integers(0, 4), min_size=5, max_size=5))
    mix = [DONE, SKIPPED, MISSED, "open", None]
    pool = [k for k, w in zip(mix, weights, strict=True) for _ in range(w)]
    first = draw(st.integers(-5, 5))
    length = draw(st.integers(0, 110))
    statuses = draw(st.lists(st.sampled_from(pool or [None]), min_size=length, max_size=length))
    values = [None] * length
    if measure:
        values = draw(st.lists(
            st.one_of(st.none(), st.integers(0, 120).map(lambda v: Decimal(v) / 4)),
            min_size=length, max_size=length,
        ))
    entries = [
        Entry(start + dt.timedelta(days=first + i),
              OPEN_CYCLE[i % 3] if status == "open" else status, value)
        for i, (status, value) in enumerate(zip(statuses, values, strict=True))
        if status is not None
    ]
    draw(st.randoms(use_true_random=False)).shuffle(entries)
    return schedule, entries, today, measure


# --------------------------------------------------------------------------- reference


def _days(first, last):
    d = first
    while d <= last:
        yield d
        d += ONE


class Ref:
    """docs/rules.md read literally, on dates, slowly."""

    def __init__(self, schedule, entries, today, measure):
        self.s, self.today, self.measure = schedule, today, measure
        self.start = schedule.start_date
        self.kept = {
            e.on: e for e in entries
            if self.start <= e.on <= today and not schedule.is_paused(e.on)
        }

    def status(self, d):
        e = self.kept.get(d)
        status = e.status if e else None
        # "At most" habits, as Loop: a past expected day left open (no entry is 0) that
        # ended at or under the limit is done.
        if (self.measure is not None and self.measure.kind == "at_most" and d < self.today
                and self.s.is_expected(d) and (status is None or status in OPEN_STATUSES)
                and (e is None or e.value is None or e.value <= self.measure.target)):
            return DONE
        return status

    def is_open(self, d):
        return self.status(d) is None or self.status(d) in OPEN_STATUSES

    # -- streaks, day schedules: count back from `end` over expected days

    def count_back(self, end):
        count = 0
        for d in _days_back(end, self.start):
            if not self.s.is_expected(d):
                continue
            st_ = self.status(d)
            if st_ == DONE:
                count += 1
            elif st_ == SKIPPED or (d == self.today and self.is_open(d)):
                continue
            else:
                break
        return count

    # -- streaks, per week

    def week_info(self, ws):
        eligible = done = 0
        for d in _days(ws, ws + 6 * ONE):
            if d < self.start or self.s.is_paused(d):
                continue
            if d <= self.today and self.status(d) == SKIPPED:
                continue
            eligible += 1
            if d <= self.today and self.status(d) == DONE:
                done += 1
        return eligible, done

    def week_outcome(self, ws):
        eligible, done = self.week_info(ws)
        if eligible == 0:
            return 0
        if done >= min(self.s.times_per_week, eligible):
            return 1
        return 0 if ws == self.s.week_of(self.today) else -1

    def week_starts(self):
        ws = self.s.week_of(self.start)
        out = []
        while ws <= self.today:
            out.append(ws)
            ws += 7 * ONE
        return out

    def weeks_back(self, upto_index):
        weeks = self.week_starts()[: upto_index + 1]
        count = 0
        for ws in reversed(weeks):
            outcome = self.week_outcome(ws)
            if outcome < 0:
                break
            count += outcome
        return count

    def current_streak(self):
        if self.today < self.start:
            return 0
        if self.s.kind == "per_week":
            return self.weeks_back(len(self.week_starts()) - 1)
        return self.count_back(self.today)

    def streaks(self):
        """(current, longest); longest = the best count back from any day (or week)."""
        if self.today < self.start:
            return 0, 0
        if self.s.kind == "per_week":
            longest = max(self.weeks_back(i) for i in range(len(self.week_starts())))
        else:
            longest = max(self.count_back(d) for d in _days(self.start, self.today))
        return self.current_streak(), longest

    def smaller_target(self):
        recent = self.today - 6 * ONE
        if self.s.kind == "per_week":
            weeks = self.week_starts()
            for i, ws in enumerate(weeks):
                if (self.week_outcome(ws) < 0 and ws + 7 * ONE >= recent
                        and i and self.weeks_back(i - 1) >= 7):
                    return True
            return False
        for d in _days(max(self.start, recent), self.today):
            if not self.s.is_expected(d):
                continue
            st_ = self.status(d)
            broken = st_ == MISSED or (d < self.today and self.is_open(d))
            if broken and d > self.start and self.count_back(d - ONE) >= 7:
                return True
        return False

    # -- consistency

    def consistency(self):
        if self.today < self.start:
            return None
        expected = done = 0
        for d in _days(max(self.start, self.today - 29 * ONE), self.today):
            if not self.s.is_expected(d) or self.status(d) == SKIPPED:
                continue
            if d == self.today and self.status(d) != DONE:
                continue
            expected += 1
            done += self.status(d) == DONE
        if expected == 0:
            return None
        if self.s.kind == "per_week":
            x = Fraction(100 * done) / (self.s.times_per_week * Fraction(expected, 7))
        else:
            x = Fraction(100 * done, expected)
        return min(100, math.floor(x + Fraction(1, 2)))

    # -- strength

    def credit(self, d):
        if self.status(d) != DONE:
            return Fraction(0)
        if self.measure is None:
            return Fraction(1)
        e = self.kept.get(d)  # none: an "at most" day with no entry (0)
        return self.measure.credit(e.value if e else None)

    def strength_series(self):
        if self.today < self.start:
            return []
        num, den = self.s.window
        m = 0.5 ** (math.sqrt(num / den) / 13)
        last = self.today if self.status(self.today) in (DONE, SKIPPED) else self.today - ONE
        s, out = 0.0, []
        for d in _days(self.start, last):
            if not (self.s.is_paused(d) or self.status(d) == SKIPPED):
                if (num, den) == (1, 1):
                    c = self.credit(d)
                elif num == 0:
                    c = Fraction(0)
                else:
                    lo = max(self.start, d - (2 * den - 1) * ONE)
                    total = sum((self.credit(x) for x in _days(lo, d)), Fraction(0))
                    c = min(Fraction(1), total / (2 * num))
                s = s * m + float(c) * (1 - m)
            out.append((d, s))
        return out

    # -- misses, failure

    def consecutive_misses(self):
        if self.today < self.start:
            return 0
        if self.s.kind == "per_week":
            count = 0
            for ws in reversed(self.week_starts()[:-1]):
                outcome = self.week_outcome(ws)
                if outcome > 0:
                    break
                count += outcome < 0
            return count
        count = 0
        for d in _days_back(self.today - ONE, self.start):
            if not self.s.is_expected(d) or self.status(d) == SKIPPED:
                continue
            if self.status(d) == DONE:
                break
            count += 1
        return count

    def failure_rate(self):
        days = [d for d in _days_back(self.today - ONE, self.start) if self.s.is_expected(d)]
        days = days[:30]
        rated = [d for d in days if self.status(d) != SKIPPED]
        done = sum(self.status(d) == DONE for d in rated)
        if not rated:
            return None
        if self.s.kind == "per_week":
            missed = max(Fraction(0), Fraction(self.s.times_per_week * len(rated), 7) - done)
        else:
            missed = Fraction(len(rated) - done)
        return missed / (done + missed)

    def totals(self):
        days = list(_days(self.start, self.today))
        done = [d for d in days if self.status(d) == DONE]
        skipped = [d for d in days if self.status(d) == SKIPPED]
        return len(done), len(skipped), max(done, default=None)


def _days_back(last, first):
    d = last
    while d >= first:
        yield d
        d -= ONE


# --------------------------------------------------------------------------- properties


@FAST
@given(scenarios())
def test_matches_naive_reference(scenario):
    check_against_reference(scenario)


@FAST
@given(scenarios(measurable=True, measure_kinds=("at_most",)))
def test_at_most_habits_match_the_naive_reference(scenario):
    """Loop's rule for "at most" habits (a past open day within the limit is done) read
    literally by Ref.status, on every rule."""
    check_against_reference(scenario)


def check_against_reference(scenario):
    schedule, entries, today, measure = scenario
    stats = compute_stats(schedule, entries, today, measure)
    ref = Ref(schedule, entries, today, measure)

    assert (stats.current_streak, stats.longest_streak) == ref.streaks()
    assert stats.consistency == ref.consistency()
    series = ref.strength_series()
    assert strength_series(schedule, entries, today, measure) == series
    assert stats.strength == (series[-1][1] if series else 0.0)
    assert stats.consecutive_misses == ref.consecutive_misses()
    assert stats.at_risk == (ref.consecutive_misses() >= 2)
    failure = ref.failure_rate() if today >= schedule.start_date else None
    assert stats.failure_rate == (None if failure is None else float(failure))
    assert (stats.total_done, stats.total_skipped, stats.last_done_on) == ref.totals()

    codes = [code for code, _ in stats.suggestions]
    assert ("lower_frequency" in codes) == (failure is not None and failure > Fraction(1, 2))
    assert ("easier_difficulty" in codes) == (
        stats.consistency is not None and stats.consistency < 30
    )
    if today >= schedule.start_date:
        assert ("smaller_target" in codes) == ref.smaller_target()


@FAST
@given(scenarios())
def test_invariants(scenario):
    schedule, entries, today, measure = scenario
    stats = compute_stats(schedule, entries, today, measure)
    assert stats.consistency is None or 0 <= stats.consistency <= 100
    assert 0 <= stats.current_streak <= stats.longest_streak
    # every counted day - or week - holds at least one done
    assert stats.longest_streak <= stats.total_done
    assert 0.0 <= stats.strength <= 1.0
    if stats.total_done == 0:
        assert stats.strength == 0.0
    assert stats.failure_rate is None or 0.0 <= stats.failure_rate <= 1.0
    assert stats.at_risk == (stats.consecutive_misses >= 2)
    if stats.suggested_frequency is not None:
        assert stats.failure_rate > 0.5
        assert 0 < stats.suggested_frequency < schedule.frequency
    else:
        assert stats.failure_rate is None or stats.failure_rate <= 0.5
    assert len({code for code, _ in stats.suggestions}) == len(stats.suggestions)
    assert consistency_on(schedule, entries, today, measure) == stats.consistency
    trend = consistency_trend(schedule, entries, today, days=5, measure=measure)
    assert trend[-1] == (today, stats.consistency)
    for day, value in trend:
        assert value == consistency_on(schedule, entries, day, measure)
    series = strength_series(schedule, entries, today, measure)
    assert (series[-1][1] if series else 0.0) == stats.strength
    if today >= schedule.start_date:
        folds_today = any(e.on == today and e.status in (DONE, SKIPPED)
                          and not schedule.is_paused(today) for e in entries)
        assert len(series) == (today - schedule.start_date).days + folds_today


@FAST
@given(scenarios(), st.randoms(use_true_random=False), st.lists(st.sampled_from(sorted(STATUSES))))
def test_order_and_future_entries_do_not_matter(scenario, rnd, future):
    schedule, entries, today, measure = scenario
    stats = compute_stats(schedule, entries, today, measure)
    kept = [e for e in entries if e.on <= today]
    shuffled = kept[:]
    rnd.shuffle(shuffled)
    later = [Entry(today + dt.timedelta(days=i + 1), s) for i, s in enumerate(future)]
    assert compute_stats(schedule, shuffled + later, today, measure) == stats
    assert compute_stats(schedule, iter(later + shuffled), today, measure) == stats
    assert consistency_on(schedule, later + shuffled, today, measure) == stats.consistency
    assert strength_series(schedule, later + shuffled, today, measure) == strength_series(
        schedule, entries, today, measure)


@FAST
@given(st.integers(1, 400), st.booleans())
def test_all_done_daily(days, today_done):
    start = BASE
    today = start + dt.timedelta(days=days - 1)
    entries = [Entry(start + dt.timedelta(days=i), DONE) for i in range(days - 1)]
    if today_done:
        entries.append(Entry(today, DONE))
    stats = compute_stats(Schedule("daily", start), entries, today)
    counted = days if today_done else days - 1
    assert stats.current_streak == stats.longest_streak == counted
    assert stats.consistency == (100 if counted else None)
    assert stats.failure_rate == (0.0 if days > 1 else None)
    assert stats.strength == pytest.approx(1 - 0.5 ** (counted / 13), rel=1e-12)
    assert stats.suggestions == []


@FAST
@given(scenarios(kinds=("per_week",), with_pauses=False), st.data())
def test_per_week_full_weeks_need_n_each(scenario, data):
    """Weeks aligned to the start, no pauses or skips: each counted week holds N done."""
    schedule, entries, today, measure = scenario
    start = schedule.week_of(schedule.start_date)
    schedule = Schedule("per_week", start, times_per_week=schedule.times_per_week,
                        week_start=schedule.week_start)
    entries = [e for e in entries if e.status != SKIPPED]
    stats = compute_stats(schedule, entries, today, measure)
    assert stats.longest_streak * schedule.times_per_week <= stats.total_done


def two_random_years(rnd: random.Random, measure_kinds=("at_most",)) -> tuple[Schedule, Measure | None, list[Entry]]:
    """A random schedule from BASE and two years of dense random history (~90 % of days)."""
    kind = rnd.choice(KINDS)
    kw = {"week_start": rnd.randint(0, 6)}
    if kind == "weekdays":
        kw["weekdays"] = tuple(rnd.sample(range(7), rnd.randint(1, 7)))
    elif kind == "per_week":
        kw["times_per_week"] = rnd.randint(1, 7)
    elif kind == "every_n_days":
        kw["every_n_days"] = rnd.randint(1, 14)
    measure = Measure(rnd.choice(measure_kinds), Decimal("7.5")) if rnd.random() < 0.5 else None
    entries = [
        Entry(BASE + dt.timedelta(days=i), rnd.choice([DONE, DONE, DONE, SKIPPED, MISSED]),
              Decimal(rnd.randint(0, 60)) / 4)
        for i in range(730) if rnd.random() < 0.9
    ]
    return Schedule(kind, BASE, **kw), measure, entries


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 2**32))
def test_long_random_history_matches_reference(seed):
    """Two years of history: the sliding window and week grouping hold up at length."""
    schedule, measure, entries = two_random_years(random.Random(seed))
    today = BASE + dt.timedelta(days=729)
    stats = compute_stats(schedule, entries, today, measure)
    ref = Ref(schedule, entries, today, measure)
    series = ref.strength_series()
    assert stats.strength == series[-1][1]
    assert stats.consistency == ref.consistency()
    assert stats.current_streak == ref.current_streak()
    assert stats.failure_rate == float(ref.failure_rate())
    assert stats.consecutive_misses == ref.consecutive_misses()
