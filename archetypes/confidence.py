"""How clearly the scores point at the chosen archetype (docs/archetypes.md, "Confidence").

    confidence = exp(-d_chosen / T) / Σ_a exp(-d_a / T)

a softmax over the negative distances d_a (archetypes.rules.distance) from the scores to
every archetype's profile, with a fixed temperature T in score units. Scores equal to a
profile with every other profile at least T·ln(9·(n−1)) away give ≥ 0.9; scores halfway
between two profiles give each of them ≤ 0.5; it is always within [0, 1]."""

from __future__ import annotations

import math
from collections.abc import Mapping

from . import content
from .models import Assignment
from .rules import distance, profile_of

TEMPERATURE = 8.0  # score units
CLEAR = 0.75  # from here on, "a clear Sage"


def confidence(scores: Mapping[str, float], profiles: Mapping[int, Mapping[str, float]], chosen_id: int) -> float:
    """The chosen archetype's share of the softmax over the profiles (0 when it has no
    profile among them; 1 when it is the only one)."""
    if chosen_id not in profiles:
        return 0.0
    distances = {archetype_id: distance(scores, profile) for archetype_id, profile in profiles.items()}
    nearest = min(distances.values())
    # Shifted by the nearest distance so exp never underflows to 0/0.
    weights = {archetype_id: math.exp(-(d - nearest) / TEMPERATURE) for archetype_id, d in distances.items()}
    share = weights[chosen_id] / sum(weights.values())
    return min(1.0, max(0.0, share))


def describe(assignment: Assignment) -> str:
    """'a clear Sage' when the confidence is at least CLEAR (or staff chose it without
    scores), else 'part Sage, part Ranger', naming the next nearest archetype."""
    name = assignment.archetype.name
    if assignment.confidence >= CLEAR or not assignment.traits:
        return f"a clear {name}"
    others = [archetype for archetype in content.archetypes() if archetype.pk != assignment.archetype_id]
    if not others:
        return f"a clear {name}"
    runner_up = min(others, key=lambda archetype: (
        distance(assignment.traits, profile_of(archetype)), archetype.position, archetype.pk,
    ))
    return f"part {name}, part {runner_up.name}"
