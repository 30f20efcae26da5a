from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from goals.models import Goal, GoalHabit
from habits.models import Habit
from habits.services import save_habit

# A Monday, midday in UTC (the users' default time zone).
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def make_habit(owner):
    def make(name="Run", user=None, **fields):
        fields.setdefault("start_date", days_ago(60))
        return save_habit(Habit(user=user or owner, name=name, **fields))

    return make


@pytest.fixture
def make_goal(owner):
    def make(name="Run 100 km", user=None, **fields):
        fields.setdefault("target_value", Decimal(100))
        fields.setdefault("start_date", days_ago(10))
        return Goal.objects.create(user=user or owner, name=name, **fields)

    return make


@pytest.fixture
def link():
    def make(goal, habit, weight=1):
        return GoalHabit.objects.create(goal=goal, habit=habit, weight=Decimal(str(weight)))

    return make
