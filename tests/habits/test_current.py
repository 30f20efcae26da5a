"""habits.current.stats_now serves habits' statistics from their stored folds and the
days after them; they must be exactly recompute.compute on the whole history, whatever the
fold (through yesterday, an earlier day, for another schedule, none), the pauses, the
measure and today's row (hypothesis, on the random schedules and histories of test_stats_properties)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habits import current, fold, recompute, stats
from habits.models import Habit, Occurrence

from .test_stats_properties import BASE, scenarios

ONE = dt.timedelta(days=1)
FOLDS = ("yesterday", "yesterday", "yesterday", "stale", "other_schedule", "none")  # mostly the usual one
TODAY_ROWS = (None, "scheduled", "prompted", "started", "done", "skipped", "missed")


@st.composite
def habit_cases(draw):
    """A habit's schedule, measure and history, the fold stored with it and its row today."""
    schedule, entries, today, measure = draw(scenarios(with_pauses=draw(st.booleans())))
    row = draw(st.sampled_from(TODAY_ROWS))
    value = None
    if measure is not None:
        value = draw(st.one_of(st.none(), st.integers(0, 60).map(lambda v: Decimal(v) / 4)))
    return schedule, measure, entries, today, row, value, draw(st.sampled_from(FOLDS)), draw(st.integers(1, 40))


def _create(owner, schedule: stats.Schedule, measure: stats.Measure | None, name: str) -> Habit:
    pauses = [[a.isoformat(), b and b.isoformat()] for a, b in schedule.pauses]
    return Habit.objects.create(
        user=owner, name=name, schedule=schedule.kind, start_date=schedule.start_date,
        weekdays=sorted(schedule.weekdays), times_per_week=schedule.times_per_week,
        every_n_days=schedule.every_n_days, pauses=pauses,
        status=Habit.Status.PAUSED if pauses and pauses[-1][1] is None else Habit.Status.ACTIVE,
        kind=measure.kind if measure else Habit.Kind.YES_NO, target_value=measure.target if measure else None,
    )


def _store_fold(habit: Habit, today: dt.date, which: str, back: int) -> None:
    """Store a fold with the habit as the day close or a tick would (or none): through
    yesterday, through an earlier day, or through yesterday for a schedule it no longer
    has. Pauses are left out of the fold's schedule: a habit paused behind the services'
    back keeps the fold it had."""
    if which == "none":
        return
    spec = dataclasses.replace(habit.schedule_spec(habit.user.profile.week_start), pauses=())
    measure = habit.measure
    codes, values = {}, {}
    for on, status, value in Occurrence.objects.filter(habit=habit).values_list("on", "status", "value"):
        codes[on.toordinal()] = stats.status_code(status)
        if value is not None:
            values[on.toordinal()] = value
    through = today - ONE if which != "stale" else today - ONE - dt.timedelta(days=back)
    through = max(through, habit.start_date - ONE)  # a fold starts the day before the start
    folded = fold.advance(fold.start(spec), spec, measure, codes, values, through.toordinal())
    if which == "other_schedule":
        spec = dataclasses.replace(spec, start_date=spec.start_date - ONE)
    Habit.objects.filter(pk=habit.pk).update(stats_state=folded.dump(spec, measure), stats_through=through)


def _whole_history(habit: Habit, today: dt.date) -> stats.Stats:
    rows = Occurrence.objects.filter(habit=habit).values_list("on", "status", "value")
    return recompute.compute(habit, today, recompute.entries_of(rows))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(habit_cases(), min_size=1, max_size=3))
def test_stats_now_is_the_whole_history_computation(owner, cases):
    with transaction.atomic():
        today = cases[0][3]
        owner.profile.week_start = cases[0][0].week_start
        for i, (schedule, measure, entries, _, row, value, which, back) in enumerate(cases):
            habit = _create(owner, schedule, measure, f"Habit {i}")
            days = [entry for entry in entries if entry.on != today]
            if row is not None:
                days.append(stats.Entry(today, row, value))
            Occurrence.objects.bulk_create(Occurrence(habit=habit, on=e.on, status=e.status, value=e.value) for e in days)
            habit.user = owner
            _store_fold(habit, today, which, back)
        habits = list(Habit.objects.filter(user=owner).order_by("pk"))  # as the API reads them
        for habit in habits:
            habit.user = owner
        with CaptureQueriesContext(connection) as queries:
            result = current.stats_now(habits, today)
        assert len(queries) == 1
        assert result == {habit.pk: _whole_history(habit, today) for habit in habits}
        transaction.set_rollback(True)


TODAY = BASE + dt.timedelta(days=60)


@pytest.fixture
def folded(owner):
    """A daily habit of 60 days, its fold stored through yesterday (as the day close leaves it)."""
    habit = Habit.objects.create(user=owner, name="Read", start_date=BASE)
    Occurrence.objects.bulk_create(
        Occurrence(habit=habit, on=BASE + n * ONE, status="done" if n % 4 else "missed") for n in range(60)
    )
    habit.user = owner
    recompute.refresh_stats(habit, TODAY)
    habit.refresh_from_db()
    habit.user = owner
    assert habit.stats_through == TODAY - ONE
    return habit


def test_a_folded_habit_reads_only_todays_row(folded):
    expected = _whole_history(folded, TODAY)
    # A past day changed behind the services' back: the fold does not see it.
    Occurrence.objects.filter(habit=folded, on=TODAY - 3 * ONE).update(status="missed")
    with CaptureQueriesContext(connection) as queries:
        assert current.stats_now([folded], TODAY)[folded.pk] == expected
    assert len(queries) == 1
    assert _whole_history(folded, TODAY) != expected  # had it read the history, it would have seen it


def test_todays_row_counts(folded):
    Occurrence.objects.create(habit=folded, on=TODAY, status="done")
    result = current.stats_now([folded], TODAY)[folded.pk]
    assert result == _whole_history(folded, TODAY)
    assert result.last_done_on == TODAY


def test_a_fold_from_before_yesterday_is_carried_over_the_days_after_it(folded):
    """The next day, before the day close has carried the fold on: the fold and the days
    after it; a fold that does not end before the day asked for is not used."""
    tomorrow = TODAY + ONE
    Occurrence.objects.create(habit=folded, on=TODAY, status="done")
    expected = _whole_history(folded, tomorrow)
    Occurrence.objects.filter(habit=folded, on=TODAY - 3 * ONE).update(status="skipped")  # inside the fold
    assert current.stats_now([folded], tomorrow)[folded.pk] == expected != _whole_history(folded, tomorrow)
    assert current.stats_now([folded], TODAY - ONE)[folded.pk] == _whole_history(folded, TODAY - ONE)


def test_no_habits_no_query(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert current.stats_now([], TODAY) == {}
