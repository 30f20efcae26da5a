from __future__ import annotations

from decimal import Decimal

import pytest

from archetypes import rules
from archetypes.models import Archetype, Condition, House, ProfileScore, Rule, Trait

pytestmark = pytest.mark.django_db
Op = Condition.Operator


@pytest.fixture
def world(empty_content):
    traits = {slug: Trait.objects.create(slug=slug, name=slug.title()) for slug in ("grit", "wonder")}
    house = House.objects.create(slug="h", name="H", motto="M", color="#123456", crest="c.svg")

    def archetype(slug, position, **profile):
        found = Archetype.objects.create(slug=slug, name=slug.title(), tagline="t", description="d",
                                         illustration=f"{slug}.svg", house=house, position=position)
        for trait_slug, target in profile.items():
            ProfileScore.objects.create(archetype=found, trait=traits[trait_slug], target=target)
        return found

    return traits, archetype


def _rule(name, archetype, position, *conditions, traits, active=True):
    rule = Rule.objects.create(name=name, archetype=archetype, position=position, active=active)
    for slug, operator, value, value_to in conditions:
        Condition.objects.create(rule=rule, trait=traits[slug], operator=operator, value=value, value_to=value_to)
    return rule


def _loaded():
    return list(Rule.objects.prefetch_related("conditions__trait"))


@pytest.mark.parametrize(("operator", "value", "value_to", "passing", "failing"), [
    (Op.GTE, 60, None, [60, 60.01, 100], [59.99, 0]),
    (Op.LTE, 60, None, [60, 0, 59.99], [60.01, 100]),
    (Op.GT, 60, None, [60.01, 100], [60, 0]),
    (Op.LT, 60, None, [59.99, 0], [60, 100]),
    (Op.BETWEEN, 40, 60, [40, 50, 60], [39.99, 60.01]),
])
def test_each_operator(world, operator, value, value_to, passing, failing):
    traits, archetype = world
    _rule("r", archetype("a", 0), 0, ("grit", operator, value, value_to), traits=traits)
    for score in passing:
        assert rules.match({"grit": score}, _loaded()) is not None, score
    for score in failing:
        assert rules.match({"grit": score}, _loaded()) is None, score


def test_all_conditions_must_hold_and_the_first_rule_by_position_wins(world):
    traits, archetype = world
    a, b = archetype("a", 0), archetype("b", 1)
    later = _rule("later", a, 5, ("grit", Op.GTE, 50, None), traits=traits)
    both = _rule("both", b, 2, ("grit", Op.GTE, 50, None), ("wonder", Op.LT, 30, None), traits=traits)
    assert rules.match({"grit": 70, "wonder": 10}, _loaded()) == both
    assert rules.match({"grit": 70, "wonder": 40}, _loaded()) == later
    assert rules.match({"grit": 40, "wonder": 10}, _loaded()) is None


def test_inactive_rules_and_rules_without_conditions_never_match(world):
    traits, archetype = world
    a = archetype("a", 0)
    _rule("off", a, 0, ("grit", Op.GTE, 0, None), traits=traits, active=False)
    _rule("empty", a, 1, traits=traits)
    assert rules.match({"grit": 70}, _loaded()) is None


def test_a_trait_missing_from_the_scores_counts_50(world):
    traits, archetype = world
    rule = _rule("mid", archetype("a", 0), 0, ("wonder", Op.BETWEEN, 50, 50), traits=traits)
    assert rules.match({"grit": 0}, _loaded()) == rule


def test_nearest_profile_with_missing_traits_at_50_and_ties_by_position(world):
    _traits, archetype = world
    far = archetype("far", 0, grit=0, wonder=0)
    high = archetype("high", 1, grit=90)  # wonder counts 50
    tie = archetype("tie", 2, grit=90, wonder=50)
    loaded = list(Archetype.objects.prefetch_related("profile__trait"))
    assert rules.nearest({"grit": 85, "wonder": 55}, loaded) == high  # tie at the same distance: earlier first
    assert rules.nearest({"grit": 5, "wonder": 5}, loaded) == far
    assert [found.slug for found in rules.ranked({"grit": 85, "wonder": 55}, loaded)] == ["high", "tie", "far"]
    assert rules.distance({"grit": 90}, {"grit": 90, "wonder": 50}) == 0
    assert tie.pk


def test_nearest_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        rules.nearest({"grit": 1}, [])


@pytest.mark.parametrize(("fields", "errors"), [
    ({"trait_slug": "grit", "operator": "gte", "value": Decimal(1), "value_to": None}, {}),
    ({"trait_slug": "grit", "operator": "between", "value": Decimal(1), "value_to": Decimal(1)}, {}),
    ({"trait_slug": "luck", "operator": "gte", "value": Decimal(1), "value_to": None},
     {"trait": ["Unknown trait: luck."]}),
    ({"trait_slug": None, "operator": "gte", "value": Decimal(1), "value_to": None}, {"trait": ["Choose a trait."]}),
    ({"trait_slug": "grit", "operator": "between", "value": Decimal(1), "value_to": None},
     {"value_to": ["'Between' needs an upper end."]}),
    ({"trait_slug": "grit", "operator": "between", "value": Decimal(60), "value_to": Decimal(40)},
     {"value_to": ["The upper end is below the lower: the range is empty."]}),
    ({"trait_slug": "grit", "operator": "lt", "value": Decimal(60), "value_to": Decimal(70)},
     {"value_to": ["An upper end is for 'between' only."]}),
    ({"trait_slug": "grit", "operator": "eq", "value": None, "value_to": None},
     {"operator": ["Choose an operator."], "value": ["Give a value from 0 to 100."]}),
])
def test_validate_condition(fields, errors):
    assert rules.validate_condition(**fields, known_traits=["grit", "wonder"]) == errors
