from __future__ import annotations

import itertools
import math

import pytest
from django.apps import apps as django_apps

from archetypes import confidence, content, rules, services
from archetypes.models import Archetype, Assignment, House, Question, Rule, Trait

from .conftest import SEED, canonical_answers

SLUGS = [row[0] for row in SEED.ARCHETYPES]
pytestmark = pytest.mark.django_db


def test_it_seeds_five_traits_and_fourteen_questions_of_three_to_five_choices():
    assert list(Trait.objects.values_list("slug", flat=True)) == [
        "discipline", "curiosity", "vitality", "sociability", "creativity",
    ]
    quiz = content.quiz()
    assert 12 <= len(quiz.questions) <= 16
    assert all(3 <= len(question.choices.all()) <= 5 for question in quiz.questions)


def test_it_seeds_four_houses_with_crests():
    houses = list(House.objects.all())
    assert [house.slug for house in houses] == ["ember", "tide", "grove", "summit"]
    assert [house.crest for house in houses] == [f"archetypes/crests/{house.slug}.svg" for house in houses]


def _luminance(color: str) -> float:
    channels = [int(color[n:n + 2], 16) / 255 for n in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("slug", ["ember", "tide", "grove", "summit"])
def test_it_gives_each_house_a_colour_white_text_reads_on(slug):
    color = House.objects.get(slug=slug).color
    assert (1.05) / (_luminance(color) + 0.05) >= 4.5


def test_it_seeds_eight_archetypes_two_per_house_with_art_and_a_full_plan():
    archetypes = content.archetypes()
    assert [archetype.slug for archetype in archetypes] == SLUGS
    assert len(SLUGS) == 8
    for archetype in archetypes:
        assert archetype.illustration == f"archetypes/art/{archetype.slug}.svg"
        assert 3 <= len(archetype.starter_habits.all()) <= 4, archetype.slug
        assert 1 <= len(archetype.starter_quests.all()) <= 2, archetype.slug
        assert set(rules.profile_of(archetype)) == set(content.quiz().trait_slugs)
    per_house = [sum(1 for archetype in archetypes if archetype.house.slug == slug)
                 for slug in ("ember", "tide", "grove", "summit")]
    assert per_house == [2, 2, 2, 2]


def test_every_planned_template_slug_exists():
    for _slug, _name, _house, _tagline, _text, _answers, habits, quests in SEED.ARCHETYPES:
        assert django_apps.get_model("habits", "HabitTemplate").objects.filter(slug__in=habits).count() == len(habits)
        assert django_apps.get_model("quests", "QuestTemplate").objects.filter(
            slug__in=quests, user__isnull=True).count() == len(quests)


def test_profiles_are_far_enough_apart_for_a_clear_result():
    profiles = [rules.profile_of(archetype) for archetype in content.archetypes()]
    needed = confidence.TEMPERATURE * math.log(9 * (len(profiles) - 1))
    assert min(rules.distance(a, b) for a, b in itertools.combinations(profiles, 2)) >= needed


def test_halfway_between_any_two_profiles_no_archetype_is_clear():
    """No third profile sits nearer to two profiles' midpoint than they do, so scores
    halfway between any two give every archetype at most 0.55."""
    archetypes = content.archetypes()
    profiles = {archetype.pk: rules.profile_of(archetype) for archetype in archetypes}
    for first, second in itertools.combinations(profiles.values(), 2):
        halfway = {slug: (first[slug] + second[slug]) / 2 for slug in first}
        assert max(confidence.confidence(halfway, profiles, pk) for pk in profiles) <= 0.55


@pytest.mark.parametrize("slug", SLUGS)
def test_each_archetypes_canonical_answers_assign_it_clearly(slug, owner):
    assignment = services.assign(owner, canonical_answers(slug))
    archetype = Archetype.objects.get(slug=slug)
    assert assignment.archetype == archetype
    assert assignment.confidence >= 0.9
    assert assignment.traits == rules.profile_of(next(a for a in content.archetypes() if a.slug == slug))
    assert confidence.describe(assignment) == f"a clear {archetype.name}"


def test_the_healer_is_found_by_the_nearest_profile_and_the_others_by_their_rule(owner):
    for slug in SLUGS:
        assignment = services.assign(owner, canonical_answers(slug))
        expected = Assignment.Source.NEAREST if slug == "healer" else Assignment.Source.RULE
        assert assignment.source == expected, slug


def test_running_the_seed_again_keeps_staffs_edits_and_adds_nothing():
    House.objects.filter(slug="ember").update(motto="Staff's motto")
    Question.objects.filter(position=0).update(active=False)
    counts = [model.objects.count() for model in (Trait, Question, House, Archetype, Rule)]
    SEED.add(django_apps, None)
    assert [model.objects.count() for model in (Trait, Question, House, Archetype, Rule)] == counts
    assert House.objects.get(slug="ember").motto == "Staff's motto"
    assert not Question.objects.get(position=0).active


def test_reversing_removes_the_seed_but_keeps_archetypes_users_hold(owner):
    services.assign(owner, canonical_answers("sage"))
    SEED.remove(django_apps, None)
    assert list(Archetype.objects.values_list("slug", flat=True)) == ["sage"]
    assert list(House.objects.values_list("slug", flat=True)) == ["grove"]
    assert not Question.objects.exists() and not Rule.objects.exists() and not Trait.objects.exists()
    SEED.add(django_apps, None)
    assert Archetype.objects.count() == 8 and Question.objects.count() == 14 and Rule.objects.count() == 7


def test_content_is_read_once_then_cached_until_cleared(django_assert_num_queries):
    content.quiz(), content.archetypes(), content.rules()
    with django_assert_num_queries(0):
        assert len(content.quiz().questions) == 14
        content.archetypes(), content.rules()
    Question.objects.create(text="A new one?", position=99)  # no choices: never asked
    question = Question.objects.create(text="Another?", position=98)
    question.choices.create(text="Yes")
    assert len(content.quiz().questions) == 14
    version = content.quiz().version
    content.clear()
    assert len(content.quiz().questions) == 15
    assert content.quiz().version != version
