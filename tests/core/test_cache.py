"""The resilient cache's counter (the API's rate limits count with it): atomic, one per key,
living from its first count, and failing open with Redis down."""

from __future__ import annotations

import logging

import pytest
from django.core.cache import cache

from habitstory.core import cache as resilient_cache

DEAD = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def test_it_counts_from_one(time_machine):
    assert [resilient_cache.count("hits:a", 60) for _ in range(3)] == [1, 2, 3]
    assert resilient_cache.count("hits:b", 60) == 1
    assert cache.get("hits:a") == 3  # readable with the cache's own get


def test_a_counter_lives_from_its_first_count(settings):
    """On Redis: a later count does not push the expiry back (SET NX EX, then INCR)."""
    if not settings.CACHES["default"]["BACKEND"].endswith("ResilientRedisCache"):
        pytest.skip("Redis only (set REDIS_URL)")
    resilient_cache.count("hits:ttl", 60)
    client = cache._cache.get_client(write=True)
    key = cache.make_and_validate_key("hits:ttl")
    client.expire(key, 5)
    resilient_cache.count("hits:ttl", 60)
    assert client.ttl(key) <= 5


def test_it_fails_open_when_redis_is_down(settings, monkeypatch, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "habitstory.core.cache.ResilientRedisCache",
            "LOCATION": DEAD,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    monkeypatch.setattr(resilient_cache, "_last_warning", {})
    caplog.set_level(logging.WARNING, logger="habitstory.core.cache")
    assert [resilient_cache.count("hits:a", 60) for _ in range(3)] == [1, 1, 1]
    assert "rate limits are off" in caplog.text
    assert caplog.text.count("Redis unreachable") == 1  # once a minute, not per call
