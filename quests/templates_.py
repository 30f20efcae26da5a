"""Quest templates: staff's (in admin, named by a slug for the archetypes' starter plans)
and a user's own, saved from one of their quests; a quest made from either
(docs/quests.md, "Templates")."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils.text import slugify

from habits.models import Habit

from . import services
from .models import Objective, Quest, QuestTemplate, TemplateObjective

SLUG_MAX = QuestTemplate._meta.get_field("slug").max_length


def templates_for(user) -> QuerySet[QuestTemplate]:
    """Staff's active templates and the user's own, with their objectives (two queries)."""
    return (
        QuestTemplate.objects.filter(Q(user__isnull=True, active=True) | Q(user=user))
        .prefetch_related("objectives").order_by("title", "id")
    )


def delete_template(user, template_id: int) -> QuestTemplate:
    """Delete one of the user's own templates (staff's and another user's: DoesNotExist).
    Quests made from it stay, and forget where they came from."""
    template = QuestTemplate.objects.get(pk=template_id, user=user)
    template.delete()
    return template


def find_template(user, slug: str) -> QuestTemplate:
    """The template the user may use by this slug, their own first, then staff's active
    one (QuestTemplate.DoesNotExist otherwise)."""
    found = templates_for(user).filter(slug=slug).order_by(F("user_id").asc(nulls_last=True)).first()
    if found is None:
        raise QuestTemplate.DoesNotExist("No such template.")
    return found


def from_template(user, template: QuestTemplate, *, today: dt.date) -> Quest:
    """A new open quest from a template the user may use, with its objectives. A staff
    template's habit-fed objective takes the user's habit of that name (case aside), or
    becomes a manual step when they have none; an own template's keeps its habit while
    it is alive."""
    if not (template.user_id == getattr(user, "pk", user) or (template.user_id is None and template.active)):
        raise QuestTemplate.DoesNotExist("No such template.")
    habits = {habit.name.casefold(): habit for habit in Habit.objects.for_user(user).order_by("-id")}
    alive = {habit.pk: habit for habit in habits.values()}
    specs = [_spec(objective, habits, alive) for objective in template.objectives.all()]
    return services.create_quest(
        user, title=template.title, description=template.description, category=template.category_name or None,
        priority=template.priority, effort_minutes=template.effort_minutes, xp_reward=template.xp_reward,
        objectives=specs, today=today, template=template,
    )


def save_as_template(quest: Quest) -> QuestTemplate:
    """The quest as the user's own template (its objectives without their progress); the
    slug comes from the title, made unique among the user's templates (-2, -3, …)."""
    objectives = list(quest.objectives.select_related("habit"))
    base = slugify(quest.title)[: SLUG_MAX - 6].strip("-") or "quest"
    taken = set(QuestTemplate.objects.filter(user=quest.user_id, slug__startswith=base).values_list("slug", flat=True))
    for n in range(1, 1000):
        slug = base if n == 1 else f"{base}-{n}"
        if slug in taken:
            continue
        try:
            with transaction.atomic():
                return _save(quest, slug, objectives)
        except IntegrityError:  # the same slug saved meanwhile
            taken.add(slug)
    raise RuntimeError("no free template slug")  # pragma: no cover - a thousand templates of one title


def _save(quest: Quest, slug: str, objectives: list[Objective]) -> QuestTemplate:
    template = QuestTemplate(
        user_id=quest.user_id, slug=slug, title=quest.title, description=quest.description,
        category_name=quest.category.name if quest.category_id else "", priority=quest.priority,
        effort_minutes=quest.effort_minutes, xp_reward=quest.xp_reward,
    )
    template.full_clean(exclude=["user"], validate_constraints=False)
    template.save()
    TemplateObjective.objects.bulk_create([
        TemplateObjective(template=template, position=n, text=objective.text, kind=objective.kind,
                          weight=objective.weight, habit=objective.habit, target=objective.target,
                          habit_name=objective.habit.name if objective.habit else "")
        for n, objective in enumerate(objectives)
    ])
    return template


def _spec(objective: TemplateObjective, habits: dict[str, Habit], alive: dict[int, Habit]) -> services.ObjectiveSpec:
    if objective.kind == Objective.Kind.MANUAL:
        return services.ObjectiveSpec(objective.text, objective.kind, objective.weight)
    habit = alive.get(objective.habit_id) if objective.habit_id else None
    if habit is None and objective.habit_name:
        habit = habits.get(objective.habit_name.casefold())
    if habit is None or objective.target is None:
        return services.ObjectiveSpec(objective.text, Objective.Kind.MANUAL, objective.weight)
    return services.ObjectiveSpec(objective.text, objective.kind, objective.weight, habit=habit,
                                  target=objective.target)
