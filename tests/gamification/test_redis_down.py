"""Redis down: a tick still succeeds and returns; only the push (and caching) is lost."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from habits.models import Habit, Occurrence
from habits.services import save_habit

pytestmark = pytest.mark.django_db(transaction=True)

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "habitstory.core.cache.ResilientRedisCache",
            "LOCATION": DEAD,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [DEAD]}}
    }


def test_a_tick_succeeds_when_redis_is_down(owner, owner_client, redis_down, caplog, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False)
    habit = save_habit(Habit(user=owner, name="Stretch", start_date=dt.date(2026, 11, 20)))
    caplog.set_level(logging.WARNING)
    response = owner_client.post(f"/habits/{habit.pk}/log/2026-11-23/", {"action": "done"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"habit-row is-done" in response.content
    assert Occurrence.objects.get(habit=habit).status == "done"
    assert "the push is lost" in caplog.text
    # The pages still render (without the cache).
    assert owner_client.get("/").status_code == 200
