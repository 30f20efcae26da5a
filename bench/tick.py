"""Server time of a tick: the htmx POST from Today that runs the whole commit step (stats,
XP, level, pet, goals, achievements), for a realistic user.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/habitstory .venv/bin/python bench/tick.py

Builds the same data as bench/today.py (1,000 users; the measured one has 30 habits with
2 years of history), gives the measured user the XP that history earned and 5 goals linked
to habits. Each timed
request alternates "done" and "undo" on today's occurrence of one habit, so every request
does real work (an award or a compensation). In-process (Django's test client).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
# As in production, a task a tick queues (a notification's push and e-mail) goes to the
# broker for a worker, not run inside the request as the tests run them.
os.environ["CELERY_TASK_ALWAYS_EAGER"] = "0"

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
    parser.add_argument("--profile", action="store_true", help="print where the ticks' time goes (cProfile)")
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
            _earn_history_xp(heavy, habits)
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
            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()
            for n in range(args.requests):
                action = "done" if n % 2 == 0 else "undo"
                started = time.perf_counter()
                response = client.post(url, {"action": action})
                timings.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            timings.sort()
            cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
            print(f"database: {connection.vendor}, cache: {cache}; {args.requests} ticks (done/undo alternating)")
            print(f"queries per tick: {len(queries)}")
            if os.environ.get("BENCH_SHOW_QUERIES"):  # BENCH_SHOW_QUERIES=1: each query's start
                print("\n".join(q[:140] for q in queries))
            print(f"p50 {statistics.median(timings):.2f} ms, p95 {timings[int(len(timings) * 0.95) - 1]:.2f} ms")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _earn_history_xp(user, habits) -> None:
    """The XP two years of ticks earned (as the demo seed does): a user with that history
    is at a high level, not at level 1 where every tick would cross a level (and tell its
    news). The first measured ticks still unlock the tick achievements once."""
    from gamification import services as gamification
    from gamification.rules import tick_xp
    from habits.models import Occurrence

    difficulty = {habit.pk: habit.difficulty for habit in habits}
    done = Occurrence.objects.filter(habit__in=habits, status=Occurrence.Status.DONE).values_list("pk", "habit_id", "on")
    gamification.award_history(user, [
        (tick_xp(difficulty[habit_id], 1), "habit_done", f"occurrence:{pk}:history", on) for pk, habit_id, on in done
    ])


if __name__ == "__main__":
    main()
