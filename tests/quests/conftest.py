from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection

from habits.models import Habit
from habits.services import save_habit
from quests import services

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


def run_together(calls) -> list[BaseException]:
    """Start every call at once (a barrier), each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def worker(call):
        try:
            barrier.wait()
            call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL")
