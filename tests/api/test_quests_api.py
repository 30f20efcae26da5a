"""/quests: create, list (search, filters, sort, pages), read, change, delete; start,
complete, reopen, abandon; tick an objective. XP moves only through the story layer;
another user's quest, objective or habit is a 404; a locked quest is a 409."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from gamification.models import Achievement, XPEvent
from habitstory.accounts.models import Profile
from quests import graph, search
from quests import services as quest_services
from quests.models import Category, Objective, Quest
from quests.services import ObjectiveSpec

from .conftest import TODAY, csrf_headers, make_habit

pytestmark = pytest.mark.django_db

URL = "/api/v1/quests"
QUEST_KEYS = {
    "id", "title", "description", "description_html", "category", "priority", "due_date", "due_time",
    "effort_minutes", "xp_reward", "status", "ready", "progress", "locked", "waiting_for", "objectives",
    "activated_on", "completed_at", "completed_on", "created_at", "updated_at",
}


def make_quest(user, title: str = "Write draft", **fields) -> Quest:
    fields.setdefault("xp_reward", 40)
    return quest_services.create_quest(user, title=title, today=TODAY, **fields)


def details(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]["details"]


def code(response) -> str:
    return response.json()["error"]["code"]


def ledger(user) -> int:
    return XPEvent.objects.filter(user=user, source__startswith="quest").aggregate(s=Sum("amount"))["s"] or 0


@pytest.fixture(autouse=True)
def no_achievements():
    """Only the quests' own XP in the ledger (the achievements have their tests)."""
    Achievement.objects.update(active=False)


@pytest.fixture
def quest(owner, frozen) -> Quest:
    return make_quest(owner)


@pytest.fixture
def stranger_quest(stranger, frozen) -> Quest:
    return make_quest(stranger, "Stranger's quest")


# --- create ---------------------------------------------------------------------------------


def test_it_creates_a_quest_with_every_field(api, owner, habit, frozen):
    body = {
        "title": "  Write the report ", "description": "**Soon**, see https://example.com.",
        "category": "Deep work", "priority": 4, "due_date": "2026-03-10", "due_time": "17:30",
        "effort_minutes": 90, "xp_reward": 60, "status": "active",
        "objectives": [
            {"text": "Outline"},
            {"text": "Read daily", "kind": "habit_count", "habit": habit.pk, "target": 5, "weight": 2.5},
        ],
    }
    response = api.post(URL, body)
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    quest = Quest.objects.get(user=owner)
    assert set(data) == QUEST_KEYS
    assert data["id"] == quest.pk and data["title"] == "Write the report"
    assert data["category"] == {"id": quest.category_id, "name": "Deep work"}
    assert Category.objects.get(pk=quest.category_id).user == owner
    assert (data["priority"], data["due_date"], data["due_time"]) == (4, "2026-03-10", "17:30")
    assert (data["effort_minutes"], data["xp_reward"], data["status"]) == (90, 60, "active")
    assert data["activated_on"] == "2026-03-04"
    assert "<strong>Soon</strong>" in data["description_html"] and 'href="https://example.com"' in data["description_html"]
    assert [(o["text"], o["kind"], o["weight"], o["habit"], o["target"]) for o in data["objectives"]] == [
        ("Outline", "manual", "1.00", None, None), ("Read daily", "habit_count", "2.50", habit.pk, 5),
    ]
    assert (data["progress"], data["locked"], data["waiting_for"], data["ready"]) == (0, False, [], False)


def test_the_xp_is_suggested_when_left_out(api, owner, frozen):
    data = api.post(URL, {"title": "Tidy", "effort_minutes": 30, "priority": 3}).json()["data"]
    assert data["xp_reward"] == quest_services.suggest_xp(30, 3)
    assert data["status"] == "open" and data["category"] is None and data["activated_on"] is None


def test_a_category_name_finds_the_users_own(api, owner, frozen):
    quest_services.categories(owner)
    data = api.post(URL, {"title": "Call", "category": "home"}).json()["data"]
    assert data["category"]["name"] == "Home"
    assert Category.objects.filter(user=owner, name__iexact="home").count() == 1


@pytest.mark.parametrize("body,field", [
    ({}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "x" * 121}, "title"),
    ({"title": "Bad\u202etitle"}, "title"),
    ({"title": "Ok", "description": "x" * 2001}, "description"),
    ({"title": "Ok", "description": "bell\x07"}, "description"),
    ({"title": "Ok", "priority": 5}, "priority"),
    ({"title": "Ok", "priority": 0}, "priority"),
    ({"title": "Ok", "due_time": "10:00"}, "body"),
    ({"title": "Ok", "due_date": "2026-02-30"}, "due_date"),
    ({"title": "Ok", "due_date": "2026-03-10", "due_time": "10:00+01:00"}, "due_time"),
    ({"title": "Ok", "effort_minutes": 0}, "effort_minutes"),
    ({"title": "Ok", "effort_minutes": 10081}, "effort_minutes"),
    ({"title": "Ok", "xp_reward": 4}, "xp_reward"),
    ({"title": "Ok", "xp_reward": 501}, "xp_reward"),
    ({"title": "Ok", "status": "done"}, "status"),
    ({"title": "Ok", "category": "x" * 41}, "category"),
    ({"title": "Ok", "objectives": [{"text": f"Step {n}"} for n in range(31)]}, "objectives"),
    ({"title": "Ok", "objectives": [{"text": ""}]}, "objectives.text"),
    ({"title": "Ok", "objectives": [{"text": "S", "weight": 0}]}, "objectives.weight"),
    ({"title": "Ok", "objectives": [{"text": "S", "weight": 100.01}]}, "objectives.weight"),
    ({"title": "Ok", "objectives": [{"text": "S", "target": 3}]}, "objectives"),
    ({"title": "Ok", "objectives": [{"text": "S", "kind": "habit_count", "target": 3}]}, "objectives"),
    ({"title": "Ok", "objectives": [{"text": "S", "kind": "habit_streak", "habit": 1, "target": 0}]},
     "objectives.target"),
    ({"title": "Ok", "objectives": [{"text": "S", "id": 3}]}, "objectives.id"),
    ({"title": "Ok", "colour": "red"}, "colour"),
])
def test_bad_input_names_the_field_and_saves_nothing(api, owner, frozen, body, field):
    assert field in details(api.post(URL, body))
    assert not Quest.objects.exists()


def test_another_users_habit_in_an_objective_is_a_404(api, owner, stranger_habit, frozen):
    body = {"title": "Ok", "objectives": [{"text": "S", "kind": "habit_count", "habit": stranger_habit.pk,
                                           "target": 3}]}
    assert "objectives.habit" in details(api.post(URL, body), 404)
    assert not Quest.objects.exists()


# --- list -----------------------------------------------------------------------------------


def titles(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [quest["title"] for quest in response.json()["data"]]


def test_it_lists_only_the_users_quests_newest_first(api, owner, stranger, frozen, time_machine):
    make_quest(owner, "First")
    time_machine.shift(dt.timedelta(minutes=1))
    make_quest(owner, "Second")
    make_quest(stranger, "Not mine")
    body = api.get(URL).json()
    assert [quest["title"] for quest in body["data"]] == ["Second", "First"]
    assert body["meta"]["next"] is None


def test_it_filters(api, owner, frozen):
    quest_services.categories(owner)
    make_quest(owner, "Pay rent", category="Home", due_date=dt.date(2026, 3, 5), description="Transfer money")
    make_quest(owner, "Draft talk", category="Work", due_date=dt.date(2026, 3, 20), status="active",
               objectives=[ObjectiveSpec("Find slides")])
    make_quest(owner, "Someday", category="Work")
    assert titles(api.get(f"{URL}?status=active")) == ["Draft talk"]
    assert set(titles(api.get(f"{URL}?category=work"))) == {"Draft talk", "Someday"}
    assert titles(api.get(f"{URL}?due_before=2026-03-10")) == ["Pay rent"]
    assert titles(api.get(f"{URL}?due_after=2026-03-10")) == ["Draft talk"]
    assert titles(api.get(f"{URL}?q=money")) == ["Pay rent"]
    assert titles(api.get(f"{URL}?q=slides")) == ["Draft talk"]
    assert titles(api.get(f"{URL}?q=rent&status=done")) == []
    assert titles(api.get(f"{URL}?has_attachments=true")) == []
    assert titles(api.get(f"{URL}?sort=due")) == ["Pay rent", "Draft talk", "Someday"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming is PostgreSQL's full-text search")
def test_q_finds_by_stemmed_words_on_postgresql(api, owner, frozen):
    make_quest(owner, "Run the marathon")
    make_quest(owner, "Swim", description="Pools nearby")
    assert titles(api.get(f"{URL}?q=running")) == ["Run the marathon"]
    assert titles(api.get(f"{URL}?q=pool")) == ["Swim"]


@pytest.mark.parametrize("query,field", [
    ("status=finished", "status"), ("due_before=2026-3-1", "due_before"), ("due_after=tomorrow", "due_after"),
    ("sort=random", "sort"), ("q=" + "x" * 201, "q"), ("q=%00", "q"), ("category=%07", "category"),
    ("limit=0", "limit"), ("cursor=nope", "cursor"),
])
def test_bad_filters_name_the_parameter(api, owner, frozen, query, field):
    assert field in details(api.get(f"{URL}?{query}"))


@pytest.mark.parametrize("sort", list(search.SORTS))
def test_each_sort_pages_in_searchs_order(api, owner, frozen, time_machine, sort):
    """The pages follow quests.search's order exactly, ties and empty due dates too."""
    for n in range(9):
        time_machine.shift(dt.timedelta(minutes=1 if n % 3 else 0))  # some share a creation time
        make_quest(owner, f"Plan {n}" + (" plan" if n % 2 else ""), priority=1 + n % 4,
                   due_date=None if n % 3 == 0 else dt.date(2026, 3, 5 + n % 2),
                   due_time=dt.time(9 + n % 2) if n % 3 == 1 else None)
    for q in ("", "plan"):
        expected = [quest.title for quest in search.search(owner, q, sort=sort)]
        found, cursor = [], None
        while True:
            response = api.get(f"{URL}?sort={sort}&limit=2&q={q}" + (f"&cursor={cursor}" if cursor else ""))
            assert response.status_code == 200, response.content
            body = response.json()
            found += [quest["title"] for quest in body["data"]]
            cursor = body["meta"]["next"]
            if cursor is None:
                break
        assert found == expected, (sort, q)


def test_a_cursor_of_one_sort_does_not_page_another(api, owner, frozen):
    for n in range(3):
        make_quest(owner, f"Quest {n}")
    cursor = api.get(f"{URL}?limit=1&sort=due").json()["meta"]["next"]
    assert "cursor" in details(api.get(f"{URL}?limit=1&sort=priority&cursor={cursor}"))


def test_listing_takes_a_fixed_number_of_queries(api, owner, habit, frozen):
    def make(n):
        for i in range(n):
            other = make_quest(owner, f"Quest {i}", objectives=[ObjectiveSpec("Step"), ObjectiveSpec("Step 2")])
            graph.add_dependency(other, make_quest(owner, f"Before {i}"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(URL).status_code == 200
        return len(captured.captured_queries)

    make(2)
    queries()  # the first request of a token also marks it used
    few = queries()
    make(10)
    assert queries() == few <= 6


# --- read -----------------------------------------------------------------------------------


def test_it_reads_a_quest_with_what_it_waits_for(api, owner, quest, frozen):
    first = make_quest(owner, "Research")
    graph.add_dependency(quest, first)
    data = api.get(f"{URL}/{quest.pk}").json()["data"]
    assert data["locked"] is True
    assert data["waiting_for"] == [{"id": first.pk, "title": "Research", "status": "open"}]


def test_another_users_quest_is_a_404_everywhere(api, stranger_quest, frozen):
    objective = Objective.objects.create(quest=stranger_quest, text="Theirs")
    base = f"{URL}/{stranger_quest.pk}"
    for response in (
        api.get(base), api.patch(base, {"title": "Mine now"}), api.delete(base),
        api.post(f"{base}/start"), api.post(f"{base}/complete"), api.post(f"{base}/reopen"),
        api.post(f"{base}/abandon"), api.post(f"{base}/progress", {"objective": objective.pk, "done": True}),
        api.get(f"{base}/dependencies"),
    ):
        assert response.status_code == 404, response.content
        assert code(response) == "not_found"
    stranger_quest.refresh_from_db()
    assert (stranger_quest.title, stranger_quest.status) == ("Stranger's quest", "open")


# --- change ---------------------------------------------------------------------------------


def test_patch_changes_only_what_is_sent(api, owner, frozen):
    quest = make_quest(owner, due_date=dt.date(2026, 3, 9), due_time=dt.time(9), effort_minutes=30)
    response = api.patch(f"{URL}/{quest.pk}", {"title": "Write final draft", "priority": 3})
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["quest"]["title"] == "Write final draft" and data["quest"]["priority"] == 3
    assert (data["quest"]["due_date"], data["quest"]["due_time"], data["quest"]["effort_minutes"]) == (
        "2026-03-09", "09:00", 30)
    assert (data["xp"], data["completed"], data["unlocked"]) == (0, [], [])


def test_patch_null_clears_and_xp_null_takes_the_suggestion(api, owner, frozen):
    quest = make_quest(owner, due_date=dt.date(2026, 3, 9), due_time=dt.time(9), effort_minutes=30, xp_reward=99)
    data = api.patch(f"{URL}/{quest.pk}", {"due_date": None, "xp_reward": None, "category": None}).json()["data"]
    assert (data["quest"]["due_date"], data["quest"]["due_time"]) == (None, None)
    assert data["quest"]["xp_reward"] == quest_services.suggest_xp(30, 2)


def test_patch_replaces_objectives_keeping_the_ids_sent(api, owner, frozen):
    quest = make_quest(owner, status="active", objectives=[ObjectiveSpec("Keep"), ObjectiveSpec("Drop")])
    keep, _ = quest.objectives.all()
    quest_services.set_objective(quest, keep.pk, True, today=TODAY, now=frozen)
    body = {"objectives": [{"text": "New first"}, {"id": keep.pk, "text": "Kept, renamed"}]}
    objectives = api.patch(f"{URL}/{quest.pk}", body).json()["data"]["quest"]["objectives"]
    assert [(o["text"], o["done"]) for o in objectives] == [("New first", False), ("Kept, renamed", True)]
    assert objectives[1]["id"] == keep.pk
    assert Objective.objects.filter(quest=quest).count() == 2


def test_an_edit_that_leaves_every_objective_done_completes_and_awards(api, owner, frozen):
    quest = make_quest(owner, status="active", objectives=[ObjectiveSpec("Done one"), ObjectiveSpec("Not yet")])
    done, _ = quest.objectives.all()
    quest_services.set_objective(quest, done.pk, True, today=TODAY, now=frozen)
    data = api.patch(f"{URL}/{quest.pk}", {"objectives": [{"id": done.pk, "text": "Done one"}]}).json()["data"]
    assert data["quest"]["status"] == "done" and data["quest"]["progress"] == 100
    assert data["completed"] == [{"id": quest.pk, "title": "Write draft", "status": "done"}]
    assert data["xp"] == 40 == ledger(owner)


def test_patch_refuses_another_quests_objective_and_another_users_habit(api, owner, quest, stranger_habit, frozen):
    other = make_quest(owner, "Other", objectives=[ObjectiveSpec("Theirs")])
    theirs = other.objectives.get()
    assert "objectives.id" in details(api.patch(f"{URL}/{quest.pk}", {"objectives": [{"id": theirs.pk, "text": "X"}]}),
                                      404)
    body = {"objectives": [{"text": "X", "kind": "habit_streak", "habit": stranger_habit.pk, "target": 2}]}
    assert "objectives.habit" in details(api.patch(f"{URL}/{quest.pk}", body), 404)
    assert other.objectives.get().text == "Theirs" and not quest.objectives.exists()


@pytest.mark.parametrize("body,field", [
    ({"title": None}, "title"),
    ({"priority": None}, "priority"),
    ({"due_date": None, "due_time": "10:00"}, "body"),
    ({"due_time": "10:00"}, "due_time"),  # the quest has no due date
    ({"status": "done"}, "status"),
    ({"objectives": None}, "objectives"),
])
def test_a_bad_patch_is_a_400_and_changes_nothing(api, quest, frozen, body, field):
    assert field in details(api.patch(f"{URL}/{quest.pk}", body))
    quest.refresh_from_db()
    assert (quest.title, quest.priority, quest.due_time) == ("Write draft", 2, None)


# --- delete ---------------------------------------------------------------------------------


def test_delete_takes_a_done_quests_xp_back(api, owner, quest, frozen):
    api.post(f"{URL}/{quest.pk}/complete")
    assert ledger(owner) == 40
    response = api.delete(f"{URL}/{quest.pk}")
    assert response.status_code == 200 and response.json()["data"] is None
    assert not Quest.objects.filter(pk=quest.pk).exists()
    assert ledger(owner) == 0 and Profile.objects.get(user=owner).xp_total == 0


def test_deleting_a_quest_others_wait_for_asks_first(api, owner, quest, frozen):
    later = make_quest(owner, "Publish")
    graph.add_dependency(later, quest)
    response = api.delete(f"{URL}/{quest.pk}")
    assert details(response, 409) == {"dependents": ["Publish"], "dependents_ids": [str(later.pk)]}
    assert code(response) == "quest_has_dependents" and Quest.objects.filter(pk=quest.pk).exists()
    assert api.delete(f"{URL}/{quest.pk}?confirm=true").status_code == 200
    assert api.get(f"{URL}/{later.pk}").json()["data"]["locked"] is False


# --- start, complete, reopen, abandon -----------------------------------------------------------


def test_complete_awards_once_and_reopen_takes_it_back(api, owner, quest, frozen):
    first = api.post(f"{URL}/{quest.pk}/complete").json()["data"]
    assert first["quest"]["status"] == "done" and first["xp"] == 40
    assert first["completed"] == [{"id": quest.pk, "title": "Write draft", "status": "done"}]
    again = api.post(f"{URL}/{quest.pk}/complete").json()["data"]
    assert (again["xp"], again["completed"]) == (0, [])
    assert ledger(owner) == 40
    reopened = api.post(f"{URL}/{quest.pk}/reopen").json()["data"]
    assert reopened["quest"]["status"] == "active" and reopened["xp"] == -40
    assert [q["id"] for q in reopened["reopened"]] == [quest.pk]
    assert ledger(owner) == 0 == Profile.objects.get(user=owner).xp_total


def test_completing_unlocks_what_waited_only_for_it(api, owner, quest, frozen):
    later = make_quest(owner, "Publish")
    graph.add_dependency(later, quest)
    data = api.post(f"{URL}/{quest.pk}/complete").json()["data"]
    assert data["unlocked"] == [{"id": later.pk, "title": "Publish", "status": "open"}]


@pytest.mark.parametrize("action", ["complete", "start"])
def test_a_locked_quest_cannot_start_or_complete(api, owner, quest, frozen, action):
    first, second = make_quest(owner, "Research"), make_quest(owner, "Interview")
    graph.add_dependency(quest, first)
    graph.add_dependency(quest, second)
    response = api.post(f"{URL}/{quest.pk}/{action}")
    assert response.status_code == 409 and code(response) == "quest_locked"
    assert details(response, 409) == {"waiting_for": ["Interview", "Research"],
                                      "waiting_for_ids": [str(second.pk), str(first.pk)]}
    assert "Interview" in response.json()["error"]["message"]
    quest.refresh_from_db()
    assert quest.status == "open" and ledger(owner) == 0


def test_start_then_abandon(api, owner, quest, frozen):
    data = api.post(f"{URL}/{quest.pk}/start").json()["data"]
    assert (data["quest"]["status"], data["quest"]["activated_on"]) == ("active", "2026-03-04")
    assert api.post(f"{URL}/{quest.pk}/abandon").json()["data"]["quest"]["status"] == "abandoned"
    response = api.post(f"{URL}/{quest.pk}/complete")
    assert response.status_code == 409 and code(response) == "quest_abandoned"
    response = api.post(f"{URL}/{quest.pk}/start")
    assert response.status_code == 409 and code(response) == "quest_finished"


@pytest.mark.parametrize("action", ["start", "complete", "reopen", "abandon"])
def test_actions_take_post_only(api, quest, frozen, action):
    response = api.get(f"{URL}/{quest.pk}/{action}")
    assert response.status_code == 405 and code(response) == "method_not_allowed"


# --- objectives -----------------------------------------------------------------------------


def test_ticking_the_last_objective_completes_the_quest(api, owner, frozen):
    quest = make_quest(owner, status="active", objectives=[ObjectiveSpec("One"), ObjectiveSpec("Two")])
    one, two = quest.objectives.all()
    data = api.post(f"{URL}/{quest.pk}/progress", {"objective": one.pk, "done": True}).json()["data"]
    assert data["quest"]["progress"] == 50 and data["xp"] == 0
    data = api.post(f"{URL}/{quest.pk}/progress", {"objective": two.pk, "done": True}).json()["data"]
    assert data["quest"]["status"] == "done" and data["xp"] == 40
    assert ledger(owner) == 40


def test_with_auto_complete_off_the_last_tick_marks_it_ready(api, owner, frozen):
    Profile.objects.filter(user=owner).update(quest_auto_complete=False)
    quest = make_quest(owner, status="active", objectives=[ObjectiveSpec("One")])
    data = api.post(f"{URL}/{quest.pk}/progress", {"objective": quest.objectives.get().pk, "done": True}).json()["data"]
    assert data["quest"]["ready"] is True and data["quest"]["status"] == "active"
    assert [q["id"] for q in data["ready"]] == [quest.pk] and data["xp"] == 0


def test_unticking_is_done_false(api, owner, frozen):
    quest = make_quest(owner, status="active", objectives=[ObjectiveSpec("One"), ObjectiveSpec("Two")])
    one = quest.objectives.first()
    api.post(f"{URL}/{quest.pk}/progress", {"objective": one.pk, "done": True})
    data = api.post(f"{URL}/{quest.pk}/progress", {"objective": one.pk, "done": False}).json()["data"]
    assert data["quest"]["progress"] == 0


def test_a_tick_is_refused_for_the_wrong_objective(api, owner, quest, habit, frozen):
    other = make_quest(owner, "Other", objectives=[ObjectiveSpec("Theirs")])
    response = api.post(f"{URL}/{quest.pk}/progress", {"objective": other.objectives.get().pk, "done": True})
    assert details(response, 404) == {"objective": ["Not one of this quest's objectives."]}
    fed = make_quest(owner, "Fed", status="active",
                     objectives=[ObjectiveSpec("Read", "habit_count", habit=habit, target=3)])
    response = api.post(f"{URL}/{fed.pk}/progress", {"objective": fed.objectives.get().pk, "done": True})
    assert response.status_code == 400 and code(response) == "objective_not_manual"


def test_a_finished_quests_objective_is_a_409(api, owner, frozen):
    quest = make_quest(owner, objectives=[ObjectiveSpec("One")])
    api.post(f"{URL}/{quest.pk}/complete")
    response = api.post(f"{URL}/{quest.pk}/progress", {"objective": quest.objectives.get().pk, "done": False})
    assert response.status_code == 409 and code(response) == "quest_finished"


@pytest.mark.parametrize("body,field", [
    ({}, "objective"), ({"objective": 1}, "done"), ({"objective": 0, "done": True}, "objective"),
    ({"objective": 1, "done": "maybe"}, "done"), ({"objective": 1, "done": True, "extra": 1}, "extra"),
])
def test_a_bad_tick_is_a_400(api, quest, frozen, body, field):
    assert field in details(api.post(f"{URL}/{quest.pk}/progress", body))


# --- credentials ----------------------------------------------------------------------------


def test_the_session_needs_csrf_for_changes(session_api, owner, quest, frozen):
    assert session_api.get(URL).status_code == 200
    assert session_api.post(f"{URL}/{quest.pk}/complete").status_code == 403
    assert session_api.post(f"{URL}/{quest.pk}/complete", **csrf_headers(session_api)).status_code == 200


def test_no_credentials_is_a_401(anon, quest):
    assert anon.get(URL).status_code == 401
    assert anon.post(f"{URL}/{quest.pk}/complete").status_code == 401
