"""Simultaneous ticks on PostgreSQL: real threads, real transactions, real row locks.
(SQLite serialises writers for the whole database, so these run on PostgreSQL only:
CI's second run.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from gamification.models import XPEvent
from habitstory.story.commit import commit
from goals.models import Goal, GoalHabit
from habits.models import Habit, Occurrence
from habits.services import save_habit
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL"),
]

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)


@pytest.fixture
def habit(owner):
    return save_habit(Habit(user=owner, name="Read", start_date=TODAY - dt.timedelta(days=5)))


def ledger(user) -> int:
    return XPEvent.objects.filter(user=user).aggregate(s=Sum("amount"))["s"] or 0


def test_twenty_simultaneous_ticks_award_once(owner, habit):
    errors = run_together([lambda: commit(habit, TODAY, "done", now=NOW)] * 20)
    assert errors == []
    assert Occurrence.objects.filter(habit=habit).count() == 1
    assert Occurrence.objects.get(habit=habit).status == "done"
    assert XPEvent.objects.filter(reason="habit_done").count() == 1
    owner.profile.refresh_from_db()
    assert owner.profile.xp_total == ledger(owner)


def test_twenty_simultaneous_undo_redo_pairs_stay_consistent(owner, habit):
    def pair():
        commit(habit, TODAY, "undo", now=NOW)
        commit(habit, TODAY, "done", now=NOW)

    errors = run_together([pair] * 20)
    assert errors == []
    occurrence = Occurrence.objects.get(habit=habit)
    owner.profile.refresh_from_db()
    assert owner.profile.xp_total == ledger(owner)
    ticks = XPEvent.objects.filter(source__startswith=f"occurrence:{occurrence.pk}:")
    net = ticks.aggregate(s=Sum("amount"))["s"] or 0
    # Awards minus compensations: exactly one standing award if the day ended done.
    assert net == (10 if occurrence.status == "done" else 0)
    assert ticks.filter(reason="habit_done").count() == occurrence.xp_cycle
    habit.refresh_from_db()
    assert habit.total_done == (1 if occurrence.status == "done" else 0)


def test_a_goal_crossed_from_two_habits_at_once_completes_once(owner):
    first = save_habit(Habit(user=owner, name="A", start_date=TODAY - dt.timedelta(days=5)))
    second = save_habit(Habit(user=owner, name="B", start_date=TODAY - dt.timedelta(days=5)))
    goal = Goal.objects.create(user=owner, name="Both", target_value=Decimal(2), start_date=TODAY)
    for habit in (first, second):
        GoalHabit.objects.create(goal=goal, habit=habit, weight=Decimal(1))
    errors = run_together([lambda: commit(first, TODAY, "done", now=NOW), lambda: commit(second, TODAY, "done", now=NOW)])
    assert errors == []
    goal.refresh_from_db()
    assert goal.current_value == 2 and goal.completed_at is not None and goal.completion_cycle == 1
    assert XPEvent.objects.filter(reason="goal_completed").count() == 1
