"""Loading a user's objects for the API. Another user's id, or a deleted habit, is a 404:
objects are always looked up by pk AND user."""

from __future__ import annotations

import datetime as dt

from django.http import Http404

from habits import recompute, stats
from habits.current import stats_now
from habits.models import Habit, Occurrence, Pillar


def habit_for(user, pk: int) -> Habit:
    habit = Habit.objects.for_user(user).filter(pk=pk).first()
    if habit is None:
        raise Http404("No such habit")
    habit.user = user  # the profile (time zone, week start) is already loaded
    return habit


def pillar_for(user, pk: int) -> Pillar:
    pillar = Pillar.objects.filter(user=user, pk=pk).first()
    if pillar is None:
        raise Http404("No such pillar")
    return pillar


def habits_of(user, status: str | None = None):
    """The user's living habits (a queryset: the list pages it in its order)."""
    habits = Habit.objects.for_user(user)
    if status:
        habits = habits.filter(status=status)
    return habits


def entries(habit: Habit) -> list[stats.Entry]:
    return recompute.entries_of(Occurrence.objects.filter(habit=habit).values_list("on", "status", "value"))


def stats_of(habits: list[Habit], today: dt.date) -> dict[int, stats.Stats]:
    """Each habit's statistics as of `today`, in one query: from its stored fold and
    today's row, or from its whole history where the fold does not apply."""
    return stats_now(habits, today)


def stats_one(habit: Habit, today: dt.date) -> stats.Stats:
    return stats_now([habit], today)[habit.pk]
