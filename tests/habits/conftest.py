from __future__ import annotations

import datetime as dt

import pytest

from habits.models import Habit, Pillar

# A Monday, midday in London.
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def make_habit(owner):
    def make(name="Read", user=None, **fields):
        fields.setdefault("start_date", TODAY - dt.timedelta(days=30))
        return Habit.objects.create(user=user or owner, name=name, **fields)

    return make


@pytest.fixture
def pillar(owner):
    return Pillar.objects.create(user=owner, name="Health", icon="heart")
