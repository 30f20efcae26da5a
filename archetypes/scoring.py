"""Trait scores from quiz answers (docs/archetypes.md, "Trait scores").

A trait's score is the sum of the weights of the chosen choices, scaled to 0-100 by the
lowest and highest sums that trait can reach in the current quiz: for each active
question the lowest (highest) weight any of its choices gives the trait, a choice without
a weight for it giving 0, summed over the questions. A trait that no choice can move
scores 50. So a quiz edited in admin still gives comparable scores."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the Quiz type only (content imports this module)
    from .content import Quiz

NEUTRAL = 50.0


def trait_range(quiz: Quiz, slug: str) -> tuple[float, float]:
    """The lowest and highest sums of weights the trait can reach over the active quiz."""
    low = high = 0.0
    for question in quiz.questions:
        weights = [quiz.weights.get(choice.pk, {}).get(slug, 0.0) for choice in question.choices.all()]
        if weights:
            low += min(weights)
            high += max(weights)
    return low, high


def scale(raw: float, low: float, high: float) -> float:
    """`raw` placed between `low` (0) and `high` (100); 50 when the two are equal."""
    if high <= low:
        return NEUTRAL
    return round(min(100.0, max(0.0, 100.0 * (raw - low) / (high - low))), 2)


def scores(answers: Mapping[int, int], quiz: Quiz) -> dict[str, float]:
    """Each trait's score (slug → 0-100) for answers given as question id → choice id;
    every active question must be answered (archetypes.services checks it)."""
    chosen = [answers[question.pk] for question in quiz.questions]
    result = {}
    for slug in quiz.trait_slugs:
        low, high = trait_range(quiz, slug)
        raw = sum(quiz.weights.get(choice_id, {}).get(slug, 0.0) for choice_id in chosen)
        result[slug] = scale(raw, low, high)
    return result


def version(rows: Iterable[tuple]) -> str:
    """A short digest of the quiz as asked: the active questions, their choices and the
    choices' weights (rows of plain values, in a stable order)."""
    digest = hashlib.sha256(repr(sorted(rows)).encode()).hexdigest()
    return digest[:12]
