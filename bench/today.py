"""Server time and query counts for the Today page, the habit page and the log API call,
against a minimal logged-in page with the same middleware and base template.

    .venv/bin/python bench/today.py                 # SQLite (a throwaway test database)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/habitstory .venv/bin/python bench/today.py

Builds 1,000 users around one heavy user (30 habits x 2 years of history) in a throwaway
test database, then times requests in-process (Django's test client: server time, no
network). Options: --requests N, --users N, --days N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

from bench import synthetic  # noqa: E402


def measure(client: Client, method: str, url: str, requests: int, before=None, **kwargs) -> dict:
    """Time `requests` calls; `before` runs ahead of each one, outside the timing."""
    call = getattr(client, method)
    call(url, **kwargs)  # warm up
    if before:
        before()
    queries: list[str] = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        response = call(url, **kwargs)
    assert response.status_code in (200, 204), (url, response.status_code, response.content[:300])
    timings = []
    for _ in range(requests):
        if before:
            before()
        started = time.perf_counter()
        call(url, **kwargs)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "queries": len(queries),
        "p50": statistics.median(timings),
        "p95": timings[max(0, int(len(timings) * 0.95) - 1)],
        "per_second": 1000 / statistics.mean(timings),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--days", type=int, default=730)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    connection.settings_dict["CONN_MAX_AGE"] = 60  # as in production (tests use 0)
    try:
        with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False):
            from habitstory.api.api import api as api_app
            from habits.models import Habit, Occurrence

            for throttle in api_app.throttle:  # the limit still counts; it just never refuses
                throttle.limit = 10**9
            from habits.recompute import recompute_stats
            from habits.today_cache import touch
            from habitstory.api.services import issue_token

            today = dt.date.today()
            started = time.perf_counter()
            heavy = synthetic.build(users=args.users, heavy_days=args.days, today=today, echo=lambda *_: None)
            recompute_stats(Habit.objects.filter(user=heavy))
            cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
            print(
                f"database: {connection.vendor}, cache: {cache_backend}; built {args.users} users, "
                f"{Occurrence.objects.count():,} occurrences in {time.perf_counter() - started:.1f} s"
            )
            client = Client()
            assert client.login(email="heavy@bench.local", password="bench-password-1")
            _, token = issue_token(heavy, "bench")
            habit = Habit.objects.filter(user=heavy, schedule="daily").first()
            api = Client(headers={"Authorization": f"Bearer {token}"})
            day = heavy.profile.local_today().isoformat()
            rows = {
                "minimal page": measure(client, "get", "/bench/minimal/", args.requests),
                "Today": measure(client, "get", "/", args.requests),
                # As after a tick: the cached habit list is rebuilt from the database.
                "Today, rebuilt": measure(client, "get", "/", args.requests, before=lambda: touch(heavy.pk)),
                "habit page": measure(client, "get", f"/habits/{habit.pk}/", args.requests),
                # As after a change to any of the user's habits or days: the History is rebuilt.
                "habit, rebuilt": measure(
                    client, "get", f"/habits/{habit.pk}/", args.requests // 3, before=lambda: touch(heavy.pk)
                ),
                "log API (PUT)": measure(
                    api, "put", f"/api/v1/habits/{habit.pk}/log/{day}", args.requests,
                    data={"status": "done"}, content_type="application/json",
                ),
            }
            print(f"{'view':<18}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}{'req/s':>9}")
            for name, row in rows.items():
                print(f"{name:<18}{row['queries']:>8}{row['p50']:>9.2f}{row['p95']:>9.2f}{row['per_second']:>9.0f}")
            ratio = rows["Today"]["per_second"] / rows["minimal page"]["per_second"]
            print(f"Today throughput / minimal page throughput: {ratio:.2f}")
            rebuilt = rows["Today, rebuilt"]["per_second"] / rows["minimal page"]["per_second"]
            print(f"Today (list rebuilt every time) / minimal page: {rebuilt:.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
