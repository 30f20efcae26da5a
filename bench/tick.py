"""Server time of a tick: the htmx POST from Today that runs the whole commit step (stats,
XP, level, pet, goals, achievements), for a realistic user.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/habitstory .venv/bin/python bench/tick.py

Builds the same data as bench/today.py (1,000 users; the measured one has 30 habits with
2 years of history) and gives the measured user 5 goals linked to habits. Each timed
request alternates "done" and "undo" on today's occurrence of one habit, so every request
does real work (an award or a compensation). In-process (Django's test client).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from decimal import Decimal
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--users", type=int, default=1000)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    connection.settings_dict["CONN_MAX_AGE"] = 60  # as in production (tests use 0)
    try:
        with override_settings(DEBUG=False):
            from goals.models import Goal, GoalHabit
            from habits.models import Habit
            from habits.recompute import recompute_stats

            today = dt.date.today()
            heavy = synthetic.build(users=args.users, today=today, echo=lambda *_: None)
            recompute_stats(Habit.objects.filter(user=heavy))
            habits = list(Habit.objects.filter(user=heavy).order_by("pk"))
            for i in range(5):
                goal = Goal.objects.create(
                    user=heavy, name=f"Goal {i}", target_value=Decimal(100_000), start_date=today - dt.timedelta(days=90)
                )
                for habit in habits[i * 3 : i * 3 + 3]:
                    GoalHabit.objects.create(goal=goal, habit=habit, weight=Decimal(1))
            client = Client(headers={"HX-Request": "true"})
            assert client.login(email="heavy@bench.local", password="bench-password-1")
            habit = next(h for h in habits if h.schedule == "daily" and h.kind == "yes_no")
            assert GoalHabit.objects.filter(habit=habit).exists()
            url = f"/habits/{habit.pk}/log/{heavy.profile.local_today().isoformat()}/"
            for action in ("done", "undo"):  # warm up
                assert client.post(url, {"action": action}).status_code == 200

            queries: list[str] = []
            with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
                client.post(url, {"action": "done"})
            client.post(url, {"action": "undo"})
            timings = []
            for n in range(args.requests):
                action = "done" if n % 2 == 0 else "undo"
                started = time.perf_counter()
                response = client.post(url, {"action": action})
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            timings.sort()
            cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
            print(f"database: {connection.vendor}, cache: {cache}; {args.requests} ticks (done/undo alternating)")
            print(f"queries per tick: {len(queries)}")
            print(f"p50 {statistics.median(timings):.2f} ms, p95 {timings[int(len(timings) * 0.95) - 1]:.2f} ms")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
