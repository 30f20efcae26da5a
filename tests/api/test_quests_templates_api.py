"""/quest-templates and /quests/from-template/{slug}: staff's active templates and the
user's own (never another user's), a page at a time; a quest from a template; a quest
saved as a template."""

from __future__ import annotations

import pytest

from quests import services as quest_services
from quests.models import Quest, QuestTemplate, TemplateObjective
from quests.services import ObjectiveSpec

from .conftest import TODAY, make_habit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _without_ready_made_templates(db):
    """The ready-made templates (quests/migrations/0003) left out: these tests make their own."""
    from quests.models import QuestTemplate

    QuestTemplate.objects.filter(user__isnull=True).delete()

URL = "/api/v1/quest-templates"


def template(user=None, slug="spring-clean", title="Spring clean", **fields) -> QuestTemplate:
    fields.setdefault("xp_reward", 50)
    return QuestTemplate.objects.create(user=user, slug=slug, title=title, **fields)


@pytest.fixture
def staff_template(db) -> QuestTemplate:
    found = template(category_name="Home", priority=3, effort_minutes=120, description="Top to bottom.")
    TemplateObjective.objects.create(template=found, position=0, text="Windows")
    TemplateObjective.objects.create(template=found, position=1, text="Run 5 times", kind="habit_count",
                                     habit_name="run", target=5)
    return found


def test_it_lists_staff_and_own_templates_but_not_anothers(api, owner, stranger, staff_template, frozen):
    template(owner, "mine", "A mine")
    template(stranger, "theirs", "B theirs")
    template(slug="retired", title="C retired", active=False)
    data = api.get(URL).json()["data"]
    assert [(t["title"], t["mine"]) for t in data] == [("A mine", True), ("Spring clean", False)]
    staff = data[1]
    assert staff == {
        "id": staff_template.pk, "slug": "spring-clean", "title": "Spring clean", "description": "Top to bottom.",
        "category": "Home", "priority": 3, "effort_minutes": 120, "xp_reward": 50, "mine": False,
        "objectives": [
            {"text": "Windows", "kind": "manual", "weight": "1.00", "habit": None, "habit_name": "", "target": None},
            {"text": "Run 5 times", "kind": "habit_count", "weight": "1.00", "habit": None, "habit_name": "run",
             "target": 5},
        ],
    }


def test_templates_come_a_page_at_a_time(api, owner, frozen):
    for n in range(5):
        template(slug=f"t{n}", title=f"Template {n}")
    first = api.get(f"{URL}?limit=3").json()
    rest = api.get(f"{URL}?limit=3&cursor={first['meta']['next']}").json()
    assert [t["title"] for t in first["data"] + rest["data"]] == [f"Template {n}" for n in range(5)]
    assert rest["meta"]["next"] is None


def test_a_quest_from_a_staff_template_takes_the_users_habit_by_name(api, owner, staff_template, frozen):
    run = make_habit(owner, name="Run")
    response = api.post(f"/api/v1/quests/from-template/{staff_template.slug}")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert (data["title"], data["status"], data["xp_reward"], data["priority"]) == ("Spring clean", "open", 50, 3)
    assert data["category"]["name"] == "Home"
    assert [(o["text"], o["kind"], o["habit"]) for o in data["objectives"]] == [
        ("Windows", "manual", None), ("Run 5 times", "habit_count", run.pk)]
    assert Quest.objects.get(pk=data["id"]).template == staff_template


def test_the_users_own_template_comes_before_staffs_of_the_same_slug(api, owner, staff_template, frozen):
    template(owner, staff_template.slug, "My spring clean")
    assert api.post(f"/api/v1/quests/from-template/{staff_template.slug}").json()["data"]["title"] == \
        "My spring clean"


@pytest.mark.parametrize("slug", ["theirs", "retired", "nothing-here", "bad%20slug", "x" * 61])
def test_another_users_a_retired_or_an_unknown_slug_is_refused(api, stranger, frozen, slug):
    template(stranger, "theirs", "Theirs")
    template(slug="retired", title="Retired", active=False)
    response = api.post(f"/api/v1/quests/from-template/{slug}")
    assert response.status_code in (400, 404) and response.status_code == (404 if len(slug) <= 60
                                                                            and "%" not in slug else 400)
    assert not Quest.objects.exists()


def test_a_quest_is_saved_as_the_users_template(api, owner, frozen):
    quest = quest_services.create_quest(owner, title="Weekly review", xp_reward=30, today=TODAY,
                                        objectives=[ObjectiveSpec("Inbox zero")])
    response = api.post(URL, {"quest": quest.pk})
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert (data["slug"], data["title"], data["mine"], data["xp_reward"]) == ("weekly-review", "Weekly review",
                                                                              True, 30)
    assert [o["text"] for o in data["objectives"]] == ["Inbox zero"]
    assert api.post(URL, {"quest": quest.pk}).json()["data"]["slug"] == "weekly-review-2"


def test_another_users_quest_is_not_saved(api, stranger, frozen):
    theirs = quest_services.create_quest(stranger, title="Theirs", xp_reward=30, today=TODAY)
    response = api.post(URL, {"quest": theirs.pk})
    assert response.status_code == 404 and response.json()["error"]["details"] == {
        "quest": ["Choose one of your quests."]}
    assert not QuestTemplate.objects.exists()


def test_you_delete_your_own_template_and_its_quests_stay(api, owner, stranger, staff_template, frozen):
    mine = template(owner, "mine", "My plan")
    quest = quest_services.create_quest(owner, title="From my plan", template=mine, today=TODAY)
    theirs = template(stranger, "theirs", "Their plan")
    for other in (staff_template, theirs):  # ready-made and another user's: 404, kept
        response = api.delete(f"{URL}/{other.pk}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert api.delete(f"{URL}/99999999").status_code == 404
    response = api.delete(f"{URL}/{mine.pk}")
    assert response.status_code == 200 and response.json()["data"] is None
    assert set(QuestTemplate.objects.values_list("slug", flat=True)) == {"spring-clean", "theirs"}
    quest.refresh_from_db()
    assert quest.template is None
    assert api.delete(f"{URL}/{mine.pk}").status_code == 404
