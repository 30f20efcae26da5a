from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from archetypes import confidence, content, rules
from archetypes.models import Archetype, Assignment

SLUGS = ["discipline", "curiosity", "vitality", "sociability", "creativity"]
score = st.floats(min_value=0, max_value=100, allow_nan=False)
profile = st.fixed_dictionaries({slug: score for slug in SLUGS})
profiles = st.lists(profile, min_size=2, max_size=8).map(lambda found: dict(enumerate(found, start=1)))


def _min_gap(found: dict) -> float:
    return min(rules.distance(a, b) for a, b in itertools.combinations(found.values(), 2))


@settings(max_examples=300, deadline=None)
@given(profiles, st.data())
def test_scores_equal_to_a_well_separated_profile_give_at_least_0_9(found, data):
    assume(_min_gap(found) >= confidence.TEMPERATURE * math.log(9 * (len(found) - 1)))
    chosen = data.draw(st.sampled_from(sorted(found)))
    assert confidence.confidence(found[chosen], found, chosen) >= 0.9


@settings(max_examples=300, deadline=None)
@given(profiles)
def test_scores_halfway_between_two_profiles_give_at_most_0_55(found):
    first, second = found[1], found[2]
    halfway = {slug: (first[slug] + second[slug]) / 2 for slug in SLUGS}
    assert confidence.confidence(halfway, found, 1) <= 0.55
    assert confidence.confidence(halfway, found, 2) <= 0.55


@settings(max_examples=300, deadline=None)
@given(profiles, profile, st.data())
def test_it_never_leaves_0_1(found, scores, data):
    chosen = data.draw(st.sampled_from(sorted(found)))
    value = confidence.confidence(scores, found, chosen)
    assert 0.0 <= value <= 1.0
    assert math.isfinite(value)


def test_the_shares_add_up_to_one_and_far_scores_do_not_underflow():
    found = {1: {"a": 0.0}, 2: {"a": 100.0}, 3: {"a": 50.0}}
    assert sum(confidence.confidence({"a": 0.0}, found, n) for n in found) == pytest.approx(1.0)
    assert confidence.confidence({"a": 0.0}, {1: {"a": 100.0}}, 1) == 1.0
    assert confidence.confidence({"a": 0.0}, found, 9) == 0.0


@pytest.mark.django_db
def test_describe_says_clear_or_names_the_next_nearest():
    archetypes = {archetype.slug: archetype for archetype in content.archetypes()}
    sage, ranger = archetypes["sage"], archetypes["ranger"]
    sage_profile, ranger_profile = rules.profile_of(sage), rules.profile_of(ranger)
    clear = Assignment(archetype=sage, confidence=0.95, traits=sage_profile)
    assert confidence.describe(clear) == "a clear Sage"
    between = {slug: (sage_profile[slug] + ranger_profile[slug]) / 2 for slug in sage_profile}
    profiles = {archetype.pk: rules.profile_of(archetype) for archetype in archetypes.values()}
    mixed = Assignment(archetype=sage, confidence=confidence.confidence(between, profiles, sage.pk), traits=between)
    assert mixed.confidence <= 0.55
    assert confidence.describe(mixed) == "part Sage, part Ranger"
    by_staff = Assignment(archetype=Archetype(name="Bard"), confidence=0.2, traits={})
    assert confidence.describe(by_staff) == "a clear Bard"
