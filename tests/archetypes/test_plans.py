from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from archetypes import plans, services
from archetypes.models import Archetype, StarterHabit
from habits.models import Habit, HabitTemplate
from habits.services import delete_habit
from quests.models import Quest

from .conftest import TODAY, canonical_answers

pytestmark = pytest.mark.django_db


def _accept_all(user, archetype, **extra):
    plan = plans.starter_plan(archetype)
    return plans.accept(user, archetype, habit_ids=[item.pk for item in plan.habits],
                        quest_ids=[item.pk for item in plan.quests], today=TODAY, **extra)


def test_it_lists_the_plan_in_order_with_its_templates(django_assert_max_num_queries):
    sage = Archetype.objects.get(slug="sage")
    plan = plans.starter_plan(sage)
    assert [item.template.slug for item in plan.habits] == ["read-20-pages", "journal", "learn-a-language", "meditate"]
    assert [item.template.slug for item in plan.quests] == ["finish-a-book", "calm-week"]
    with django_assert_max_num_queries(0):  # cached content
        plans.starter_plan(sage)


def test_it_leaves_out_inactive_templates():
    HabitTemplate.objects.filter(slug="journal").update(active=False)
    sage = Archetype.objects.get(slug="sage")
    assert "journal" not in [item.template.slug for item in plans.starter_plan(sage).habits]


def test_it_makes_the_chosen_habits_in_their_pillars_and_the_quests(owner):
    sage = Archetype.objects.get(slug="sage")
    accepted = _accept_all(owner, sage)
    assert [habit.name for habit in accepted.habits] == ["Read", "Journal", "Learn a language", "Meditate"]
    assert {habit.pillar.name for habit in accepted.habits} == {"Mind"}
    assert [quest.title for quest in accepted.quests] == ["Finish a book", "A calm week"]
    assert accepted.already == []
    # the quests' habit-fed objectives found the habits just made
    calm = Quest.objects.get(user=owner, template__slug="calm-week")
    assert calm.objectives.filter(habit__name="Meditate").exists()


def test_accepting_twice_or_after_another_archetype_never_duplicates(owner):
    sage, stoic = Archetype.objects.get(slug="sage"), Archetype.objects.get(slug="stoic")
    _accept_all(owner, sage)
    again = _accept_all(owner, sage)
    assert again.habits == [] and again.quests == []
    assert len(again.already) == 6
    services.assign(owner, canonical_answers("stoic"))
    other = _accept_all(owner, stoic)
    assert "Meditate" in other.already and "A calm week" in other.already
    assert Habit.objects.filter(user=owner, template__slug="meditate").count() == 1
    assert Quest.objects.filter(user=owner, template__slug="calm-week").count() == 1


def test_a_deleted_habit_from_the_template_may_be_made_again(owner):
    sage = Archetype.objects.get(slug="sage")
    first = _accept_all(owner, sage).habits[0]
    delete_habit(first)
    item = StarterHabit.objects.get(archetype=sage, template=first.template)
    accepted = plans.accept(owner, sage, habit_ids=[item.pk], quest_ids=[], today=TODAY)
    assert len(accepted.habits) == 1


def test_only_the_chosen_items_are_made(owner):
    sage = Archetype.objects.get(slug="sage")
    plan = plans.starter_plan(sage)
    accepted = plans.accept(owner, sage, habit_ids=[str(plan.habits[1].pk)], quest_ids=[], today=TODAY)
    assert [habit.name for habit in accepted.habits] == ["Journal"]
    assert not Quest.objects.filter(user=owner).exists()


def test_ids_not_in_the_plan_are_refused_by_name_and_nothing_is_made(owner):
    sage, stoic = Archetype.objects.get(slug="sage"), Archetype.objects.get(slug="stoic")
    foreign = plans.starter_plan(stoic).habits[0].pk
    with pytest.raises(ValidationError) as caught:
        plans.accept(owner, sage, habit_ids=[plans.starter_plan(sage).habits[0].pk, foreign, "x"],
                     quest_ids=[999999], today=TODAY)
    assert caught.value.message_dict == {
        "habit_ids": [f"Not in the Sage's starter plan: {foreign}, x."],
        "quest_ids": ["Not in the Sage's starter plan: 999999."],
    }
    assert not Habit.objects.filter(user=owner).exists()


def test_a_failure_half_way_makes_nothing(owner, monkeypatch):
    sage = Archetype.objects.get(slug="sage")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(plans.templates_, "from_template", broken)
    with pytest.raises(RuntimeError):
        _accept_all(owner, sage)
    assert not Habit.objects.filter(user=owner).exists()
