"""The API's shapes for the quiz, archetypes, assignments and houses, and the reading of an
assign request's answers (question id → choice id, as digits or whole numbers)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from django.contrib.staticfiles.storage import staticfiles_storage
from django.templatetags.static import static
from ninja import Field
from pydantic import ConfigDict

from archetypes.models import Archetype, Assignment, House

from .envelope import Out
from .schemas import Input

ANSWERS_MAX = 100
ID_MAX = 10**18 - 1  # 18 digits, well inside a bigint
ID_PATTERN = r"^[1-9][0-9]{0,17}$"
NEAREST = "nearest profile"
NEUTRAL = 50.0  # a trait a profile sets no target for (archetypes.rules)

Source = Literal[tuple(Assignment.Source.values)]  # type: ignore[valid-type]
ScheduleKind = Literal["daily", "weekdays", "per_week", "every_n_days"]
HabitKind = Literal["yes_no", "at_least", "at_most"]
Difficulty = Literal["easy", "medium", "hard"]
Score = Annotated[float, Field(ge=0, le=100)]

ID_ERROR = "Send a choice's id: a whole number from 1, or its digits as a string."
KEY_ERROR = "A question's id: its digits, from 1."
ANSWERS_SCHEMA = {
    "type": "object",
    "maxProperties": ANSWERS_MAX,
    "propertyNames": {"pattern": ID_PATTERN},
    "additionalProperties": {
        "anyOf": [
            {"type": "integer", "minimum": 1, "maximum": ID_MAX},
            {"type": "string", "pattern": ID_PATTERN},
        ]
    },
    "description": (
        "Question id → choice id, from GET /quiz: every active question answered once, with one of its own "
        f"choices. Ids as whole numbers or as strings of digits (from 1, up to 18 digits); at most {ANSWERS_MAX}. "
        "A missing answer, an unknown question or choice, or a choice of another question is a 400 naming "
        "`answers.<question_id>`."
    ),
}


# --- out ------------------------------------------------------------------------------------


class TraitOut(Out):
    slug: str
    name: str
    description: str


class ChoiceOut(Out):
    id: int
    text: str


class QuestionOut(Out):
    id: int
    text: str
    choices: list[ChoiceOut]


class QuizOut(Out):
    version: str = Field(description="A digest of the active questions, choices and weights: it changes when "
                                     "staff edit the quiz, and an assignment records the one it was scored on.")
    traits: list[TraitOut]
    questions: list[QuestionOut] = Field(description="The active questions in order, each answered by one choice.")


class HouseRef(Out):
    id: int
    slug: str
    name: str
    motto: str
    color: str = Field(description="#rrggbb.")
    crest_url: str = Field(description="The crest, a static SVG.")


class StarterSchedule(Out):
    kind: ScheduleKind
    days: list[int] = Field(description="weekdays: 0 = Monday … 6 = Sunday (empty for the other kinds).")
    times: int | None = Field(description="per_week: how many times a week.")
    n: int | None = Field(description="every_n_days: every how many days.")


class StarterHabitOut(Out):
    slug: str = Field(description="The habit template's slug.")
    name: str
    pillar: str = Field(description="The pillar it goes into (yours of that name, made when missing).")
    why: str
    schedule: StarterSchedule
    type: HabitKind
    target: float | None = Field(description="For at_least and at_most.")
    unit: str
    difficulty: Difficulty
    checked: bool = Field(description="Offered ticked.")


class StarterQuestOut(Out):
    slug: str = Field(description="The quest template's slug (POST /quests/from-template/{slug}).")
    title: str
    description: str
    xp_reward: int
    effort_minutes: int | None
    checked: bool = Field(description="Offered ticked.")


class StarterPlanOut(Out):
    habits: list[StarterHabitOut]
    quests: list[StarterQuestOut]


class ArchetypeOut(Out):
    id: int
    slug: str
    name: str
    tagline: str
    description: str
    illustration_url: str = Field(description="Its art, a static SVG.")
    house: HouseRef
    profile: dict[str, Score] = Field(description="Trait slug → the archetype's target score, 0–100 (every "
                                                  "trait: one it sets no target for counts, and is given as, 50).")
    starter_plan: StarterPlanOut


class ArchetypeRef(Out):
    id: int
    slug: str
    name: str
    tagline: str
    illustration_url: str


class AssignmentOut(Out):
    id: int
    archetype: ArchetypeRef
    house: HouseRef
    confidence: float = Field(ge=0, le=1, description="0–1: how clearly the answers point at this archetype.")
    confidence_text: str = Field(description="The confidence in words: “a clear Sage”, “part Sage, part Ranger”.")
    traits: dict[str, Score] = Field(description="Trait slug → your score, 0–100.")
    source: Source = Field(  # type: ignore[valid-type]
        description="rule (a rule matched), nearest (no rule did: the nearest profile) or staff (assigned by hand)."
    )
    matched_rule: str = Field(description=f"The rule's name, or “{NEAREST}”; empty when staff assigned it.")
    quiz_version: str = Field(description="The quiz version it was scored on (GET /quiz).")
    created_at: dt.datetime


class CupOut(Out):
    rank: int = Field(description="1 for the most XP this week (equal XP, equal rank).")
    xp: int = Field(description="XP earned this week by the house's members, each in their own week.")


class HouseOut(HouseRef):
    description: str
    members: int
    cup: CupOut
    yours: bool = Field(description="The house you belong to.")


# --- in -------------------------------------------------------------------------------------


class AssignIn(Input):
    answers: dict[str, Any] = Field(json_schema_extra=ANSWERS_SCHEMA)

    model_config = ConfigDict(extra="forbid")


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        return value if 1 <= value <= ID_MAX else None
    if isinstance(value, str) and re.fullmatch(ID_PATTERN, value):
        return int(value)
    return None


def read_answers(answers: dict[str, Any]) -> tuple[dict[int, int], dict[str, list[str]]]:
    """The answers as question id → choice id, and the entries that are not ids at all
    (details keyed `answers.<key>`): what ANSWERS_SCHEMA states, checked."""
    if len(answers) > ANSWERS_MAX:
        return {}, {"answers": [f"Send at most {ANSWERS_MAX} answers."]}
    read: dict[int, int] = {}
    errors: dict[str, list[str]] = {}
    for key, value in answers.items():
        question = int(key) if re.fullmatch(ID_PATTERN, key) else None
        choice = _as_id(value)
        if question is None:
            errors[f"answers.{key[:40]}"] = [KEY_ERROR]
        elif choice is None:
            errors[f"answers.{key}"] = [ID_ERROR]
        else:
            read[question] = choice
    return read, errors


# --- models → data --------------------------------------------------------------------------


def static_url(path: str) -> str:
    """A static file's URL; a path staff typed that the manifest lacks still gives one
    (it 404s) rather than a server error."""
    try:
        return static(path)
    except ValueError:
        return staticfiles_storage.base_url + path.lstrip("/")


def quiz_data(quiz) -> dict:
    """archetypes.content.Quiz as data (what is asked, never the weights)."""
    return {
        "version": quiz.version,
        "traits": [{"slug": t.slug, "name": t.name, "description": t.description} for t in quiz.traits],
        "questions": [
            {"id": q.pk, "text": q.text, "choices": [{"id": c.pk, "text": c.text} for c in q.choices.all()]}
            for q in quiz.questions
        ],
    }


def house_ref(house: House) -> dict:
    return {"id": house.pk, "slug": house.slug, "name": house.name, "motto": house.motto, "color": house.color,
            "crest_url": static_url(house.crest)}


def archetype_ref(archetype: Archetype) -> dict:
    return {"id": archetype.pk, "slug": archetype.slug, "name": archetype.name, "tagline": archetype.tagline,
            "illustration_url": static_url(archetype.illustration)}


def _starter_habit(starter) -> dict:
    template = starter.template
    return {
        "slug": template.slug, "name": template.name, "pillar": template.pillar_name, "why": template.why,
        "schedule": {
            "kind": template.schedule,
            "days": list(template.weekdays or []) if template.schedule == "weekdays" else [],
            "times": template.times_per_week if template.schedule == "per_week" else None,
            "n": template.every_n_days if template.schedule == "every_n_days" else None,
        },
        "type": template.kind,
        "target": float(template.target_value) if template.target_value is not None and template.kind != "yes_no"
        else None,
        "unit": template.unit, "difficulty": template.difficulty, "checked": starter.checked,
    }


def _starter_quest(starter) -> dict:
    template = starter.template
    return {"slug": template.slug, "title": template.title, "description": template.description,
            "xp_reward": template.xp_reward, "effort_minutes": template.effort_minutes, "checked": starter.checked}


def archetype_data(archetype: Archetype, trait_slugs: list[str]) -> dict:
    """An archetype as archetypes.content.archetypes() gives it (house, profile and starter
    plan loaded: no query here). `trait_slugs`: every trait, a profile lacking one
    counting it 50."""
    targets = {row.trait.slug: float(row.target) for row in archetype.profile.all()}
    return {
        **archetype_ref(archetype),
        "description": archetype.description,
        "house": house_ref(archetype.house),
        "profile": {slug: targets.get(slug, NEUTRAL) for slug in trait_slugs} | targets,
        "starter_plan": {
            "habits": [_starter_habit(starter) for starter in archetype.starter_habits.all()],
            "quests": [_starter_quest(starter) for starter in archetype.starter_quests.all()],
        },
    }


def assignment_data(assignment: Assignment, confidence_text: str) -> dict:
    """An assignment with its archetype and house loaded."""
    if assignment.source == Assignment.Source.NEAREST:
        matched = NEAREST
    else:
        matched = assignment.rule_name
    return {
        "id": assignment.pk,
        "archetype": archetype_ref(assignment.archetype),
        "house": house_ref(assignment.house),
        "confidence": assignment.confidence,
        "confidence_text": confidence_text,
        "traits": {slug: float(score) for slug, score in assignment.traits.items()},
        "source": assignment.source,
        "matched_rule": matched,
        "quiz_version": assignment.quiz_version,
        "created_at": assignment.created_at,
    }


def house_data(standing) -> dict:
    """A house's standing in this week's cup (archetypes.houses.Standing, for the viewer)."""
    house = standing.house
    return {**house_ref(house), "description": house.description, "members": standing.members,
            "cup": {"rank": standing.rank, "xp": standing.xp}, "yours": standing.yours}
