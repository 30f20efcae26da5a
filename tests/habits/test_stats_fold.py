"""habits/fold.py carries the statistics forward a day at a time from a saved state; the
result must be exactly habits.stats.compute_stats on the whole history, whatever the day
the state was saved on (hypothesis, on the same random schedules and histories as
test_stats_properties, without pauses: habits with pauses are not folded)."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habits import fold
from habits.stats import (
    DONE,
    STATUS_CODES,
    Measure,
    Schedule,
    compute_stats,
)

from .test_stats_properties import BASE, scenarios, two_random_years

FAST = settings(max_examples=300, deadline=None)


def _coded(entries):
    codes = {e.on.toordinal(): STATUS_CODES[e.status] for e in entries}
    values = {e.on.toordinal(): e.value for e in entries if e.value is not None}
    return codes, values


@FAST
@given(scenarios(with_pauses=False))
def test_folding_from_the_start_gives_compute_stats(scenario):
    schedule, entries, today, measure = scenario
    codes, values = _coded(entries)
    result, state = fold.compute(schedule, measure, codes, values, today)
    assert result == compute_stats(schedule, entries, today, measure)
    assert state.a == max(today.toordinal() - 1, schedule.start_date.toordinal() - 1)


@FAST
@given(scenarios(with_pauses=False), st.integers(0, 120))
def test_resuming_a_saved_state_gives_compute_stats(scenario, back):
    """Fold through some earlier day, store and load the state, then fold only the days
    after it: the statistics are those of the whole history."""
    schedule, entries, today, measure = scenario
    codes, values = _coded(entries)
    first = schedule.start_date.toordinal() - 1
    saved_on = max(first, today.toordinal() - 1 - back)
    state = fold.advance(fold.start(schedule), schedule, measure, codes, values, saved_on)
    # As the database gives it back: jsonb, with its own spacing.
    stored = json.loads(json.dumps(json.loads(state.dump(schedule, measure)), indent=1))
    loaded = fold.Fold.load(stored, schedule, measure)
    later = {d: c for d, c in codes.items() if d > saved_on}
    later_values = {d: v for d, v in values.items() if d > saved_on}
    result, _ = fold.compute(schedule, measure, later, later_values, today, loaded)
    assert result == compute_stats(schedule, entries, today, measure)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32))
def test_two_years_a_day_at_a_time(seed):
    """Saved and loaded every day for two years, as the day close does: never a drift."""
    rnd = random.Random(seed)
    schedule, measure, entries = two_random_years(rnd, ("at_least", "at_most"))
    codes, values = _coded(entries)
    state = None
    for day in range(0, 730, rnd.choice([1, 1, 3])):
        today = BASE + dt.timedelta(days=day)
        result, new = fold.compute(schedule, measure, codes, values, today, state)
        if day % 61 == 0 or day > 700:
            assert result == compute_stats(schedule, [e for e in entries if e.on <= today], today, measure)
        state = fold.Fold.load(new.dump(schedule, measure), schedule, measure)


def test_a_state_for_another_schedule_or_version_is_not_loaded():
    schedule = Schedule("daily", BASE)
    state = fold.start(schedule).dump(schedule, None)
    assert fold.Fold.load(state, schedule, None) is not None
    assert fold.Fold.load(state, Schedule("daily", BASE + dt.timedelta(days=1)), None) is None
    assert fold.Fold.load(state, schedule, Measure("at_least", Decimal(8))) is None
    assert fold.Fold.load(state, Schedule("every_n_days", BASE, every_n_days=2), None) is None
    assert fold.Fold.load(state, Schedule("daily", BASE, week_start=6), None) is None
    assert fold.Fold.load(state.replace("[1,", "[2,", 1), schedule, None) is None
    assert fold.Fold.load("[]", schedule, None) is None


def test_finishing_needs_the_fold_through_yesterday():
    schedule = Schedule("daily", BASE)
    state = fold.advance(fold.start(schedule), schedule, None, {}, {}, BASE.toordinal() + 3)
    with pytest.raises(ValueError, match="not the day before"):
        fold.finish(state, schedule, None, BASE.toordinal() + 3, 1, None)
    with pytest.raises(ValueError, match="unknown status code"):
        fold.advance(fold.start(schedule), schedule, None, {BASE.toordinal(): 7}, {}, BASE.toordinal() + 1)


def test_pauses_are_not_folded():
    assert fold.foldable(Schedule("daily", BASE))
    assert not fold.foldable(Schedule("daily", BASE, pauses=((BASE, None),)))


@FAST
@given(scenarios(kinds=("daily", "weekdays", "every_n_days"), with_pauses=False))
def test_the_week_read_off_the_fold_is_the_pets_rule(scenario):
    """The day close reads a habit's last 7 days off its fold (Recomputed.week_counts):
    the same (expected, done) as habits.today_list.habit_week on the dates."""
    from habits.today_list import habit_week
    from habits.recompute import Recomputed

    schedule, entries, today, measure = scenario
    codes, values = _coded(entries)
    _, state = fold.compute(schedule, measure, codes, values, today)
    days = [e.on.toordinal() << 3 | STATUS_CODES[e.status] for e in entries]
    habit = Recomputed(1, 1, "Habit", "active", schedule, days, (), (), state)
    week = {today - dt.timedelta(days=n) for n in range(7)}
    done = {e.on for e in entries if e.status == DONE and e.on in week}
    if today.toordinal() - 1 < schedule.start_date.toordinal() - 1:
        assert habit.week_counts(today) is None  # not folded through yesterday
        return
    assert habit.week_counts(today) == habit_week(habit, today, done)
    # Days before the start are not in the fold (no rule counts them).
    assert habit.done_between(today - dt.timedelta(days=6), today) == sorted(
        d for d in done if d >= schedule.start_date
    )
