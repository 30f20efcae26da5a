"""Server time and query counts for the quest board, the quest search (full page and the
htmx fragment) and the navigation's search, for a user with 2,000 quests.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_search_bench .venv/bin/python bench/quests.py
    .venv/bin/python bench/quests.py            # SQLite (the fallback search)

Builds, in a throwaway test database, one measured user with 2,000 quests (3 objectives
each, categories, a chain of dependencies among the open ones, a few attachment rows) and
`--users` other users with 50 quests each, then times requests in-process (Django's test
client: server time, no network), with this process's CPU time per request beside the
wall-clock figures. The board, far slower, is timed a tenth as often. Options:
--requests N, --quests N, --users N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402


VERBS = ["Run", "Write", "Plan", "Fix", "Clean", "Paint", "Read", "Call", "Book", "Finish", "Learn", "Build"]
NOUNS = ["report", "garden", "fence", "taxes", "bike", "novel", "kitchen", "project", "course", "trip",
         "budget", "website", "shelf", "presentation", "marathon", "piano"]
STEPS = ["Draft the outline", "Buy the supplies", "Ask for feedback", "Book a slot", "Review the notes",
         "Send it off", "Practise twice", "Tidy up afterwards"]
STATUSES = ["done"] * 12 + ["open"] * 5 + ["active"] * 2 + ["abandoned"]


def _quests_for(user, categories, count: int, today: dt.date, rng: random.Random):
    from quests.models import Quest

    quests = []
    for i in range(count):
        verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
        status = rng.choice(STATUSES)
        due = today + dt.timedelta(days=rng.randint(-60, 90)) if rng.random() < 0.6 else None
        steps = rng.sample(STEPS, 3)
        quests.append(Quest(
            user=user, title=f"{verb} the {noun} #{i}",
            description=f"{verb} the {noun} before the season ends. Keep notes about {rng.choice(NOUNS)}.",
            category=rng.choice(categories), priority=rng.randint(1, 4), due_date=due,
            effort_minutes=rng.choice([None, 15, 30, 60, 120]), xp_reward=rng.randint(5, 200), status=status,
            position=i, objectives_text="\n".join(steps),
            completed_on=today - dt.timedelta(days=rng.randint(0, 400)) if status == "done" else None,
            activated_on=today - dt.timedelta(days=rng.randint(0, 30)) if status == "active" else None,
        ))
    return quests


def build(*, quests: int, users: int, today: dt.date, password: str = "bench-password-1"):
    """The measured user (returned) and the others, with bulk inserts."""
    from habitstory.accounts.models import Profile, User
    from quests.models import Attachment, Category, Dependency, Objective, Quest

    rng = random.Random(2026)
    with transaction.atomic():
        heavy = User.objects.create_user("quests@bench.local", password)
        Profile.objects.filter(user=heavy).update(timezone="Europe/London")
        categories = Category.objects.bulk_create(
            Category(user=heavy, name=name, position=i) for i, name in enumerate(["Work", "Home", "Health", "Learning"])
        )
        made = Quest.objects.bulk_create(_quests_for(heavy, categories, quests, today, rng), batch_size=1000)
        Objective.objects.bulk_create(
            (Objective(quest=q, position=n, text=text, done=q.status == "done" or rng.random() < 0.3)
             for q in made for n, text in enumerate(q.objectives_text.split("\n"))),
            batch_size=2000,
        )
        waiting = [q for q in made if q.status in ("open", "active")]
        Dependency.objects.bulk_create(
            Dependency(quest=later, depends_on=earlier) for earlier, later in zip(waiting[:150], waiting[1:151])
        )
        Attachment.objects.bulk_create(
            Attachment(quest=q, user=heavy, file=f"quests/{heavy.pk}/bench{q.pk}", name="notes.txt", kind="text",
                       content_type="text/plain", size=100, sha256="0" * 64)
            for q in made[::40]
        )
    for first in range(0, users, 100):
        with transaction.atomic():
            others = []
            for n in range(first, min(first + 100, users)):
                other = User(email=f"quests{n}@bench.local")
                other.set_unusable_password()
                others.append(other)
            others = User.objects.bulk_create(others)
            Profile.objects.bulk_create(Profile(user=other) for other in others)
            their_categories = Category.objects.bulk_create(Category(user=other, name="Work") for other in others)
            Quest.objects.bulk_create(
                (q for other, category in zip(others, their_categories)
                 for q in _quests_for(other, [category], 50, today, rng)),
                batch_size=2000,
            )
    return heavy


def measure(client: Client, url: str, requests: int, **kwargs) -> dict:
    """Time `requests` GETs: wall-clock p50 and p95, and this process's CPU time per request
    (Django's side, without the database server's work: steadier on a busy machine)."""
    client.get(url, **kwargs)  # warm up
    queries: list[str] = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    cpu = time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url, **kwargs)
        timings.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() - cpu) * 1000 / requests
    timings.sort()
    return {
        "queries": len(queries),
        "p50": statistics.median(timings),
        "p95": timings[max(0, int(len(timings) * 0.95) - 1)],
        "cpu": cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--quests", type=int, default=2000)
    parser.add_argument("--users", type=int, default=200)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    connection.settings_dict["CONN_MAX_AGE"] = 60  # as in production (tests use 0)
    try:
        with override_settings(ROOT_URLCONF="bench.urls", DEBUG=False):
            from quests.models import Quest

            started = time.perf_counter()
            build(quests=args.quests, users=args.users, today=dt.date.today())
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            print(
                f"database: {connection.vendor}; {Quest.objects.count():,} quests "
                f"({args.quests:,} the measured user's) built in {time.perf_counter() - started:.1f} s"
            )
            client = Client()
            assert client.login(email="quests@bench.local", password="bench-password-1")
            htmx = {"headers": {"HX-Request": "true"}}
            n = args.requests
            rows = {
                "minimal page": measure(client, "/bench/minimal/", n),
                "board": measure(client, "/quests/", max(10, n // 10)),
                "search, no words": measure(client, "/quests/search/", n),
                "search 'report'": measure(client, "/quests/search/?q=report", n),
                "search 'running'": measure(client, "/quests/search/?q=running", n),
                "search 'proj' (prefix)": measure(client, "/quests/search/?q=proj", n),
                "search + filters": measure(
                    client, "/quests/search/?q=garden&status=open&status=active&sort=due&files=no", n
                ),
                "htmx: 'report'": measure(client, "/quests/search/?q=report", n, **htmx),
                "htmx: 'paint fence'": measure(client, "/quests/search/?q=paint+fence", n, **htmx),
                "nav search 'run'": measure(client, "/search/?q=run", n),
            }
            print(f"{'view':<26}{'queries':>8}{'p50 ms':>9}{'p95 ms':>9}{'CPU ms':>9}")
            for name, row in rows.items():
                print(f"{name:<26}{row['queries']:>8}{row['p50']:>9.2f}{row['p95']:>9.2f}{row['cpu']:>9.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
