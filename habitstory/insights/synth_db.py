"""Synthetic users written to the database (the `generate_life_data` command, the demo
account, tests of the whole pipeline): check-ins, life events, habits and their
occurrences, in bulk, through the models and the habits' own history writer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from habits import stats
from habits.models import Habit, Occurrence
from habits.services import add_history

from . import state
from .history import INPUTS
from .models import MOODS, CheckIn, LifeEvent
from .synth import Synthetic, generate

INTEGER_INPUTS = ("exercise_minutes", "social_minutes")


def _checkins(user, synthetic: Synthetic, shift: dt.timedelta) -> list[CheckIn]:
    h = synthetic.history
    rows = []
    for i in range(h.days):
        values = {name: h.inputs[name][i] for name in INPUTS}
        if np.isnan(h.mood[i]) and np.isnan(h.energy[i]) and all(np.isnan(v) for v in values.values()):
            continue
        fields = {name: None if np.isnan(v) else (int(v) if name in INTEGER_INPUTS else Decimal(str(round(v, 2))))
                  for name, v in values.items()}
        rows.append(CheckIn(user=user, on=h.date(i) + shift,
                            mood="" if np.isnan(h.mood[i]) else MOODS[int(h.mood[i])],
                            energy=None if np.isnan(h.energy[i]) else Decimal(str(h.energy[i])), **fields))
    return rows


def _habits(user, synthetic: Synthetic, shift: dt.timedelta) -> list[Occurrence]:
    h = synthetic.history
    occurrences = []
    for position, days in enumerate(h.habits):
        schedule = synthetic.schedules[days.habit_id]
        habit = Habit(user=user, name=days.name, schedule=schedule.kind, weekdays=list(schedule.weekdays),
                      every_n_days=schedule.every_n_days, times_per_week=schedule.times_per_week,
                      start_date=schedule.start_date + shift, position=position)
        habit.save()
        for i in np.flatnonzero(days.expected):
            status = stats.DONE if days.done[i] else stats.SKIPPED if days.skipped[i] else stats.MISSED
            occurrences.append(Occurrence(habit=habit, on=h.date(int(i)) + shift, status=status,
                                          xp_cycle=int(status == stats.DONE)))
    return occurrences


def write(user, synthetic: Synthetic, *, end: dt.date) -> None:
    """The synthetic user's days as `user`'s, the last one on `end` (their days before `end`
    are expected empty: the generator's, not merged with anything there)."""
    h = synthetic.history
    shift = end - h.date(h.days - 1)
    with transaction.atomic():
        CheckIn.objects.bulk_create(_checkins(user, synthetic, shift), batch_size=500)
        LifeEvent.objects.bulk_create([
            LifeEvent(user=user, type=event.type, title=event.type.replace("_", " ").capitalize(),
                      start=event.start + shift, end=None if event.end == event.start else event.end + shift)
            for event in h.events], batch_size=500)
        occurrences = _habits(user, synthetic, shift)
        if occurrences:
            add_history(occurrences)
        state.data_changed(user.pk)


def create_users(n: int, days: int, seed: int, *, prefix: str, end: dt.date | None = None,
                 pooled_learning: bool = True, progress: Callable[[int, int], None] | None = None) -> list:
    """`n` new users (prefix0@example.com, ...) each with `days` synthetic days ending on
    `end` (default: today, UTC), opted in to pooled learning. Returns [(user, synthetic)]."""
    end = end or timezone.now().date()
    User = get_user_model()
    made = []
    for k, synthetic in enumerate(generate(n, days, seed, end=end)):
        joined = dt.datetime.combine(synthetic.history.start, dt.time(12), tzinfo=dt.UTC)
        user = User.objects.create_user(f"{prefix}{k}@example.com", None, date_joined=joined)
        user.profile.pooled_learning = pooled_learning
        user.profile.save(update_fields=["pooled_learning"])
        write(user, synthetic, end=end)
        made.append((user, synthetic))
        if progress:
            progress(k + 1, n)
    return made
