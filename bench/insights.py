"""Insights: the forecast's latency, cold and cached, and the training time per user, with
an extrapolation to 10,000 users.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ins_reg REDIS_URL=redis://127.0.0.1:6379/2 \
        .venv/bin/python bench/insights.py --users 20 --days 120 --requests 200

A fresh test database beside DATABASE_URL's (made and dropped, like the other benches; the
Redis database of REDIS_URL is flushed, so give it one of its own; without them, SQLite and
the in-process cache). Artifacts go to a temporary MEDIA_ROOT. Then:

- `--users` synthetic users (habitstory.insights.synth_db, opted in to pooled learning),
  `--days` days each through today;
- training: each user's three models timed (`story.learning.train_now`: history, features,
  the eval and serving fits, storage, the decision), and the pooled models once; the
  figure for 10,000 users is the measured mean per user times 10,000 (an extrapolation,
  said so), per process;
- forecasts: `--requests` (user, day) pairs among each user's last 30 days, each asked
  once with nothing cached ("cold": the forecast computed; each user's boosters already
  loaded and used once in this process, as in a server that has run a while) and once more ("cached"); a few more with the booster
  cache emptied too ("cold process"); p50/p95 and the queries of one. The same through
  `GET /api/v1/insights/predictions/{day}` if that route answers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from habitstory.api.api import api  # noqa: E402
from habitstory.api.services import issue_token  # noqa: E402
from habitstory.insights import predictions, registry, synth_db  # noqa: E402
from habitstory.insights.models import ModelVersion  # noqa: E402
from habitstory.story import learning  # noqa: E402

TARGET_USERS = 10_000


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, int(round(len(times) * 0.95)) - 1)]


def line(label: str, times: list[tuple[float, float]], queries: int | str = "") -> None:
    """A table row: wall-clock p50, p95, max and this process's CPU p50, p95 (ms); the CPU
    figures leave out waiting for the database, Redis and the other sessions' load."""
    wall, cpu = [t[0] for t in times], [t[1] for t in times]
    p50, p95 = percentiles(wall)
    c50, c95 = percentiles(cpu)
    print(f"| {label} | {len(wall)} | {queries} | {p50:.2f} | {p95:.2f} | {max(wall):.2f} | {c50:.2f} | {c95:.2f} |")


def make_users(n: int, days: int) -> list:
    started = time.perf_counter()
    made = synth_db.create_users(n, days, 15, prefix="bench", end=timezone.localdate())
    print(f"made {n} users x {days} days in {time.perf_counter() - started:.1f} s")
    return [user for user, _ in made]


def bench_training(users: list) -> None:
    per_user, cpu = [], []
    for user in users:
        started, cpu_started = time.perf_counter(), time.process_time()
        results = learning.train_now(user)
        per_user.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        print(f"  {user.email}: {per_user[-1]:.2f} s; " + "; ".join(str(r) for r in results))
    started = time.perf_counter()
    pooled = learning.pooled_now()
    pooled_seconds = time.perf_counter() - started
    fits = {kind: [v.training_seconds for v in ModelVersion.objects.filter(kind=kind, user__isnull=False)]
            for kind in registry.KINDS}
    mean = statistics.mean(per_user)
    p50, p95 = percentiles(per_user)
    print("\n## Training")
    print(f"per user (3 kinds, history to decision): mean {mean:.2f} s, p50 {p50:.2f} s, p95 {p95:.2f} s; "
          f"CPU mean {statistics.mean(cpu):.2f} s")
    for kind, seconds in fits.items():
        if seconds:
            print(f"  {kind}: fits (eval + serving) mean {statistics.mean(seconds):.2f} s over {len(seconds)}")
    print(f"pooled models ({len(users)} users): {pooled_seconds:.1f} s; {pooled}")
    hours, cpu_hours = mean * TARGET_USERS / 3600, statistics.mean(cpu) * TARGET_USERS / 3600
    print(f"10,000 users, extrapolated from this sample of {len(users)} (not measured): {hours:.1f} h wall "
          f"({cpu_hours:.1f} h of CPU) in one process, about half with 2 workers on 2 free cores; plus the "
          f"pooled models (capped at {learning.pipeline.POOLED_MAX_USERS} users; {len(users)} took "
          f"{pooled_seconds:.0f} s)")


def sample_days(users: list, requests: int, rng: random.Random) -> list[tuple]:
    today = timezone.localdate()
    pairs = {(user, today - dt.timedelta(days=rng.randrange(30))) for user in users for _ in range(30)}
    pairs = sorted(pairs, key=lambda pair: (pair[0].pk, pair[1]))
    rng.shuffle(pairs)
    return pairs[:requests]


def timed(call) -> tuple[tuple[float, float], int]:
    """((wall ms, CPU ms), queries) of one call."""
    with CaptureQueriesContext(connection) as queries:
        started, cpu = time.perf_counter(), time.process_time()
        call()
        elapsed = ((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000)
    return elapsed, len(queries)


def bench_forecasts(users: list, requests: int, rng: random.Random) -> None:
    pairs = sample_days(users, requests, rng)
    for user in users:  # every booster loaded and used once, as in a server that has run a while
        predictions.forecast(user, timezone.localdate() - dt.timedelta(days=40))
    cache.clear()
    cold, cold_queries = [], set()
    for user, day in pairs:
        elapsed, queries = timed(lambda u=user, d=day: predictions.forecast(u, d))
        cold.append(elapsed)
        cold_queries.add(queries)
    cached, cached_queries = [], set()
    for user, day in pairs:
        elapsed, queries = timed(lambda u=user, d=day: predictions.forecast(u, d))
        cached.append(elapsed)
        cached_queries.add(queries)
    fresh = []
    for user, day in pairs[: max(10, requests // 10)]:
        cache.clear()
        registry.forget_boosters()
        fresh.append(timed(lambda u=user, d=day: predictions.forecast(u, d))[0])
    print("\n## Forecasts (predictions.forecast)")
    print("| what | n | queries | p50 ms | p95 ms | max ms | CPU p50 | CPU p95 |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    line("cold: computed (boosters in the process)", cold, "/".join(map(str, sorted(cold_queries))))
    line("cached", cached, "/".join(map(str, sorted(cached_queries))))
    line("cold process: boosters read and checked too", fresh)
    bench_api(pairs)


def bench_api(pairs: list) -> None:
    for throttle in api.throttle:
        throttle.limit = 10**9
    clients = {}
    cold, cached = [], []
    cache.clear()
    for run in (cold, cached):
        for user, day in pairs:
            if user.pk not in clients:
                clients[user.pk] = Client(headers={"Authorization": f"Bearer {issue_token(user, 'bench')[1]}"})
            started, cpu = time.perf_counter(), time.process_time()
            response = clients[user.pk].get(f"/api/v1/insights/predictions/{day.isoformat()}")
            run.append(((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000))
            if response.status_code != 200:
                print(f"GET /api/v1/insights/predictions answered {response.status_code}: not timed")
                return
    line("API GET /insights/predictions/{day}, cold", cold)
    line("API GET /insights/predictions/{day}, cached", cached)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    if settings.REDIS_URL:
        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    print(f"database: {connection.vendor}; cache: {settings.CACHES['default']['BACKEND']}")
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    rng = random.Random(15)
    try:
        with tempfile.TemporaryDirectory() as media:
            settings.MEDIA_ROOT = media
            users = make_users(args.users, args.days)
            bench_training(users)
            bench_forecasts(users, args.requests, rng)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        if settings.REDIS_URL:
            redis.Redis.from_url(settings.REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
