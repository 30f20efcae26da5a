"""The API's shapes for quests, their objectives, dependencies, next up and templates (see
schemas.py for how input schemas state the rules: lengths from the models, characters
from habitstory.core.text, ranges from the models' validators)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field
from pydantic import ConfigDict, model_validator

from habitstory.core.text import LABEL_PATTERN
from quests import formatting, progress
from quests.models import (
    EFFORT_MAX, OBJECTIVES_MAX, XP_MAX, XP_MIN, Category, Objective, Priority, Quest, QuestTemplate,
)
from quests.search import Q_MAX, SORTS

from .envelope import Out
from .fields import Day, Name, Text, TimeOfDay, amount
from .schemas import Id, Input

QuestStatus = Literal[tuple(Quest.Status.values)]  # type: ignore[valid-type]
ObjectiveKind = Literal[tuple(Objective.Kind.values)]  # type: ignore[valid-type]
NewStatus = Literal["open", "active"]
Sort = Literal[tuple(SORTS)]  # type: ignore[valid-type]

QuestTitle = Name(Quest, "title")
QuestDescription = Text(Quest, "description")
CategoryName = Name(Category, "name")
ObjectiveText = Name(Objective, "text")
_slug = QuestTemplate._meta.get_field("slug")
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"
Slug = Annotated[str, Field(min_length=1, max_length=_slug.max_length, pattern=SLUG_PATTERN)]
SearchText = Annotated[str, Field(max_length=Q_MAX, pattern=LABEL_PATTERN)]
CategoryFilter = Annotated[str, Field(max_length=Category._meta.get_field("name").max_length, pattern=LABEL_PATTERN)]

PRIORITY_DOC = ", ".join(f"{value} = {label.lower()}" for value, label in Priority.choices)
QuestPriority = Annotated[int, Field(ge=Priority.LOW, le=Priority.URGENT, description=f"{PRIORITY_DOC}.")]
Effort = Annotated[int, Field(ge=1, le=EFFORT_MAX, description=f"Estimated minutes, 1 to {EFFORT_MAX} (a week).")]
XPReward = Annotated[int, Field(ge=XP_MIN, le=XP_MAX, description=f"{XP_MIN} to {XP_MAX}.")]
Target = Annotated[int, Field(ge=1, le=10000, description="N: done days, or the streak to reach; 1 to 10,000.")]
ObjectiveWeight = amount(
    least=Decimal("0.01"), most=Decimal(100), description="0.01 to 100 (default 1): its share of the progress.",
    too_small="The weight must be at least 0.01.", too_large="Enter a weight up to 100.",
)

HABIT_KINDS = ["habit_count", "habit_streak"]
# A manual step has no habit and no target; a habit-fed one has both.
OBJECTIVE_SHAPES = {
    "anyOf": [
        {"properties": {"kind": {"const": "manual"}, "habit": {"type": "null"}, "target": {"type": "null"}}},
        {
            "required": ["kind", "habit", "target"],
            "properties": {"kind": {"enum": HABIT_KINDS}, "habit": {"type": "integer"}, "target": {"type": "integer"}},
        },
    ]
}
# A due time needs a due date.
DUE_TIME_NEEDS_DATE = {
    "anyOf": [
        {"not": {"required": ["due_time"]}},
        {"properties": {"due_time": {"type": "null"}}},
        {"required": ["due_date"], "properties": {"due_date": {"type": "string"}}},
    ]
}
DUE_TIME_DOC = "HH:MM, your local time; only with a due date."
CATEGORY_DOC = "One of your categories by name (case aside), or a new one made for you; null for none."


# --- out ------------------------------------------------------------------------------------


class QuestRef(Out):
    id: int
    title: str
    status: QuestStatus


class CategoryOut(Out):
    id: int
    name: str


class ObjectiveOut(Out):
    id: int
    text: str
    kind: ObjectiveKind
    weight: Decimal
    habit: int | None = Field(description="The habit that feeds it (habit_count, habit_streak).")
    target: int | None
    count: int = Field(description="Done days since the quest became active, or the habit's streak.")
    done: bool
    done_at: dt.datetime | None


class QuestOut(Out):
    id: int
    title: str
    description: str
    description_html: str = Field(description="The description's light formatting as HTML, cleaned.")
    category: CategoryOut | None
    priority: int = Field(description=f"{PRIORITY_DOC}.")
    due_date: dt.date | None
    due_time: str | None = Field(description="HH:MM, your local time.")
    effort_minutes: int | None
    xp_reward: int
    status: QuestStatus
    ready: bool = Field(description="All objectives are done and the quest waits for you to complete it.")
    progress: int = Field(description="0–100: the weighted share of objectives done.")
    locked: bool = Field(description="It waits for quests not done yet: it cannot be started or completed.")
    waiting_for: list[QuestRef] = Field(description="The quests it waits for that are not done.")
    objectives: list[ObjectiveOut]
    activated_on: dt.date | None
    completed_at: dt.datetime | None
    completed_on: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class QuestChangeOut(Out):
    quest: QuestOut
    xp: int = Field(description="XP this change moved: the reward, or negative when it was taken back.")
    level: int = Field(description="Your level after it.")
    completed: list[QuestRef] = Field(description="Quests this change completed.")
    reopened: list[QuestRef] = Field(description="Quests whose completion (and XP) this change took back.")
    unlocked: list[QuestRef] = Field(description="Quests that waited only for what was completed.")
    ready: list[QuestRef] = Field(description="Quests whose objectives are all done, waiting for you to complete.")


class DependenciesOut(Out):
    locked: bool
    waiting_for: list[QuestRef] = Field(description="What it waits for that is not done.")
    depends_on: list[QuestRef] = Field(description="Every quest it waits for, done or not.")
    dependents: list[QuestRef] = Field(description="The quests that wait for it.")


class NextUpOut(Out):
    quest: QuestOut
    score: float = Field(description="Higher first: due date, priority, XP per minute, unlocks, staleness.")
    reasons: list[str] = Field(description="The factors that count: “due tomorrow”, “unlocks 2 quests”.")
    reason: str = Field(description="The reasons joined: “due tomorrow · unlocks 2 quests”.")


class TemplateObjectiveOut(Out):
    text: str
    kind: ObjectiveKind
    weight: Decimal
    habit: int | None = Field(description="Your own template's habit.")
    habit_name: str = Field(description="A ready-made template's habit, matched to yours by name (or a manual step).")
    target: int | None


class TemplateOut(Out):
    id: int
    slug: str
    title: str
    description: str
    category: str
    priority: int
    effort_minutes: int | None
    xp_reward: int
    mine: bool = Field(description="Your own (saved from a quest), or a ready-made one.")
    objectives: list[TemplateObjectiveOut]


# --- in -------------------------------------------------------------------------------------


class ObjectiveIn(Input):
    text: ObjectiveText
    kind: ObjectiveKind = "manual"
    weight: ObjectiveWeight = Field(Decimal(1), json_schema_extra={"default": 1})  # type: ignore[assignment]
    habit: Id | None = Field(None, description="For habit_count and habit_streak: one of your habits (404 if not).")
    target: Target | None = Field(None, description="For habit_count and habit_streak.")

    model_config = ConfigDict(extra="forbid", json_schema_extra=OBJECTIVE_SHAPES)

    @model_validator(mode="after")
    def _shape(self):
        if self.kind == "manual" and (self.habit is not None or self.target is not None):
            raise ValueError("A manual step takes no habit and no target.")
        if self.kind != "manual" and (self.habit is None or self.target is None):
            raise ValueError("Choose a habit and how many (target).")
        return self


class ObjectivePatchIn(ObjectiveIn):
    id: Id | None = Field(None, description="One of this quest's objectives (404 if not), kept with its progress "
                                            "unless its kind, habit or target changes; leave out for a new one.")


class QuestIn(Input):
    title: QuestTitle
    description: QuestDescription = Field("", description="Light formatting: **bold**, *italic*, `code`, "
                                                          "“- ” lists, https:// links.")
    category: CategoryName | None = Field(None, description=CATEGORY_DOC)
    priority: QuestPriority = Priority.MEDIUM  # type: ignore[assignment]
    due_date: Day | None = None
    due_time: TimeOfDay | None = Field(None, description=DUE_TIME_DOC)
    effort_minutes: Effort | None = None
    xp_reward: XPReward | None = Field(None, description=f"{XP_MIN} to {XP_MAX}; left out or null: suggested from "
                                                         "effort and priority.")
    status: NewStatus = "open"
    objectives: list[ObjectiveIn] = Field(default_factory=list, max_length=OBJECTIVES_MAX)

    model_config = ConfigDict(extra="forbid", json_schema_extra=DUE_TIME_NEEDS_DATE)

    @model_validator(mode="after")
    def _due(self):
        if self.due_time is not None and self.due_date is None:
            raise ValueError("A due time needs a due date.")
        return self


class QuestPatch(Input):
    """Only the fields sent change; `null` only where it means something (no category,
    no due date or time, no estimate, the suggested XP)."""

    title: QuestTitle = None  # type: ignore[assignment]
    description: QuestDescription = None  # type: ignore[assignment]
    category: CategoryName | None = Field(None, description=CATEGORY_DOC)
    priority: QuestPriority = None  # type: ignore[assignment]
    due_date: Day | None = Field(None, description="null clears the due time too.")
    due_time: TimeOfDay | None = Field(None, description=f"{DUE_TIME_DOC} (sent, or the quest's).")
    effort_minutes: Effort | None = None
    xp_reward: XPReward | None = Field(None, description=f"{XP_MIN} to {XP_MAX}; null: suggested from effort and "
                                                         "priority.")
    objectives: list[ObjectivePatchIn] = Field(  # type: ignore[assignment]
        None, max_length=OBJECTIVES_MAX, description="Replaces them all, in this order: send the ids of those to keep."
    )

    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"not": {"required": ["due_time"]}},
        {"properties": {"due_time": {"type": "null"}}},
        {"not": {"required": ["due_date"]}},
        {"properties": {"due_date": {"type": "string"}}},
    ]})

    @model_validator(mode="after")
    def _due(self):
        fields = self.model_fields_set
        if {"due_date", "due_time"} <= fields and self.due_date is None and self.due_time is not None:
            raise ValueError("A due time needs a due date.")
        return self


class ProgressIn(Input):
    objective: Id = Field(description="One of this quest's manual objectives (404 if not this quest's).")
    done: bool


class DependencyIn(Input):
    depends_on: Id = Field(description="Another of your quests (404 if not yours) that this one will wait for.")


class SaveTemplateIn(Input):
    quest: Id = Field(description="One of your quests (404 if not): saved as your own template.")


# --- models → data --------------------------------------------------------------------------


def ref(quest: Quest) -> dict:
    return {"id": quest.pk, "title": quest.title, "status": quest.status}


def objective_data(objective: Objective) -> dict:
    return {
        "id": objective.pk, "text": objective.text, "kind": objective.kind, "weight": objective.weight,
        "habit": objective.habit_id, "target": objective.target, "count": objective.count,
        "done": objective.done, "done_at": objective.done_at,
    }


def quest_data(quest: Quest, objectives: list[Objective], waiting_for: list[Quest]) -> dict:
    """A quest with its category loaded, its objectives, and the quests it waits for that
    are not done."""
    category = quest.category if quest.category_id else None
    return {
        "id": quest.pk,
        "title": quest.title,
        "description": quest.description,
        "description_html": str(formatting.render(quest.description)),
        "category": {"id": category.pk, "name": category.name} if category else None,
        "priority": quest.priority,
        "due_date": quest.due_date,
        "due_time": quest.due_time.strftime("%H:%M") if quest.due_time else None,
        "effort_minutes": quest.effort_minutes,
        "xp_reward": quest.xp_reward,
        "status": quest.status,
        "ready": quest.ready,
        "progress": 100 if quest.status == Quest.Status.DONE else progress.percent(objectives),
        "locked": bool(waiting_for) and not quest.is_finished,
        "waiting_for": [ref(other) for other in waiting_for],
        "objectives": [objective_data(objective) for objective in objectives],
        "activated_on": quest.activated_on,
        "completed_at": quest.completed_at,
        "completed_on": quest.completed_on,
        "created_at": quest.created_at,
        "updated_at": quest.updated_at,
    }


def template_data(template: QuestTemplate) -> dict:
    return {
        "id": template.pk, "slug": template.slug, "title": template.title, "description": template.description,
        "category": template.category_name, "priority": template.priority,
        "effort_minutes": template.effort_minutes, "xp_reward": template.xp_reward,
        "mine": template.user_id is not None,
        "objectives": [
            {"text": o.text, "kind": o.kind, "weight": o.weight, "habit": o.habit_id if template.user_id else None,
             "habit_name": o.habit_name, "target": o.target}
            for o in template.objectives.all()
        ],
    }
