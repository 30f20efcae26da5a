"""What the Free plan counts of a user's habits (billing.limits; registered in
HabitsConfig.ready): their pillars, and their alive habits that are active."""

from __future__ import annotations

from .models import Habit, Pillar


def pillars(user) -> int:
    return Pillar.objects.filter(user_id=user.pk).count()


def active_habits(user) -> int:
    """Paused, archived and deleted habits do not count."""
    return Habit.objects.filter(user_id=user.pk, deleted_at__isnull=True, status=Habit.Status.ACTIVE).count()
