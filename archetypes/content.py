"""Staff's content, read once and cached for an hour: the quiz, the archetypes (with their
profiles, houses and starter plans) and the rules. Admin clears the cache on every save
and delete; anything else that edits content must call clear() (docs/archetypes.md)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Prefetch

from . import scoring
from .models import (
    Archetype, Choice, ChoiceWeight, Condition, ProfileScore, Question, Rule, StarterHabit, StarterQuest, Trait,
)

TIMEOUT = 60 * 60
QUIZ_KEY, ARCHETYPES_KEY, RULES_KEY = "archetypes:v1:quiz", "archetypes:v1:archetypes", "archetypes:v1:rules"


@dataclass(frozen=True)
class Quiz:
    """The active questions in order (each with its choices prefetched), every trait, the
    choices' weights (choice id → trait slug → weight) and the quiz's version digest."""

    questions: list[Question]
    traits: list[Trait]
    weights: dict[int, dict[str, float]] = field(default_factory=dict)
    version: str = ""

    @property
    def trait_slugs(self) -> list[str]:
        return [trait.slug for trait in self.traits]

    def question(self, question_id: int) -> Question | None:
        return next((question for question in self.questions if question.pk == question_id), None)

    def choice_ids(self, question: Question) -> list[int]:
        return [choice.pk for choice in question.choices.all()]


def quiz() -> Quiz:
    found = cache.get(QUIZ_KEY)
    if found is None:
        found = _read_quiz()
        cache.set(QUIZ_KEY, found, TIMEOUT)
    return found


def archetypes() -> list[Archetype]:
    """Every archetype in order, with `house`, `profile` (each row's trait), and the
    starter plan's active templates (`starter_habits`, `starter_quests`) prefetched."""
    found = cache.get(ARCHETYPES_KEY)
    if found is None:
        found = list(
            Archetype.objects.select_related("house").prefetch_related(
                Prefetch("profile", queryset=ProfileScore.objects.select_related("trait")),
                Prefetch("starter_habits", queryset=StarterHabit.objects.filter(template__active=True)
                         .select_related("template")),
                Prefetch("starter_quests", queryset=StarterQuest.objects.filter(
                    template__active=True, template__user__isnull=True).select_related("template")),
            )
        )
        cache.set(ARCHETYPES_KEY, found, TIMEOUT)
    return found


def rules() -> list[Rule]:
    """The active rules in order, with their conditions (and each condition's trait)."""
    found = cache.get(RULES_KEY)
    if found is None:
        found = list(
            Rule.objects.filter(active=True).prefetch_related(
                Prefetch("conditions", queryset=Condition.objects.select_related("trait"))
            )
        )
        cache.set(RULES_KEY, found, TIMEOUT)
    return found


def clear() -> None:
    """Forget the cached content (after staff edit it)."""
    cache.delete_many([QUIZ_KEY, ARCHETYPES_KEY, RULES_KEY])


def _read_quiz() -> Quiz:
    asked = Question.objects.filter(active=True).prefetch_related(
        Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
    )
    questions = [question for question in asked if question.choices.all()]  # one without choices is not asked
    traits = list(Trait.objects.all())
    weights: dict[int, dict[str, float]] = {}
    rows = ChoiceWeight.objects.filter(choice__question__active=True).values_list(
        "choice_id", "trait__slug", "weight"
    )
    for choice_id, slug, weight in rows:
        weights.setdefault(choice_id, {})[slug] = float(weight)
    shape = [
        (question.pk, choice.pk, tuple(sorted(weights.get(choice.pk, {}).items())))
        for question in questions for choice in question.choices.all()
    ]
    return Quiz(questions=questions, traits=traits, weights=weights, version=scoring.version(shape))
