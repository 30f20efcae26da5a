"""Redis unreachable (the cache and the channel layer point at a dead port): people can
still sign in, tick and use the API; /healthz says the cache is down."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from habits.models import Habit, Occurrence
from habits.services import save_habit
from habitstory.api import services as token_services
from habitstory.core import cache as resilient_cache
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def redis_down(settings, monkeypatch):
    monkeypatch.setattr(resilient_cache, "_last_warning", {})  # each test sees its warnings
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


@pytest.fixture(autouse=True)
def _at_noon(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False)


def test_it_signs_in(owner, redis_down, caplog):
    caplog.set_level(logging.WARNING, logger="habitstory.core.cache")
    client = Client()
    response = client.post(reverse("account_login"), {"login": "owner@example.com", "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    assert response["Location"] == reverse("core:today")
    assert client.session["_auth_user_id"] == str(owner.pk)
    assert "rate limits are off" in caplog.text  # the limiter failed open, and said so


def test_a_wrong_password_is_still_refused(owner, redis_down):
    client = Client()
    response = client.post(reverse("account_login"), {"login": "owner@example.com", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_a_signed_in_user_ticks(owner, owner_client, redis_down):
    habit = save_habit(Habit(user=owner, name="Stretch", start_date=dt.date(2026, 11, 20)))
    response = owner_client.post(f"/habits/{habit.pk}/log/2026-11-23/", {"action": "done"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert Occurrence.objects.get(habit=habit).status == "done"


def test_the_api_answers(owner, redis_down):
    habit = save_habit(Habit(user=owner, name="Stretch", start_date=dt.date(2026, 11, 20)))
    token = token_services.issue_token(owner, "tests")[1]
    headers = {"Authorization": f"Bearer {token}"}
    client = Client()
    assert client.get("/api/v1/habits", headers=headers).status_code == 200
    response = client.put(
        f"/api/v1/habits/{habit.pk}/log/2026-11-23", '{"status": "done"}', content_type="application/json", headers=headers
    )
    assert response.status_code == 200, response.content
    assert Occurrence.objects.get(habit=habit).status == "done"
    wrong = client.get("/api/v1/habits", headers={"Authorization": "Bearer hs_wrong"})
    assert wrong.status_code == 401  # the failed-token limit fails open too


def test_healthz_says_503(client, redis_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["ok"] is False
    assert checks["channel_layer"]["ok"] is False
    assert checks["database"]["ok"] is True


def test_add_fails_open_when_the_cache_is_down(redis_down):
    """allauth's rate-limit lock is `while not cache.add(lock)`: a False would keep
    everyone waiting, then refuse them."""
    assert cache.add("lock", True, timeout=10) is True
    assert cache.get("lock") is None  # nothing was stored
