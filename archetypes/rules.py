"""The rule engine and the nearest profile (docs/archetypes.md, "Rules").

Rules are data: each an ordered list of conditions on trait scores (≥ ≤ > < between), all
of which must hold. The first active rule, by position, that matches wins; when none
does, the archetype whose profile is nearest (Euclidean distance over the traits, a trait
missing from a profile or from the scores counting 50) is chosen, ties going to the
earlier archetype."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from decimal import Decimal

from .models import Archetype, Condition, Rule
from .scoring import NEUTRAL

Op = Condition.Operator


def holds(operator: str, score: float, value: float, value_to: float | None = None) -> bool:
    """Whether a score passes one condition."""
    if operator == Op.GTE:
        return score >= value
    if operator == Op.LTE:
        return score <= value
    if operator == Op.GT:
        return score > value
    if operator == Op.LT:
        return score < value
    if operator == Op.BETWEEN:
        return value_to is not None and value <= score <= value_to
    return False  # an unknown operator never holds


def matches(rule: Rule, scores: Mapping[str, float]) -> bool:
    """All the rule's conditions hold (a rule without conditions never matches)."""
    conditions = list(rule.conditions.all())
    return bool(conditions) and all(
        holds(condition.operator, scores.get(condition.trait.slug, NEUTRAL), float(condition.value),
              None if condition.value_to is None else float(condition.value_to))
        for condition in conditions
    )


def match(scores: Mapping[str, float], rules: Iterable[Rule]) -> Rule | None:
    """The first active rule, by position, whose conditions all hold."""
    for rule in sorted((rule for rule in rules if rule.active), key=lambda rule: (rule.position, rule.pk or 0)):
        if matches(rule, scores):
            return rule
    return None


def profile_of(archetype: Archetype) -> dict[str, float]:
    """The archetype's profile as trait slug → target."""
    return {row.trait.slug: float(row.target) for row in archetype.profile.all()}


def distance(scores: Mapping[str, float], profile: Mapping[str, float]) -> float:
    """Euclidean distance in score units; a trait missing on either side counts 50."""
    slugs = set(scores) | set(profile)
    return math.sqrt(sum((scores.get(slug, NEUTRAL) - profile.get(slug, NEUTRAL)) ** 2 for slug in slugs))


def ranked(scores: Mapping[str, float], archetypes: Iterable[Archetype]) -> list[Archetype]:
    """The archetypes nearest first (ties by position, then id)."""
    return sorted(archetypes, key=lambda archetype: (
        distance(scores, profile_of(archetype)), archetype.position, archetype.pk or 0,
    ))


def nearest(scores: Mapping[str, float], archetypes: Iterable[Archetype]) -> Archetype:
    found = ranked(scores, archetypes)
    if not found:
        raise ValueError("There are no archetypes to choose from.")
    return found[0]


def validate_condition(*, trait_slug: str | None, operator: str | None, value: Decimal | float | None,
                       value_to: Decimal | float | None,
                       known_traits: Iterable[str] | None = None) -> dict[str, list[str]]:
    """A condition's mistakes by field name (empty when it is fine): an unknown trait or
    operator, a missing value, 'between' without an upper end or with one below the
    lower, an upper end given for another operator. Used by the admin's condition form."""
    errors: dict[str, list[str]] = {}
    if not trait_slug:
        errors["trait"] = ["Choose a trait."]
    elif known_traits is not None and trait_slug not in set(known_traits):
        errors["trait"] = [f"Unknown trait: {trait_slug}."]
    if operator not in Op.values:
        errors["operator"] = ["Choose an operator."]
    if value is None:
        errors["value"] = ["Give a value from 0 to 100."]
    if operator == Op.BETWEEN:
        if value_to is None:
            errors["value_to"] = ["'Between' needs an upper end."]
        elif value is not None and Decimal(str(value_to)) < Decimal(str(value)):
            errors["value_to"] = ["The upper end is below the lower: the range is empty."]
    elif value_to is not None and operator in Op.values:
        errors["value_to"] = ["An upper end is for 'between' only."]
    return errors
