"""Pillars: the defaults a new user starts with, saving one (a new one counts against the
Free plan's limit) and deleting one (its habits stay, unsorted). The pillars page, the API,
the habit library, imports' helpers and starter plans all save through `save_pillar`."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from habitstory.billing import limits
from habitstory.billing.models import Kind

from .models import Habit, Pillar
from .today_cache import touch

DEFAULT_PILLARS = [("Health", "#2f9e6b", "heart"), ("Mind", "#5b4bdb", "brain"), ("Craft", "#d9822b", "hammer")]


def create_default_pillars(user) -> list[Pillar]:
    if Pillar.objects.filter(user=user).exists():
        return []
    touch(user.pk)
    return Pillar.objects.bulk_create(
        Pillar(user=user, name=name, color=color, icon=icon, position=i)
        for i, (name, color, icon) in enumerate(DEFAULT_PILLARS)
    )


def save_pillar(pillar: Pillar) -> Pillar:
    """A new or changed pillar (the pillars page and the API). A new one goes last and
    counts against the Free plan's limit (limits.PlanLimitReached)."""
    with transaction.atomic():
        if pillar.pk is None:
            limits.ensure_can_add(pillar.user, Kind.PILLARS)
            last = Pillar.objects.filter(user=pillar.user).aggregate(last=Max("position"))["last"]
            pillar.position = 0 if last is None else last + 1
        pillar.save()
    return pillar


@transaction.atomic
def delete_pillar(pillar: Pillar) -> None:
    """Its habits stay, moved to "Unsorted"."""
    Habit.objects.filter(pillar=pillar).update(pillar=None)
    touch(pillar.user_id)
    pillar.delete()
