"""Synthetic users, habits and history for benchmarks, written with bulk inserts.

    build(users=1000, heavy_habits=30, heavy_days=730, light_habits=5, light_days=60)

makes one "heavy" user (the one measured) and `users - 1` light ones around it, so the
tables have the size of a real installation. Deterministic (seeded).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction

from habitstory.accounts.models import Profile, User
from habits.models import Habit, Occurrence, Pillar

SCHEDULES = [
    {"schedule": "daily"},
    {"schedule": "weekdays", "weekdays": [0, 1, 2, 3, 4]},
    {"schedule": "per_week", "times_per_week": 3},
    {"schedule": "every_n_days", "every_n_days": 2},
]


def _habits_for(user: User, pillars: list[Pillar], count: int, start: dt.date, rng: random.Random) -> list[Habit]:
    habits = []
    for i in range(count):
        measurable = i % 5 == 4
        habits.append(
            Habit(
                user=user,
                pillar=pillars[i % len(pillars)] if pillars else None,
                name=f"Habit {i + 1}",
                start_date=start,
                position=i,
                difficulty=rng.choice(["easy", "medium", "hard"]),
                kind="at_least" if measurable else "yes_no",
                target_value=Decimal(8) if measurable else None,
                unit="glasses" if measurable else "",
                **SCHEDULES[i % len(SCHEDULES)],
            )
        )
    return habits


def _history(habits: list[Habit], today: dt.date, rng: random.Random) -> list[Occurrence]:
    rows = []
    for habit in habits:
        rate = rng.uniform(0.55, 0.95)
        day = habit.start_date
        while day < today:
            if habit.is_scheduled_on(day) and (habit.schedule != "per_week" or rng.random() < 0.5):
                roll = rng.random()
                status = "done" if roll < rate else "skipped" if roll < rate + 0.04 else "missed"
                value = Decimal(rng.randint(6, 10)) if habit.kind != "yes_no" and status == "done" else None
                rows.append(Occurrence(habit=habit, on=day, status=status, value=value))
            day += dt.timedelta(days=1)
    return rows


def build(
    *,
    users: int = 1000,
    heavy_habits: int = 30,
    heavy_days: int = 730,
    light_habits: int = 5,
    light_days: int = 60,
    today: dt.date,
    password: str = "bench-password-1",
    echo=print,
) -> User:
    """Create the data set; returns the heavy user."""
    rng = random.Random(1123)
    with transaction.atomic():
        heavy = User.objects.create_user("heavy@bench.local", password)
        Profile.objects.filter(user=heavy).update(timezone="Europe/London")
        heavy.refresh_from_db()
        pillars = Pillar.objects.bulk_create(
            Pillar(user=heavy, name=name, position=i) for i, name in enumerate(["Health", "Mind", "Craft"])
        )
        habits = Habit.objects.bulk_create(
            _habits_for(heavy, pillars, heavy_habits, today - dt.timedelta(days=heavy_days), rng)
        )
        Occurrence.objects.bulk_create(_history(habits, today, rng), batch_size=2000)
    echo(f"heavy user: {heavy_habits} habits x {heavy_days} days")
    batch = 100
    for first in range(1, users, batch):
        with transaction.atomic():
            made = []
            for n in range(first, min(first + batch, users)):
                user = User(email=f"user{n}@bench.local")
                user.set_unusable_password()
                made.append(user)
            # bulk_create skips User.save(), so the profiles are made here, in the same transaction.
            made = User.objects.bulk_create(made)
            Profile.objects.bulk_create(Profile(user=user) for user in made)
            light = Habit.objects.bulk_create(
                habit
                for user in made
                for habit in _habits_for(user, [], light_habits, today - dt.timedelta(days=light_days), rng)
            )
            Occurrence.objects.bulk_create(_history(light, today, rng), batch_size=2000)
        echo(f"users: {min(first + batch, users)}/{users}")
    return heavy
