"""A quest's progress: the weighted share of its objectives done, and the counts of its
habit-fed objectives (docs/quests.md, "Progress")."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count

from habits.models import Occurrence

from .models import Objective, Quest

HABIT_KINDS = (Objective.Kind.HABIT_COUNT, Objective.Kind.HABIT_STREAK)


def fraction(objectives: Iterable[Objective]) -> Decimal:
    """Σ weight of the done objectives ÷ Σ weight (0 with no objectives)."""
    total = done = Decimal(0)
    for objective in objectives:
        total += objective.weight
        if objective.done:
            done += objective.weight
    return done / total if total else Decimal(0)


def percent(objectives: Iterable[Objective]) -> int:
    """The progress in whole percent, rounded half up (99.5 % is 100 only when all are done)."""
    objectives = list(objectives)
    value = (fraction(objectives) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if value == 100 and not all_done(objectives):
        return 99
    return int(value)


def all_done(objectives: Iterable[Objective]) -> bool:
    objectives = list(objectives)
    return bool(objectives) and all(objective.done for objective in objectives)


def percent_map(quest_ids: Iterable[int]) -> dict[int, int]:
    """For a board: each quest's id → its progress in percent (one query; 0 without objectives)."""
    by_quest: dict[int, list[Objective]] = defaultdict(list)
    for quest_id, weight, done in Objective.objects.filter(quest_id__in=list(quest_ids)).values_list(
        "quest_id", "weight", "done"
    ):
        by_quest[quest_id].append(Objective(weight=weight, done=done))
    return {quest_id: percent(objectives) for quest_id, objectives in by_quest.items()}


def text_of(objectives: Iterable[Objective]) -> str:
    """What search reads of the objectives (Quest.objectives_text)."""
    return "\n".join(objective.text for objective in objectives)


def measure(quest: Quest, objectives: list[Objective], *, streaks: dict[int, int] | None = None,
            until: dt.date | None = None, kinds=HABIT_KINDS, now: dt.datetime) -> list[Objective]:
    """Recount the habit-fed objectives of an active (or, with `until`, a done) quest from
    the habits' done days on or after the day it became active (through `until`), and
    their streaks (`streaks`: habit id → current streak, read from the objective's habit
    otherwise), of the `kinds` given. Returns the objectives that changed, saved (one query to read, one to write)."""
    fed = [objective for objective in objectives if objective.kind in kinds and objective.habit_id]
    if not fed or quest.activated_on is None:
        return []
    counts = _done_days(quest, {objective.habit_id for objective in fed}, until)
    changed = []
    for objective in fed:
        if objective.kind == Objective.Kind.HABIT_COUNT:
            count = counts.get(objective.habit_id, 0)
        else:
            count = (streaks or {}).get(objective.habit_id)
            if count is None:
                count = objective.habit.current_streak
        done = count >= objective.target
        if (count, done) != (objective.count, objective.done):
            objective.count, objective.done = count, done
            objective.done_at = (objective.done_at or now) if done else None
            changed.append(objective)
    if changed:
        Objective.objects.bulk_update(changed, ["count", "done", "done_at"])
    return changed


def _done_days(quest: Quest, habit_ids: set[int], until: dt.date | None) -> dict[int, int]:
    days = Occurrence.objects.filter(habit_id__in=habit_ids, status=Occurrence.Status.DONE, on__gte=quest.activated_on)
    if until is not None:
        days = days.filter(on__lte=until)
    return dict(days.values("habit_id").annotate(days=Count("id")).values_list("habit_id", "days"))
