"""Staff's quest admin: templates with their objectives inline and a slug from the title;
users' quests shown read-mostly (status, completion and XP move only through the story
layer)."""

from __future__ import annotations

import pytest

from quests.models import QuestTemplate
from quests.services import ObjectiveSpec

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("staff@example.com", is_staff=True, is_superuser=True))
    return client


def inline(prefix: str, rows: list[dict]) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows)), f"{prefix}-INITIAL_FORMS": "0"}
    for n, row in enumerate(rows):
        data.update({f"{prefix}-{n}-{key}": value for key, value in row.items()})
    return data


def test_it_adds_a_staff_template_with_objectives(staff_client):
    page = staff_client.get("/admin/quests/questtemplate/add/")
    assert page.status_code == 200 and b"prepopulated" in page.content
    data = {"slug": "couch-to-5k", "title": "Couch to 5k", "priority": "3", "xp_reward": "150", "active": "on",
            "category_name": "Health", "description": ""}
    data |= inline("objectives", [
        {"position": "0", "text": "Buy shoes", "kind": "manual", "weight": "1"},
        {"position": "1", "text": "Run 10 times", "kind": "habit_count", "weight": "3", "habit_name": "Running",
         "target": "10"},
    ])
    response = staff_client.post("/admin/quests/questtemplate/add/", data)
    assert response.status_code == 302, response.content
    template = QuestTemplate.objects.get(slug="couch-to-5k")
    assert template.user is None
    assert [o.habit_name for o in template.objectives.all()] == ["", "Running"]


def test_a_quest_shows_its_objectives_and_keeps_status_and_xp_read_only(staff_client, make_quest):
    quest = make_quest(objectives=[ObjectiveSpec("Outline"), ObjectiveSpec("Draft")], xp_reward=40)
    page = staff_client.get(f"/admin/quests/quest/{quest.pk}/change/")
    assert page.status_code == 200
    assert b"Outline" in page.content and b"Draft" in page.content
    assert b'name="status"' not in page.content and b'name="xp_reward"' not in page.content
    assert staff_client.get("/admin/quests/quest/add/").status_code == 403
