"""Habits' statistics as of today, for reading (the API): from each habit's stored fold
(Habit.stats_state, through yesterday) and today's row, as a tick computes them
(recompute.refresh_stats); from the whole history where the fold does not apply."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Q

from . import fold, stats
from .models import Habit, Occurrence
from .recompute import compute, entries_of

_DAY = dt.timedelta(days=1)
_NO_ROW = (stats.STATUS_CODES[stats.SCHEDULED], None)  # today with no row: open


def stats_now(habits: list[Habit], today: dt.date) -> dict[int, stats.Stats]:
    """Each habit's statistics as of `today` by its pk: the same as recompute.compute on
    its whole history. One query: today's row of each habit whose stored fold runs through
    yesterday, the whole history of the others (no fold, a stale one, pauses). Each habit's
    owner and profile must be loaded."""
    if not habits:
        return {}
    folds: dict[int, tuple[fold.Fold, stats.Schedule, stats.Measure | None]] = {}
    for habit in habits:
        spec, measure = habit.schedule_spec(habit.user.profile.week_start), habit.measure
        folded = _fold_through(habit, spec, measure, today - _DAY)
        if folded is not None:
            folds[habit.pk] = folded, spec, measure
    whole = [habit.pk for habit in habits if habit.pk not in folds]
    where = Q()
    if folds:
        where |= Q(habit_id__in=list(folds), on=today)
    if whole:
        where |= Q(habit_id__in=whole)
    todays: dict[int, tuple[int, Decimal | None]] = {}  # a folded habit's today: status code, value
    histories: dict[int, list[tuple]] = defaultdict(list)
    for habit_id, on, status, value in Occurrence.objects.filter(where).values_list("habit_id", "on", "status", "value"):
        if habit_id in folds:
            todays[habit_id] = stats.status_code(status), value
        else:
            histories[habit_id].append((on, status, value))
    result = {}
    for habit in habits:
        if habit.pk in folds:
            folded, spec, measure = folds[habit.pk]
            code, value = todays.get(habit.pk, _NO_ROW)
            result[habit.pk] = fold.finish(folded, spec, measure, today.toordinal(), code, value)
        else:
            result[habit.pk] = compute(habit, today, entries_of(histories[habit.pk]))
    return result


def _fold_through(habit: Habit, spec: stats.Schedule, measure: stats.Measure | None,
                  yesterday: dt.date) -> fold.Fold | None:
    """The habit's stored fold when it applies as of the day after `yesterday`."""
    if habit.stats_through != yesterday or not habit.stats_state or not fold.foldable(spec):
        return None
    return fold.Fold.load(habit.stats_state, spec, measure)
