"""/suggestions: what the app would change about a habit (docs/rules.md, adaptive
suggestions), from habits.services.suggestions_for."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from habits import services

from ..auth import user_of
from ..envelope import ok, responses
from ..queries import habit_for
from ..schemas import Suggestion

router = Router(tags=["suggestions"])


class AdaptiveSuggestions(Schema):
    habit: int
    suggestions: list[Suggestion]


@router.get(
    "/suggestions/habits/{int:habit_id}/adaptive",
    response=responses(AdaptiveSuggestions),
    summary="Adaptive suggestions for a habit",
)
def adaptive(request: HttpRequest, habit_id: int):
    """`lower_frequency` (failing more than half the time), `easier_difficulty`
    (consistency under 30%), `smaller_target` (a 7+ day streak broke this week)."""
    user = user_of(request)
    habit = habit_for(user, habit_id)
    suggestions = services.suggestions_for(habit, user.profile.local_today())
    return ok({"habit": habit.pk, "suggestions": [{"code": code, "message": text} for code, text in suggestions]})
