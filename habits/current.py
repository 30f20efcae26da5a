"""Habits' statistics as of today, for reading (the API, the habit page): carried forward
from each habit's stored fold through the days after it (usually only today's row), as a
tick computes them (recompute.refresh_stats); from the whole history where no fold applies."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q

from . import fold, stats
from .models import Habit, Occurrence
from .recompute import compute_coded, stored_fold


def stats_now(habits: list[Habit], today: dt.date) -> dict[int, stats.Stats]:
    """Each habit's statistics as of `today` by its pk: the same as recompute.compute on
    its whole history. One query: the days after each stored fold (today's row, when the
    day close has carried the fold through yesterday), the whole history of the others (no
    fold, one for another schedule, pauses). Each habit's owner and profile must be loaded."""
    if not habits:
        return {}
    folds: dict[int, tuple[fold.Fold, stats.Schedule, stats.Measure | None]] = {}
    specs = {}
    after: dict[int, list[int]] = defaultdict(list)  # a fold's last day (ordinal) → its habits
    for habit in habits:
        spec, measure = habit.schedule_spec(habit.user.profile.week_start), habit.measure
        specs[habit.pk] = spec, measure
        folded = stored_fold(habit, spec, measure, today)
        if folded is not None:
            folds[habit.pk] = folded, spec, measure
            after[folded.through].append(habit.pk)
    whole = [habit.pk for habit in habits if habit.pk not in folds]
    where = Q(habit_id__in=whole) if whole else Q()
    for through, ids in after.items():
        where |= Q(habit_id__in=ids, on__gt=dt.date.fromordinal(through))
    read: dict[int, tuple[list[int], dict[int, Decimal]]] = defaultdict(lambda: ([], {}))
    for habit_id, on, status, value in Occurrence.objects.filter(where).values_list("habit_id", "on", "status", "value"):
        days, values = read[habit_id]
        days.append(on.toordinal() << 3 | stats.status_code(status))
        if value is not None:
            values[on.toordinal()] = value
    result = {}
    for habit in habits:
        days, values = read[habit.pk]
        spec, measure = specs[habit.pk]
        folded = folds[habit.pk][0] if habit.pk in folds else None
        result[habit.pk] = compute_coded(spec, measure, days, values, today, folded)[0]
    return result


def streak_through_yesterday(habit: Habit, week_start: int, today: dt.date) -> int | None:
    """The habit's streak as yesterday ended, off its stored fold through yesterday (day
    schedules: what the current streak is while today is open). None where no such fold
    applies (N per week, pauses, a fold not yet carried to yesterday)."""
    if habit.is_per_week:
        return None
    spec = habit.schedule_spec(week_start)
    folded = stored_fold(habit, spec, habit.measure, today)
    return folded.run if folded is not None and folded.through == today.toordinal() - 1 else None
