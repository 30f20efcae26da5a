"""Django's Redis cache, made to fail soft: when Redis is unreachable, reads miss and writes
are dropped (logged, once a minute at most) instead of raising into the request. Everything
HabitStory keeps in the cache can be recomputed (Today's list and its version, unread counts,
job timestamps, rate-limit counters), so a tick still succeeds with Redis down; /healthz
still reports the cache as down (what it stores does not come back).

Rate limits fail open: `add` answers True (allauth's rate-limit lock is a `cache.add`, so a
False would refuse every sign-in) and `incr` answers as if a counter had just started."""

from __future__ import annotations

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)
_last_warning: dict[str, float] = {}  # per operation, so each consequence is logged


def _warn(operation: str, exc: Exception, consequence: str = "carrying on without it") -> None:
    now = time.monotonic()
    if now - _last_warning.get(operation, float("-inf")) > 60:
        _last_warning[operation] = now
        logger.warning("cache: Redis unreachable (%s: %s); %s", operation, exc, consequence)


class ResilientRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except DOWN as exc:
            _warn("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except DOWN as exc:
            _warn("get_many", exc)
            return {}

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except DOWN as exc:
            _warn("set", exc)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except DOWN as exc:
            _warn("set_many", exc)
            return list(data)

    def add(self, key, value, timeout=None, version=None):
        """True when stored, and also when Redis is down: `add` is how allauth takes its
        rate-limit lock, and with nothing to contend on the lock is granted (nothing is
        stored: the next `get` misses)."""
        try:
            return super().add(key, value, timeout, version)
        except DOWN as exc:
            _warn("add", exc, "locks are granted without it, so rate limits are off until it is back")
            return True

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except DOWN as exc:
            _warn("delete", exc)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except DOWN as exc:
            _warn("delete_many", exc)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except DOWN as exc:
            _warn("incr", exc, "counters start afresh, so rate limits are off until it is back")
            return delta  # as if the counter had just started: limits fail open

    def count(self, key, timeout, version=None) -> int:
        """Add one to the counter `key`, made to live `timeout` seconds if it is new, and
        return it: one round trip (SET NX EX and INCR in a MULTI), where Django's add and
        incr take three. With Redis down, 1 (limits fail open)."""
        key = self.make_and_validate_key(key, version=version)
        try:
            pipeline = self._cache.get_client(key, write=True).pipeline()
            pipeline.set(key, 0, ex=timeout, nx=True)
            pipeline.incr(key)
            return pipeline.execute()[1]
        except DOWN as exc:
            _warn("count", exc, "counters start afresh, so rate limits are off until it is back")
            return 1


def count(key: str, timeout: int) -> int:
    """Add one to the default cache's counter `key` (living `timeout` seconds from its first
    count) and return it; atomic. The rate limits' counter (habitstory.api.auth)."""
    backend = caches["default"]
    if isinstance(backend, ResilientRedisCache):
        return backend.count(key, timeout)
    backend.add(key, 0, timeout)
    try:
        return backend.incr(key)
    except ValueError:  # expired between add and incr
        backend.set(key, 1, timeout)
        return 1
