from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from habits.models import Habit
from habits.services import save_habit
from quests import services
from tests.concurrency import run_together  # noqa: F401 - the quests tests import it from here

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
def make_quest(owner):
    def make(title="Write draft", user=None, **fields):
        fields.setdefault("today", TODAY)
        return services.create_quest(user or owner, title=title, **fields)

    return make


@pytest.fixture
def make_habit(owner):
    def make(name="Run", user=None, **fields):
        fields.setdefault("start_date", days_ago(60))
        return save_habit(Habit(user=user or owner, name=name, **fields))

    return make


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL")
