"""Billing: what the limit check costs a domain service (billing off, Premium, Free: time
and queries), and the webhook endpoint's throughput (signed events verified, handled once,
applied under the row's lock; replays answered from the handled-events table).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_billing_bench .venv/bin/python bench/billing.py
    .venv/bin/python bench/billing.py      # SQLite

A throwaway test database. Options: --users N (subscribed users the webhooks spread over,
default 200), --events N (webhook events, default 2000).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402

from habits.models import Habit  # noqa: E402
from habitstory.accounts.models import User  # noqa: E402
from habitstory.billing import limits  # noqa: E402
from habitstory.billing.models import Kind, Subscription  # noqa: E402
from tests.billing.fake_stripe import event, sign, subscription  # noqa: E402

SECRET = "whsec_bench"
ON = {"STRIPE_SECRET_KEY": "sk_test_bench", "STRIPE_WEBHOOK_SECRET": SECRET, "STRIPE_PRICE_MONTHLY": "price_m"}


def timed(fn, repeat: int = 200) -> tuple[float, int]:
    """Median milliseconds of fn() over `repeat` runs, and the queries of one run."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as queries:
        fn()
    return statistics.median(times), len(queries)


def check_costs() -> None:
    free = User.objects.create_user("free@bench.local", "x")
    premium = User.objects.create_user("premium@bench.local", "x")
    Habit.objects.bulk_create(Habit(user=free, name=f"H{i}", start_date=dt.date(2026, 1, 1)) for i in range(5))
    Subscription.objects.create(user=premium, customer_id="cus_p", subscription_id="sub_p", status="active")

    def check(user):
        def run():
            for attr in ("_billing_subscription",):
                user.__dict__.pop(attr, None)  # a new request each time
            limits.ensure_can_add(user, Kind.HABITS)
        return run

    off = timed(check(free))
    with override_settings(**ON):
        prem = timed(check(premium))
        fre = timed(check(free))
    print("ensure_can_add(user, habits), a request's first check:")
    for label, (ms, queries) in (("billing off", off), ("Premium", prem), ("Free, 5 of 10", fre)):
        print(f"  {label:<14} {ms:7.3f} ms  {queries} queries")


def webhook_throughput(users: int, events: int) -> None:
    people = User.objects.bulk_create(User(email=f"u{i}@bench.local") for i in range(users))
    Subscription.objects.bulk_create(Subscription(user=user, customer_id=f"cus_{user.pk}") for user in people)
    client = Client()
    bodies = []
    for n in range(events):
        user = people[n % users]
        status = ("active", "past_due", "active", "canceled")[(n // users) % 4]
        obj = subscription(f"sub_{user.pk}", f"cus_{user.pk}", status, created=1_700_000_000,
                           period_end=1_800_000_000)
        body = json.dumps(event("customer.subscription.updated", obj, created=1_700_000_000 + n)).encode()
        bodies.append(body)

    def deliver(batch):
        start = time.perf_counter()
        for body in batch:
            response = client.post("/billing/webhook/", body, content_type="application/json",
                                   HTTP_STRIPE_SIGNATURE=sign(body, SECRET))
            assert response.status_code == 200, response.content
        return time.perf_counter() - start

    with override_settings(**ON):
        first = deliver(bodies)
        replay = deliver(bodies[: events // 4])
    print(f"webhooks: {events} signed events over {users} users: {first:.2f} s "
          f"({events / first:.0f}/s, {1000 * first / events:.2f} ms each)")
    print(f"  replays of {events // 4} handled events: {1000 * replay / (events // 4):.2f} ms each")
    print(f"  final: {Subscription.objects.filter(status='canceled').count()} canceled of {users}")


def quiet() -> None:
    logging.getLogger("habitstory.billing").setLevel(logging.WARNING)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--events", type=int, default=2000)
    args = parser.parse_args()
    setup_test_environment()
    quiet()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(f"database: {connection.vendor}")
        check_costs()
        webhook_throughput(args.users, args.events)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
