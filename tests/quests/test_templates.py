"""Templates: staff's active ones and the user's own; a quest made from one (a staff
template's habit by name, else a manual step); a quest saved as the user's template."""

from __future__ import annotations

from decimal import Decimal

import pytest

from habits.services import delete_habit
from quests import templates_
from quests.models import Quest, QuestTemplate, TemplateObjective
from quests.services import ObjectiveSpec

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _without_ready_made_templates(db):
    """The ready-made templates (quests/migrations/0003) left out: these tests make their own."""
    from quests.models import QuestTemplate

    QuestTemplate.objects.filter(user__isnull=True).delete()


@pytest.fixture
def staff_template():
    template = QuestTemplate.objects.create(slug="couch-to-5k", title="Couch to 5k", category_name="Health",
                                            priority=3, effort_minutes=600, xp_reward=150)
    TemplateObjective.objects.create(template=template, position=0, text="Buy shoes")
    TemplateObjective.objects.create(template=template, position=1, text="Run 10 times", kind="habit_count",
                                     habit_name="running", target=10, weight=Decimal(3))
    return template


def test_templates_for_are_staffs_active_and_the_users_own(owner, stranger, staff_template):
    QuestTemplate.objects.create(slug="retired", title="Retired", xp_reward=10, active=False)
    mine = QuestTemplate.objects.create(user=owner, slug="mine", title="Mine", xp_reward=10, active=False)
    QuestTemplate.objects.create(user=stranger, slug="theirs", title="Theirs", xp_reward=10)
    assert list(templates_.templates_for(owner)) == [staff_template, mine]


def test_a_quest_from_a_staff_template_takes_the_users_habit_by_name(owner, make_habit, staff_template):
    habit = make_habit("Running")
    quest = templates_.from_template(owner, staff_template, today=TODAY)
    assert (quest.title, quest.status, quest.priority, quest.xp_reward, quest.effort_minutes) == (
        "Couch to 5k", "open", 3, 150, 600)
    assert quest.category.name == "Health" and quest.template == staff_template
    shoes, runs = quest.objectives.all()
    assert (shoes.kind, runs.kind, runs.habit, runs.target, runs.weight) == ("manual", "habit_count", habit, 10, 3)
    assert quest.objectives_text == "Buy shoes\nRun 10 times"


def test_without_the_habit_the_objective_is_a_manual_step(owner, make_habit, stranger, staff_template):
    make_habit("Running", user=stranger)
    deleted = make_habit("Running")
    delete_habit(deleted)
    quest = templates_.from_template(owner, staff_template, today=TODAY)
    runs = quest.objectives.get(position=1)
    assert (runs.kind, runs.habit, runs.target) == ("manual", None, None)


def test_another_users_or_a_retired_template_does_not_exist(owner, stranger):
    theirs = QuestTemplate.objects.create(user=stranger, slug="theirs", title="Theirs", xp_reward=10)
    retired = QuestTemplate.objects.create(slug="retired", title="Retired", xp_reward=10, active=False)
    for template in (theirs, retired):
        with pytest.raises(QuestTemplate.DoesNotExist):
            templates_.from_template(owner, template, today=TODAY)
    with pytest.raises(QuestTemplate.DoesNotExist):
        templates_.find_template(owner, "theirs")
    assert not Quest.objects.exists()


def test_find_template_prefers_the_users_own_slug(owner, staff_template):
    own = QuestTemplate.objects.create(user=owner, slug="couch-to-5k", title="My couch", xp_reward=10)
    assert templates_.find_template(owner, "couch-to-5k") == own
    own.delete()
    assert templates_.find_template(owner, "couch-to-5k") == staff_template


def test_saving_a_quest_as_a_template_and_back(owner, make_quest, make_habit):
    habit = make_habit("Running")
    quest = make_quest("Write a novel!", category="Craft", priority=4, effort_minutes=300, xp_reward=99,
                       description="**Big**", objectives=[ObjectiveSpec("Outline"),
                                                          ObjectiveSpec("Run", "habit_streak", habit=habit, target=5)])
    template = templates_.save_as_template(quest)
    assert (template.user, template.slug, template.title, template.category_name, template.xp_reward) == (
        owner, "write-a-novel", "Write a novel!", "Craft", 99)
    assert [(o.text, o.kind, o.habit, o.habit_name) for o in template.objectives.all()] == [
        ("Outline", "manual", None, ""), ("Run", "habit_streak", habit, "Running")]
    assert templates_.save_as_template(quest).slug == "write-a-novel-2"
    assert templates_.save_as_template(quest).slug == "write-a-novel-3"
    copy = templates_.from_template(owner, template, today=TODAY)
    assert [(o.kind, o.habit, o.target) for o in copy.objectives.all()] == [
        ("manual", None, None), ("habit_streak", habit, 5)]


def test_a_title_with_no_letters_makes_a_slug_still(make_quest):
    assert templates_.save_as_template(make_quest("???")).slug == "quest"
