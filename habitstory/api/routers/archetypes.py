"""/quiz, /archetypes, /archetypes/assign, /users/me/archetype, /houses.

The quiz and the archetypes come from archetypes.content's cached reads (an hour; staff's
edits clear them), so reading them runs no query on the content. Assigning goes through
archetypes.services.assign, the one place the scoring, rules and confidence are applied."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.responses import Status

from archetypes import confidence, content, houses, services

from ..archetype_schemas import (
    ArchetypeOut,
    AssignIn,
    AssignmentOut,
    HouseOut,
    QuizOut,
    archetype_data,
    assignment_data,
    house_data,
    quiz_data,
    read_answers,
)
from ..auth import user_of
from ..envelope import ApiError, invalid, model_error_details, ok, responses

router = Router(tags=["archetypes"])

NO_ASSIGNMENT = "You have no archetype yet: take the quiz (GET /quiz, then POST /archetypes/assign)."


def _archetypes() -> list[dict]:
    slugs = content.quiz().trait_slugs
    return [archetype_data(archetype, slugs) for archetype in content.archetypes()]


@router.get("/quiz", response=responses(QuizOut), summary="The quiz")
def read_quiz(request: HttpRequest):
    """The active questions in order, each with its choices, the traits they score, and
    the quiz's version. Answer every question with one of its choices' ids in POST
    /archetypes/assign."""
    return ok(quiz_data(content.quiz()))


@router.get("/archetypes", response=responses(list[ArchetypeOut]), summary="List the archetypes")
def list_archetypes(request: HttpRequest):
    """Every archetype in order: its art, house, trait profile and starter plan."""
    return ok(_archetypes())


@router.get("/archetypes/{int:archetype_id}", response=responses(ArchetypeOut), summary="Read an archetype")
def read_archetype(request: HttpRequest, archetype_id: int):
    for archetype in content.archetypes():
        if archetype.pk == archetype_id:
            return ok(archetype_data(archetype, content.quiz().trait_slugs))
    raise Http404("No such archetype")


@router.post("/archetypes/assign", response=responses(AssignmentOut, 201, body=True),
             summary="Take the quiz: your archetype from your answers")
def assign_archetype(request: HttpRequest, payload: AssignIn):
    """Scores your answers (trait scores 0–100), gives the archetype of the first rule
    that matches them, or else the one whose profile is nearest, with how clearly the
    answers point at it (`confidence`). It becomes your active assignment (the earlier ones
    are kept as history) and, the first time, your house. Every active question must be
    answered with one of its own choices: anything else is a 400 `validation_error` naming
    each answer (`details["answers.<question_id>"]`)."""
    answers, errors = read_answers(payload.answers)
    if errors:
        raise invalid(errors)
    try:
        assignment = services.assign(user_of(request), answers)
    except ValidationError as error:
        raise invalid(getattr(error, "details", None) or model_error_details(error)) from None
    return Status(201, ok(assignment_data(assignment, confidence.describe(assignment))))


@router.get("/users/me/archetype", response=responses(AssignmentOut), summary="Your archetype")
def read_my_archetype(request: HttpRequest):
    """Your active assignment; a 404 `no_assignment` before you have taken the quiz."""
    assignment = services.current(user_of(request))
    if assignment is None:
        raise ApiError(404, NO_ASSIGNMENT, code="no_assignment")
    return ok(assignment_data(assignment, confidence.describe(assignment)))


@router.get("/houses", response=responses(list[HouseOut]), summary="The houses and this week's cup")
def list_houses(request: HttpRequest):
    """Every house with its crest, motto and members, ranked by this week's house cup: the
    XP its members earned this week, each member's week in their own time zone."""
    return ok([house_data(standing) for standing in houses.cup(now=timezone.now(), viewer=user_of(request))])
