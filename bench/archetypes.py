"""Archetypes and houses on PostgreSQL: POST /api/v1/archetypes/assign, and the weekly
house cup (archetypes.houses.cup) with 100,000 users' XP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_houses REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python bench/archetypes.py --users 100000 --requests 50

A fresh test database beside DATABASE_URL's (made and dropped, like the other benches; the
Redis database of REDIS_URL is flushed, so give it one of its own). The quiz is the
content migration's when it has questions, otherwise a synthetic one is made (5 traits,
14 questions x 4 choices, 4 houses, 8 archetypes with profiles). Then:

- assign: one user with an API token POSTs a full answer set (a different one each time)
  through Django's test client, in process; p50/p95 and the queries of one request. Each
  request makes a new assignment (the earlier kept as history). If the API has no such
  route yet, archetypes.services.assign is timed directly (said in the output).
- the cup: `--users` users with profiles in five time zones, three week starts and two
  day-start hours, members of the 4 houses, each with 7 XP events this week and 7 last
  week (INSERT ... SELECT generate_series); ANALYZE; then cup() timed `--requests` times,
  its queries counted and its plan shown; the houses page and the leaderboard page (with
  the cup card) timed through the test client.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
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

import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from archetypes import houses  # noqa: E402
from archetypes.models import Archetype, Choice, ChoiceWeight, House, ProfileScore, Question, Trait  # noqa: E402
from habitstory.accounts.models import Profile, User  # noqa: E402
from habitstory.api.api import api  # noqa: E402
from habitstory.api.services import issue_token  # noqa: E402

ZONES = ["Pacific/Auckland", "America/Los_Angeles", "Europe/London", "Asia/Tokyo", "UTC"]
WEEK_STARTS = [0, 6, 5]
HOUSE_SLUGS = ["ember", "tide", "grove", "summit"]


class Queries:
    """The SQL a block runs on this thread's connection (whatever DEBUG says)."""

    def __enter__(self):
        self.sql: list[tuple[str, object]] = []

        def record(execute, sql, params, *args):
            self.sql.append((sql, params))
            return execute(sql, params, *args)

        self._wrapper = connection.execute_wrapper(record)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)

    def __len__(self) -> int:
        return len(self.sql)


def percentiles(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def ensure_quiz(rng: random.Random) -> None:
    """The content migration's quiz, or a synthetic one of the same size."""
    if Question.objects.filter(active=True).exists() and Archetype.objects.exists():
        return
    traits = [Trait.objects.create(slug=f"t{n}", name=f"Trait {n}", position=n) for n in range(5)]
    house_rows = [
        House.objects.get_or_create(slug=slug, defaults={
            "name": slug.title(), "motto": "Onward", "color": "#336699", "crest": f"archetypes/crests/{slug}.svg",
        })[0]
        for slug in HOUSE_SLUGS
    ]
    for q in range(14):
        question = Question.objects.create(text=f"Question {q}", position=q)
        for c in range(4):
            choice = Choice.objects.create(question=question, text=f"Choice {c}", position=c)
            for trait in rng.sample(traits, 2):
                ChoiceWeight.objects.create(choice=choice, trait=trait, weight=rng.randint(-5, 5))
    for a in range(8):
        archetype = Archetype.objects.create(
            slug=f"a{a}", name=f"Archetype {a}", tagline="t", description="d",
            illustration="archetypes/art/a.svg", house=house_rows[a % 4], position=a,
        )
        for trait in traits:
            ProfileScore.objects.create(archetype=archetype, trait=trait, target=rng.randint(10, 90))


def answer_sets(rng: random.Random, count: int) -> list[dict[str, str]]:
    questions = list(Question.objects.filter(active=True).prefetch_related("choices"))
    return [
        {str(question.pk): str(rng.choice(list(question.choices.all())).pk) for question in questions}
        for _ in range(count)
    ]


def bench_assign(requests: int, rng: random.Random) -> None:
    ensure_quiz(rng)
    user = User.objects.create_user("assign@example.com", "bench-password-1")
    _, token = issue_token(user, "bench")
    for throttle in api.throttle:
        throttle.limit = 10**9
    client = Client(headers={"Authorization": f"Bearer {token}"})
    bodies = answer_sets(rng, requests + 5)
    url = "/api/v1/archetypes/assign"
    probe = client.post(url, json.dumps({"answers": bodies[0]}), content_type="application/json")
    if probe.status_code == 404 and b"assign" not in probe.content:
        from archetypes import services  # the API is not there yet: the service it would call

        print("POST /api/v1/archetypes/assign is absent: timing archetypes.services.assign directly")
        call = lambda body: services.assign(user, body)  # noqa: E731
    else:
        assert probe.status_code == 201, (probe.status_code, probe.content[:400])

        def call(body):
            response = client.post(url, json.dumps({"answers": body}), content_type="application/json")
            assert response.status_code == 201, (response.status_code, response.content[:400])

    for body in bodies[1:5]:
        call(body)
    with Queries() as queries:
        call(bodies[5 % len(bodies)])
    times = []
    for body in bodies[5:]:
        started = time.perf_counter()
        call(body)
        times.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(times)
    print(f"assign: {len(times)} requests, {len(queries)} queries, p50 {p50:.2f} ms, p95 {p95:.2f} ms")


def build_cup(users: int) -> None:
    started = time.perf_counter()
    house_ids = list(House.objects.values_list("pk", flat=True))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO accounts_user (email, password, is_staff, is_superuser, is_active, date_joined)
               SELECT 'cup' || n || '@example.com', '!', false, false, true, %s FROM generate_series(1, %s) n""",
            [now, users],
        )
    ids = list(User.objects.filter(email__startswith="cup").order_by("pk").values_list("pk", flat=True))
    profiles = [
        Profile(
            user_id=pk, timezone=ZONES[n % len(ZONES)], week_start=WEEK_STARTS[n % 3],
            day_start_hour=2 if n % 7 == 0 else 0, show_on_leaderboards=n % 2 == 0,
        )
        for n, pk in enumerate(ids)
    ]
    Profile.objects.bulk_create(profiles, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO archetypes_membership (user_id, house_id, joined_at)
               SELECT u.id, (%s::int[])[1 + u.id %% %s], %s FROM accounts_user u WHERE u.email LIKE 'cup%%'""",
            [house_ids, len(house_ids), now - dt.timedelta(days=30)],
        )
        # 14 days back from UTC's today: each user's this week and last week, ~7 events each.
        cursor.execute(
            """INSERT INTO gamification_xpevent (user_id, amount, reason, source, "on", created_at)
               SELECT u.id, 5 + (u.id * 7 + d) %% 20, 'habit_done', 'bench:' || u.id || ':' || d,
                      %s::date - d, %s
               FROM accounts_user u CROSS JOIN generate_series(0, 13) d WHERE u.email LIKE 'cup%%'""",
            [now.date(), now],
        )
        cursor.execute("ANALYZE")
        cursor.execute("SELECT count(*) FROM gamification_xpevent")
        events = cursor.fetchone()[0]
    print(f"built {users:,} users in {len(house_ids)} houses, {events:,} XP events in "
          f"{time.perf_counter() - started:.1f} s")


def bench_cup(requests: int) -> None:
    houses.cup(now=timezone.now())
    with Queries() as queries:
        standings = houses.cup(now=timezone.now())
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        houses.cup(now=timezone.now())
        times.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(times)
    print(f"cup(now=...) computed: {len(queries)} queries, p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    houses.cup()
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        houses.cup()
        times.append((time.perf_counter() - started) * 1000)
    p50, p95 = percentiles(times)
    print(f"cup() from the cache (Redis): p50 {p50:.2f} ms, p95 {p95:.2f} ms")
    for standing in standings:
        print(f"  #{standing.rank} {standing.house.name}: {standing.xp:,} XP, {standing.members:,} members")
    with connection.cursor() as cursor:
        sql, params = max(queries.sql, key=lambda query: len(query[0]))
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = [row[0] for row in cursor.fetchall()]
    print("  plan:\n    " + "\n    ".join(plan))
    return plan


def bench_pages(requests: int) -> None:
    viewer = User.objects.filter(email__startswith="cup").order_by("pk")[10]
    client = Client()
    client.force_login(viewer)
    house = houses.house_of(viewer)
    for name, url in [
        ("houses page", "/archetypes/houses/"),
        ("a house's page", f"/archetypes/houses/{house.slug}/"),
        ("leaderboard (everyone) + cup card", "/rewards/leaderboard/"),
        ("leaderboard (house) + cup card", "/rewards/leaderboard/?scope=house"),
    ]:
        client.get(url)
        with Queries() as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentiles(times)
        print(f"{name}: {len(queries)} queries, p50 {p50:.2f} ms, p95 {p95:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--skip-assign", action="store_true")
    args = parser.parse_args()
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        raise SystemExit("bench/archetypes.py measures PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    rng = random.Random(14)
    try:
        ensure_quiz(rng)
        if not args.skip_assign:
            bench_assign(args.requests, rng)
        build_cup(args.users)
        bench_cup(args.requests)
        bench_pages(max(10, args.requests // 2))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        redis.Redis.from_url(settings.REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
