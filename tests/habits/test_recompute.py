"""The set-based recompute (habits.recompute.recompute_stats, used by the day close): the
same statistics as a habit's own refresh, from the compact form the database hands over,
with only the habits that changed written back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given

from habits import models as habit_models
from habits import recompute
from habits.models import Habit, Occurrence
from habits.stats import STATUS_CODES, compute_stats, compute_stats_coded

from .conftest import TODAY
from .test_stats_properties import FAST, scenarios


def _coded(entries) -> tuple[list[int], dict]:
    days = [e.on.toordinal() << 3 | STATUS_CODES[e.status] for e in entries]
    return days, {e.on.toordinal(): e.value for e in entries if e.value is not None}


@FAST
@given(scenarios())
def test_the_coded_form_gives_the_same_statistics(scenario):
    schedule, entries, today, measure = scenario
    days, values = _coded(entries)
    assert compute_stats_coded(schedule, days, values, today, measure) == compute_stats(
        schedule, entries, today, measure
    )


def test_the_coded_form_refuses_what_the_entries_refuse():
    from habits.stats import Schedule

    schedule = Schedule("daily", TODAY - dt.timedelta(days=5))
    day = (TODAY - dt.timedelta(days=1)).toordinal()
    with pytest.raises(ValueError, match="two entries"):
        compute_stats_coded(schedule, [day << 3 | 1, day << 3 | 3], {}, TODAY)
    with pytest.raises(ValueError, match="unknown status"):
        compute_stats_coded(schedule, [day << 3 | 7], {}, TODAY)


def _stats(habit: Habit) -> tuple:
    habit.refresh_from_db()
    return tuple(getattr(habit, name) for name in habit_models.STAT_FIELDS)


@pytest.mark.django_db
def test_it_gives_every_habit_what_its_own_refresh_gives(make_habit, owner, now):
    start = TODAY - dt.timedelta(days=40)
    habits = [
        make_habit("Daily", start_date=start),
        make_habit("Weekdays", start_date=start, schedule="weekdays", weekdays=[0, 2, 4]),
        make_habit("Per week", start_date=start, schedule="per_week", times_per_week=3),
        make_habit("Every 3", start_date=start, schedule="every_n_days", every_n_days=3),
        make_habit("Paused", start_date=start, pauses=[[str(TODAY - dt.timedelta(days=9)), str(TODAY)]]),
        make_habit("Water", start_date=start, kind="at_least", target_value=Decimal("8.5"), unit="glasses"),
        make_habit("Sugar", start_date=start, kind="at_most", target_value=Decimal(2), unit="spoons"),
        make_habit("Later", start_date=TODAY + dt.timedelta(days=3)),
        make_habit("Empty", start_date=start),
    ]
    statuses = ["done", "done", "missed", "skipped", "done", "prompted", "done"]
    for n, habit in enumerate(habits[:-1]):
        Occurrence.objects.bulk_create(
            Occurrence(
                habit=habit, on=TODAY - dt.timedelta(days=day), status=statuses[(day + n) % len(statuses)],
                value=Decimal(day % 11) / 2 if habit.kind != "yes_no" else None,
            )
            for day in range(0, 40, 1 + n % 3)
        )
    expected = {}
    for habit in habits:
        recompute.refresh_stats(habit)
        expected[habit.pk] = _stats(habit)
    Habit.objects.update(current_streak=99, strength=0.5, consistency=None, at_risk=True, last_done_on=None)

    assert recompute.recompute_stats(Habit.objects.all()) == len(habits)

    assert {habit.pk: _stats(habit) for habit in habits} == expected


@pytest.mark.django_db
def test_only_habits_whose_statistics_changed_are_written(make_habit, now):
    habit = make_habit()
    Occurrence.objects.create(habit=habit, on=TODAY - dt.timedelta(days=1), status="done")
    recompute.recompute_stats(Habit.objects.all())

    with CaptureQueriesContext(connection) as queries:
        recompute.recompute_stats(Habit.objects.all())
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]


@pytest.mark.django_db
def test_it_yields_each_habit_before_and_after(make_habit, now):
    habit = make_habit()
    for day in (1, 2):
        Occurrence.objects.create(habit=habit, on=TODAY - dt.timedelta(days=day), status="missed")
    (batch, total), = recompute.recompute_batches(Habit.objects.all())

    assert total == 1 and [row.pk for row in batch] == [habit.pk]
    at_risk = habit_models.STAT_FIELDS.index("at_risk")
    assert batch[0].before[at_risk] is False and batch[0].after[at_risk] is True
    assert batch[0].last_done_on is None and not batch[0].is_per_week
    assert batch[0].done_between(TODAY - dt.timedelta(days=6), TODAY) == []
