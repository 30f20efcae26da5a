"""An archetype's starter plan and accepting it (docs/archetypes.md, "Starter plans").
Accepting makes the chosen habits (from the habit library, into the user's pillars) and
quests (from staff's quest templates) in one transaction, and never a second item from a
template the user already has something from, however often or after whichever
assignment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from habits import library
from habits.models import Habit
from habitstory.accounts.models import Profile
from habitstory.billing import limits
from habitstory.billing.models import Kind
from quests import templates_
from quests.models import Quest

from . import content
from .models import Archetype, StarterHabit, StarterQuest


@dataclass(frozen=True)
class Plan:
    habits: list[StarterHabit]
    quests: list[StarterQuest]


@dataclass(frozen=True)
class Accepted:
    habits: list[Habit] = field(default_factory=list)
    quests: list[Quest] = field(default_factory=list)
    already: list[str] = field(default_factory=list)  # the names of items the user had from their template


def starter_plan(archetype: Archetype) -> Plan:
    """The plan's items whose templates are active (staff's quest templates only), in
    order, each with its template (read from the cached content when it has the archetype)."""
    cached = next((found for found in content.archetypes() if found.pk == archetype.pk), None)
    if cached is not None:
        habits, quests = list(cached.starter_habits.all()), list(cached.starter_quests.all())
    else:
        habits = list(StarterHabit.objects.filter(archetype=archetype).select_related("template"))
        quests = list(StarterQuest.objects.filter(archetype=archetype).select_related("template"))
    return Plan(
        habits=[item for item in habits if item.template.active],
        quests=[item for item in quests if item.template.active and item.template.user_id is None],
    )


def accept(user, archetype: Archetype, *, habit_ids: Iterable[Any], quest_ids: Iterable[Any], today: dt.date,
           now: dt.datetime | None = None) -> Accepted:
    """Make the chosen plan items (StarterHabit and StarterQuest ids) the user's; an id not
    in the archetype's plan is refused (ValidationError naming it), an item whose template
    the user already has a habit (alive) or quest from is left out and named in `already`.
    Beyond the Free plan's limits nothing is made (limits.PlanLimitReached)."""
    plan = starter_plan(archetype)
    habit_items, habit_unknown = _chosen(plan.habits, habit_ids)
    quest_items, quest_unknown = _chosen(plan.quests, quest_ids)
    errors = {name: [f"Not in the {archetype.name}'s starter plan: {', '.join(unknown)}."]
              for name, unknown in (("habit_ids", habit_unknown), ("quest_ids", quest_unknown)) if unknown}
    if errors:
        raise ValidationError(errors)
    accepted = Accepted()
    with transaction.atomic():
        Profile.objects.select_for_update().get(user=user)  # two accepts at once: one after the other
        had_habits = set(Habit.objects.for_user(user).filter(
            template_id__in=[item.template_id for item in habit_items]
        ).values_list("template_id", flat=True))
        had_quests = set(Quest.objects.filter(
            user=user, template_id__in=[item.template_id for item in quest_items]
        ).values_list("template_id", flat=True))
        _ensure_room(user, [item for item in habit_items if item.template_id not in had_habits],
                     [item for item in quest_items if item.template_id not in had_quests])
        for item in habit_items:  # habits first: a quest's habit-fed objective finds them by name
            if item.template_id in had_habits:
                accepted.already.append(item.template.name)
                continue
            accepted.habits.append(library.habit_from_template(user, item.template, today=today))
            had_habits.add(item.template_id)
        for item in quest_items:
            if item.template_id in had_quests:
                accepted.already.append(item.template.title)
                continue
            accepted.quests.append(templates_.from_template(user, item.template, today=today))
            had_quests.add(item.template_id)
    return accepted


def _ensure_room(user, habit_items: list[StarterHabit], quest_items: list[StarterQuest]) -> None:
    """All or nothing: the new pillars, habits and quests the plan would make, counted
    before any is made, against the Free plan's limits (limits.PlanLimitReached)."""
    if limits.is_premium(user):  # billing off or Premium: no limits, no queries
        return
    pillar_names = [item.template.pillar_name for item in habit_items]
    limits.ensure_can_add(user, Kind.PILLARS, len(library.missing_pillars(user, pillar_names)) if habit_items else 0)
    limits.ensure_can_add(user, Kind.HABITS, len(habit_items))
    limits.ensure_can_add(user, Kind.QUESTS, len(quest_items))


def _chosen(items: list, ids: Iterable[Any]) -> tuple[list, list[str]]:
    """The plan's items among `ids` (in the plan's order) and the ids that are not in it."""
    by_id = {item.pk: item for item in items}
    wanted, unknown = set(), []
    for raw in ids:
        item_id = _as_id(raw)
        if item_id in by_id:
            wanted.add(item_id)
        else:
            unknown.append(str(raw))
    return [item for item in items if item.pk in wanted], unknown


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return int(value.strip())
    return None

