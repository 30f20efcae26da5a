from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_it_reports_every_service_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "cache", "channel_layer"}
    assert all(check["ok"] for check in body["checks"].values())
    assert "no-cache" in response["Cache-Control"]


def test_it_answers_head_for_probes(client):
    assert client.head("/healthz").status_code == 200


def test_a_dead_cache_gives_503(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "habitstory.core.cache.ResilientRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["ok"] is False
    assert "Error" in checks["cache"]["error"]
    assert checks["database"]["ok"] is True


def test_a_dead_channel_layer_gives_503(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [DEAD_REDIS]}}
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["channel_layer"]["ok"] is False


def test_a_dead_database_gives_503(client, monkeypatch):
    from habitstory.core import health

    def down():
        raise ConnectionError("database is down")

    monkeypatch.setitem(health.CHECKS, "database", down)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == {
        "ok": False,
        "error": "ConnectionError: database is down",
        "ms": response.json()["checks"]["database"]["ms"],
    }
