"""The ready-made quest templates a fresh install offers (quests/migrations/0003)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from quests import templates_
from quests.models import QuestTemplate

from .conftest import TODAY

pytestmark = pytest.mark.django_db

seed = importlib.import_module("quests.migrations.0003_ready_made_templates")


@pytest.fixture
def ready_made():
    QuestTemplate.objects.filter(user__isnull=True).delete()  # a test before may have flushed them
    seed.add(apps, None)
    return {template.slug: template for template in QuestTemplate.objects.filter(user__isnull=True)}


def test_a_fresh_install_offers_ready_made_templates_that_keep_the_rules(ready_made, owner):
    assert set(ready_made) == {row[0] for row in seed.TEMPLATES} and len(ready_made) >= 6
    for template in ready_made.values():
        template.full_clean()
        for objective in template.objectives.all():
            objective.full_clean()
    assert {t.slug for t in templates_.templates_for(owner)} >= set(ready_made)


def test_seeding_again_changes_nothing_and_keeps_what_staff_edited(ready_made):
    QuestTemplate.objects.filter(slug="spring-clean").update(title="Big clean")
    seed.add(apps, None)
    assert QuestTemplate.objects.filter(user__isnull=True).count() == len(ready_made)
    assert QuestTemplate.objects.get(slug="spring-clean").title == "Big clean"


def test_a_habit_fed_step_follows_the_users_habit_of_that_name(ready_made, owner, make_habit):
    run = make_habit("run")
    quest = templates_.from_template(owner, ready_made["first-5k"], today=TODAY)
    fed = {objective.text: objective for objective in quest.objectives.all()}
    assert fed["Run 12 times"].kind == "habit_count" and fed["Run 12 times"].habit == run
    # Without such a habit the step is one to tick.
    other = templates_.from_template(owner, ready_made["finish-a-book"], today=TODAY)
    assert other.objectives.get(text="Read on 10 days").kind == "manual"
