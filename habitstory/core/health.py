"""What /healthz checks: the database, the cache and the channel layer; and when each
scheduled job last finished (reported, never a failure: a job that never ran is null)."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from .schedules import JOBS

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.0


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise RuntimeError("SELECT 1 did not answer 1")


def check_cache() -> None:
    key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the cache did not return what was stored")
    finally:
        cache.delete(key)


def check_channel_layer() -> None:
    layer = get_channel_layer()
    if layer is None:
        raise RuntimeError("no channel layer configured")

    async def roundtrip() -> None:
        channel = await layer.new_channel("healthz.")
        await layer.send(channel, {"type": "healthz"})
        message = await asyncio.wait_for(layer.receive(channel), TIMEOUT_SECONDS)
        if message.get("type") != "healthz":
            raise RuntimeError("the channel layer returned another message")

    async_to_sync(roundtrip)()


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "channel_layer": check_channel_layer,
}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # a health check reports every failure, whatever it is
            logger.warning("healthz: %s is down: %s", name, exc)
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results


# --- Scheduled jobs' last success ---------------------------------------------------------------


def last_success_key(task: str) -> str:
    """Where a job records its last successful run, e.g. "job:last_success:habits.close_days"."""
    return f"job:last_success:{task}"


def record_success(task: str, now: dt.datetime | None = None) -> None:
    """Called by a task when its run finished; kept until overwritten."""
    cache.set(last_success_key(task), (now or timezone.now()).isoformat(), None)


def job_runs() -> dict[str, dict]:
    """Each beat job (core.schedules.JOBS) by task name: its name and the ISO time of its
    last success, or null if it never ran (one cache read). A cache that cannot be read is
    reported here and already fails the cache check."""
    keys = {job.task: last_success_key(job.task) for job in JOBS}
    try:
        found = cache.get_many(list(keys.values()))
        error = None
    except Exception as exc:  # reported, like the checks
        found, error = {}, f"{type(exc).__name__}: {exc}"[:300]
    runs = {}
    for job in JOBS:
        runs[job.task] = {"name": job.name, "last_success": found.get(keys[job.task])}
        if error:
            runs[job.task]["error"] = error
    return runs
