"""A user's habit totals, as achievements and their progress bars read them (through the
story layer's facts): ticks, best streak, pillar balance, a perfect week."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Max, Q, Sum

from habitstory.core.days import week_bounds

from .models import Habit, Occurrence


def total_ticks(user) -> int:
    """Days ever done, over all the user's habits (deleted ones too: they were earned)."""
    return Habit.objects.filter(user=user).aggregate(n=Sum("total_done"))["n"] or 0


def ticks_and_best_streak(user) -> tuple[int, int]:
    """(total_ticks, the best current streak among alive habits), in one query."""
    row = Habit.objects.filter(user=user).aggregate(
        ticks=Sum("total_done"), best=Max("current_streak", filter=Q(deleted_at__isnull=True))
    )
    return row["ticks"] or 0, row["best"] or 0


def pillar_averages(user) -> list[float]:
    """Each pillar's average consistency over its active habits that have one."""
    rows = (
        Habit.objects.for_user(user)
        .filter(status=Habit.Status.ACTIVE, pillar__isnull=False, consistency__isnull=False)
        .values("pillar_id").annotate(avg=Avg("consistency"))
    )
    return [row["avg"] for row in rows]


def week_is_perfect(user, today: dt.date) -> bool:
    """The user's week that ends today was perfect: every expected day done (skips
    excused; N per week: N done). False on any other day of the week."""
    start, end = week_bounds(today, user.profile.week_start)
    if end != today:
        return False
    habits = list(Habit.objects.for_user(user).filter(status=Habit.Status.ACTIVE, start_date__lte=start))
    if not habits:
        return False
    states = {
        (habit_id, on): status
        for habit_id, on, status in Occurrence.objects.filter(habit__in=habits, on__range=(start, end))
        .values_list("habit_id", "on", "status")
    }
    days = [start + dt.timedelta(days=n) for n in range(7)]
    for habit in habits:
        if habit.is_per_week:
            done = sum(states.get((habit.pk, day)) == Occurrence.Status.DONE for day in days)
            if done < (habit.times_per_week or 0):
                return False
            continue
        for day in days:
            if habit.is_scheduled_on(day) and states.get((habit.pk, day)) not in (
                Occurrence.Status.DONE, Occurrence.Status.SKIPPED,
            ):
                return False
    return True
