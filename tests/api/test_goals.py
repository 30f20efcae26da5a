"""/goals: CRUD, habit links with weights, manual entries, progress by day. Every change
that can move a goal is settled by the commit step (completion XP included)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gamification.models import XPEvent
from habitstory.api import auth
from habitstory.story.commit import commit
from goals.models import Goal, GoalEntry, GoalHabit
from habits import services as habit_services
from habits.models import Habit

from .conftest import TODAY, csrf_headers, make_habit

pytestmark = pytest.mark.django_db

URL = "/api/v1/goals"
GOAL_KEYS = {
    "id", "name", "description", "target", "start_date", "deadline", "current_value", "completed_at", "habits",
    "pace", "created_at",
}


def details(response) -> dict:
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    return response.json()["error"]["details"]


def not_found(response) -> None:
    assert response.status_code == 404, response.content
    assert response.json()["error"]["code"] == "not_found"


def make_goal(user, name: str = "Read 10 books", target: str = "10", **fields) -> Goal:
    fields.setdefault("start_date", dt.date(2026, 3, 1))
    return Goal.objects.create(user=user, name=name, target_value=Decimal(target), **fields)


def goal_completions(user) -> list[tuple[str, int]]:
    return list(XPEvent.objects.filter(user=user, reason__startswith="goal_").order_by("id").values_list("reason", "amount"))


@pytest.fixture
def goal(owner, frozen) -> Goal:
    return make_goal(owner)


@pytest.fixture
def stranger_goal(stranger, frozen) -> Goal:
    return make_goal(stranger, "Stranger's goal")


# --- create -------------------------------------------------------------------------------


def test_it_creates_a_goal_with_every_field(api, owner, frozen):
    body = {
        "name": "  Run 100 km ",
        "description": "Spring training.",
        "target": {"value": 100, "unit": " km "},
        "start_date": "2026-03-01",
        "deadline": "2026-05-31",
    }
    response = api.post(URL, body)
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    goal = Goal.objects.get(user=owner)
    assert data == {
        "id": goal.pk,
        "name": "Run 100 km",
        "description": "Spring training.",
        "target": {"value": "100.00", "unit": "km"},
        "start_date": "2026-03-01",
        "deadline": "2026-05-31",
        "current_value": "0.00",
        "completed_at": None,
        "habits": [],
        "pace": {
            # 4 of 92 days into the plan: 100 × 4/92 = 4.35 planned, 0 done
            "status": "behind",
            "days_elapsed": 4,
            "rate": "0",
            "expected_finish": None,
            "planned": "4.35",
            "days_left": 89,  # 4 March to 31 May, both counted
        },
        "created_at": "2026-03-04T12:00:00Z",
    }
    assert goal.target_value == Decimal("100.00") and goal.unit == "km"


def test_a_new_goal_starts_on_the_users_local_today(api, owner, time_machine):
    owner.profile.timezone = "Pacific/Auckland"
    owner.profile.save()
    time_machine.move_to(dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.timezone.utc), tick=False)  # 5 March in Auckland
    data = api.post(URL, {"name": "Save", "target": {"value": 500}}).json()["data"]
    assert (data["start_date"], data["deadline"], data["target"]) == ("2026-03-05", None, {"value": "500.00", "unit": ""})


@pytest.mark.parametrize(
    "body,expected",
    [
        ({"target": {"value": 10}}, {"name"}),
        ({"name": "   ", "target": {"value": 10}}, {"name"}),
        ({"name": "x" * 81, "target": {"value": 10}}, {"name"}),
        ({"name": "Read"}, {"target"}),
        ({"name": "Read", "target": {"value": 0}}, {"target.value"}),
        ({"name": "Read", "target": {"value": -5}}, {"target.value"}),
        ({"name": "Read", "target": {"value": "10"}}, {"target.value"}),  # a number, not a string
        ({"name": "Read", "target": {"value": 0.005}}, {"target.value"}),  # rounds to 0
        ({"name": "Read", "target": {"value": "lots"}}, {"target.value"}),
        ({"name": "Read", "target": {"value": 10, "unit": "u" * 21}}, {"target.unit"}),
        ({"name": "Read", "target": {"value": 10}, "start_date": "2026-03-04", "deadline": "2026-03-03"}, {"deadline"}),
        ({"name": "Read", "target": {"value": 10}, "start_date": "1999-12-31"}, {"start_date"}),
        ({"name": "Read", "target": {"value": 10}, "deadline": "2026-02-30"}, {"deadline"}),
        ({"name": "Read", "target": {"value": 10}, "current_value": 10}, {"current_value"}),
        ({"name": "", "target": {"value": 0}, "deadline": "2026-03-01"}, {"name", "target.value"}),
    ],
)
def test_bad_input_names_the_fields_and_saves_nothing(api, owner, frozen, body, expected):
    assert set(details(api.post(URL, body))) == expected
    assert not Goal.objects.exists()
    assert not XPEvent.objects.exists()


def test_all_the_errors_come_at_once_in_the_web_forms_words(api, frozen):
    # What the schema states comes first, all at once; then the rules between fields.
    body = {"name": " ", "target": {"value": 0}, "unit": "km", "start_date": "2026-03-04", "deadline": "2026-03-01"}
    assert details(api.post(URL, body)) == {
        "name": ["Give a name in plain text on one line (no control or text-direction characters)."],
        "target.value": ["The target must be more than 0."],
        "unit": ["Unknown field."],
    }
    body = {"name": "Read", "target": {"value": 10}, "start_date": "2026-03-04", "deadline": "2026-03-01"}
    assert details(api.post(URL, body)) == {"deadline": ["The deadline must be on or after the start date."]}
    assert not Goal.objects.exists()


def test_the_deadline_may_be_the_start_date(api, frozen):
    body = {"name": "Today only", "target": {"value": 1}, "start_date": "2026-03-04", "deadline": "2026-03-04"}
    assert api.post(URL, body).status_code == 201


# --- read, list ---------------------------------------------------------------------------


def test_it_lists_only_the_users_goals_open_first(api, owner, stranger, frozen):
    done = make_goal(owner, "Done", completed_at=dt.datetime(2026, 3, 2, tzinfo=dt.timezone.utc))
    later = make_goal(owner, "Later", deadline=dt.date(2026, 6, 1))
    whenever = make_goal(owner, "Whenever")
    soon = make_goal(owner, "Soon", deadline=dt.date(2026, 4, 1))
    make_goal(stranger, "Not mine")
    data = api.get(URL).json()["data"]
    assert [g["name"] for g in data] == ["Soon", "Later", "Whenever", "Done"]
    assert set(data[0]) == GOAL_KEYS
    assert [g["id"] for g in api.get(f"{URL}?status=open").json()["data"]] == [soon.pk, later.pk, whenever.pk]
    assert [g["id"] for g in api.get(f"{URL}?status=completed").json()["data"]] == [done.pk]
    assert "status" in details(api.get(f"{URL}?status=all"))


def test_listing_takes_a_fixed_number_of_queries(api, owner, frozen, django_assert_max_num_queries):
    for n in range(10):
        goal = make_goal(owner, f"Goal {n}")
        GoalHabit.objects.create(goal=goal, habit=make_habit(owner, name=f"Habit {n}"), weight=2)
    with django_assert_max_num_queries(6):  # auth, throttle, goals, links
        data = api.get(URL).json()["data"]
    assert all(g["habits"] and g["habits"][0]["weight"] == "2.00" for g in data)


def test_it_reads_a_goal_with_its_links(api, owner, goal, frozen):
    habit = make_habit(owner)
    deleted = make_habit(owner, name="Gone")
    GoalHabit.objects.create(goal=goal, habit=habit, weight=Decimal("1.5"))
    GoalHabit.objects.create(goal=goal, habit=deleted)
    habit_services.delete_habit(deleted)
    data = api.get(f"{URL}/{goal.pk}").json()["data"]
    assert data["habits"] == [{"habit_id": habit.pk, "weight": "1.50"}]  # a deleted habit's link is hidden


# --- change, delete -----------------------------------------------------------------------


def test_patch_changes_only_what_is_sent(api, goal, frozen):
    response = api.patch(f"{URL}/{goal.pk}", {"name": "Read 12 books", "deadline": "2026-12-31"})
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["name"], data["deadline"], data["target"]["value"], data["start_date"]) == (
        "Read 12 books", "2026-12-31", "10.00", "2026-03-01",
    )
    goal.refresh_from_db()
    assert (goal.name, goal.deadline) == ("Read 12 books", dt.date(2026, 12, 31))
    assert api.patch(f"{URL}/{goal.pk}", {"deadline": None}).json()["data"]["deadline"] is None


@pytest.mark.parametrize(
    "body,field",
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"target": {"value": 0}}, "target.value"),
        ({"target": None}, "target"),
        ({"deadline": "2026-02-28"}, "deadline"),  # before the start (1 March)
        ({"start_date": "2026-03-10", "deadline": "2026-03-09"}, "deadline"),
        ({"start_date": None}, "start_date"),
        ({"completed_at": "2026-03-04T00:00:00Z"}, "completed_at"),
    ],
)
def test_a_bad_patch_names_the_field_and_changes_nothing(api, goal, frozen, body, field):
    assert field in details(api.patch(f"{URL}/{goal.pk}", body))
    stored = Goal.objects.get(pk=goal.pk)
    assert (stored.name, stored.target_value, stored.start_date, stored.deadline) == (
        "Read 10 books", Decimal("10.00"), dt.date(2026, 3, 1), None,
    )


def test_lowering_the_target_completes_the_goal_and_raising_it_reopens(api, owner, goal, frozen):
    api.post(f"{URL}/{goal.pk}/entries", {"amount": 6})
    data = api.patch(f"{URL}/{goal.pk}", {"target": {"value": 5, "unit": "books"}}).json()["data"]
    assert (data["current_value"], data["completed_at"], data["target"]) == (
        "6.00", "2026-03-04T12:00:00Z", {"value": "5.00", "unit": "books"},
    )
    assert goal_completions(owner) == [("goal_completed", 100)]
    data = api.patch(f"{URL}/{goal.pk}", {"target": {"value": 8}}).json()["data"]
    assert data["completed_at"] is None
    assert goal_completions(owner) == [("goal_completed", 100), ("goal_reopened", -100)]


def test_moving_the_start_date_recounts_the_habit_days(api, owner, goal, frozen):
    habit = make_habit(owner)
    for day in (2, 3, 4):
        commit(habit, dt.date(2026, 3, day), "done")
    api.put(f"{URL}/{goal.pk}/habits/{habit.pk}", {"weight": 1})
    data = api.patch(f"{URL}/{goal.pk}", {"start_date": "2026-03-04"}).json()["data"]
    assert data["current_value"] == "1.00"
    assert Goal.objects.get(pk=goal.pk).current_value == Decimal("1.00")


def test_delete_removes_the_goal_its_links_and_entries(api, owner, goal, frozen):
    GoalHabit.objects.create(goal=goal, habit=make_habit(owner))
    api.post(f"{URL}/{goal.pk}/entries", {"amount": 1})
    response = api.delete(f"{URL}/{goal.pk}")
    assert response.status_code == 200 and response.json()["data"] is None
    assert not Goal.objects.exists() and not GoalHabit.objects.exists() and not GoalEntry.objects.exists()
    assert Habit.objects.filter(user=owner).count() == 1
    not_found(api.delete(f"{URL}/{goal.pk}"))


# --- habit links --------------------------------------------------------------------------


def test_linking_a_habit_counts_its_done_days_since_the_start(api, owner, goal, frozen):
    habit = make_habit(owner)
    for day in (dt.date(2026, 2, 27), dt.date(2026, 3, 2), dt.date(2026, 3, 3)):  # the first is before the start
        commit(habit, day, "done")
    response = api.put(f"{URL}/{goal.pk}/habits/{habit.pk}", {"weight": 2.5})
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["habits"], data["current_value"]) == ([{"habit_id": habit.pk, "weight": "2.50"}], "5.00")
    # PUT again changes the weight: still one link
    data = api.put(f"{URL}/{goal.pk}/habits/{habit.pk}", {"weight": 1}).json()["data"]
    assert (data["habits"], data["current_value"]) == ([{"habit_id": habit.pk, "weight": "1.00"}], "2.00")
    assert GoalHabit.objects.get().weight == Decimal("1.00")
    assert Goal.objects.get(pk=goal.pk).current_value == Decimal("2.00")


def test_a_link_that_reaches_the_target_completes_and_unlinking_reopens(api, owner, frozen):
    goal = make_goal(owner, target="2")
    habit = make_habit(owner)
    commit(habit, dt.date(2026, 3, 3), "done")
    assert api.put(f"{URL}/{goal.pk}/habits/{habit.pk}", {"weight": 2}).json()["data"]["completed_at"] is not None
    assert goal_completions(owner) == [("goal_completed", 100)]
    response = api.delete(f"{URL}/{goal.pk}/habits/{habit.pk}")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["habits"], data["current_value"], data["completed_at"]) == ([], "0.00", None)
    assert not GoalHabit.objects.exists()
    assert goal_completions(owner) == [("goal_completed", 100), ("goal_reopened", -100)]
    # unlinking again is harmless
    assert api.delete(f"{URL}/{goal.pk}/habits/{habit.pk}").status_code == 200


@pytest.mark.parametrize(
    "body,field",
    [({"weight": 0}, "weight"), ({"weight": -1}, "weight"), ({"weight": 0.001}, "weight"),
     ({"weight": "heavy"}, "weight"), ({}, "weight"), ({"weight": 1, "extra": 1}, "extra")],
)
def test_a_bad_weight_is_a_400_and_links_nothing(api, owner, goal, frozen, body, field):
    habit = make_habit(owner)
    assert field in details(api.put(f"{URL}/{goal.pk}/habits/{habit.pk}", body))
    assert not GoalHabit.objects.exists()


def test_another_users_habit_cannot_be_linked(api, goal, stranger_habit, frozen):
    not_found(api.put(f"{URL}/{goal.pk}/habits/{stranger_habit.pk}", {"weight": 1}))
    not_found(api.delete(f"{URL}/{goal.pk}/habits/{stranger_habit.pk}"))
    assert not GoalHabit.objects.exists()


def test_a_deleted_habit_cannot_be_linked(api, owner, goal, frozen):
    habit = make_habit(owner)
    habit_services.delete_habit(habit)
    not_found(api.put(f"{URL}/{goal.pk}/habits/{habit.pk}", {"weight": 1}))


def test_a_tick_of_a_linked_habit_moves_the_goal(api, owner, goal, frozen):
    habit = make_habit(owner)
    api.put(f"{URL}/{goal.pk}/habits/{habit.pk}", {"weight": 3})
    commit(habit, TODAY, "done")
    assert api.get(f"{URL}/{goal.pk}").json()["data"]["current_value"] == "3.00"


# --- entries ------------------------------------------------------------------------------


def test_an_entry_adds_progress(api, goal, frozen):
    response = api.post(f"{URL}/{goal.pk}/entries", {"amount": 2.5, "note": " chapter 3 "})
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    entry = GoalEntry.objects.get()
    assert data["entry"] == {
        "id": entry.pk, "amount": "2.50", "note": "chapter 3", "on": "2026-03-04", "created_at": "2026-03-04T12:00:00Z",
    }
    assert set(data["goal"]) == GOAL_KEYS
    assert (data["goal"]["current_value"], data["goal"]["completed_at"]) == ("2.50", None)
    assert api.post(f"{URL}/{goal.pk}/entries", {"amount": -1}).json()["data"]["goal"]["current_value"] == "1.50"


def test_an_entry_that_reaches_the_target_completes_the_goal_once(api, owner, goal, frozen):
    api.post(f"{URL}/{goal.pk}/entries", {"amount": 9})
    assert goal_completions(owner) == []
    data = api.post(f"{URL}/{goal.pk}/entries", {"amount": 1}).json()["data"]["goal"]
    assert (data["current_value"], data["completed_at"]) == ("10.00", "2026-03-04T12:00:00Z")
    assert XPEvent.objects.filter(user=owner, reason="goal_completed").count() == 1
    assert XPEvent.objects.get(user=owner, reason="goal_completed").amount == 100
    api.post(f"{URL}/{goal.pk}/entries", {"amount": 5})  # further past the target: no second award
    assert goal_completions(owner) == [("goal_completed", 100)]
    assert api.get("/api/v1/me").json()["data"]["xp"] == 125  # 100 and "Goal getter" (25)


@pytest.mark.parametrize(
    "body,field",
    [({"amount": 0}, "amount"), ({"amount": "x"}, "amount"), ({}, "amount"), ({"amount": 1e11}, "amount"),
     ({"amount": 1, "note": "n" * 201}, "note"), ({"amount": 1, "note": 5}, "note"), ({"amount": 1, "on": "2026-03-01"}, "on")],
)
def test_a_bad_entry_is_a_400_and_saves_nothing(api, goal, frozen, body, field):
    assert field in details(api.post(f"{URL}/{goal.pk}/entries", body))
    assert not GoalEntry.objects.exists()
    assert Goal.objects.get(pk=goal.pk).current_value == 0


# --- progress -----------------------------------------------------------------------------


def test_progress_is_cumulative_by_day(api, owner, goal, time_machine, django_assert_max_num_queries):
    time_machine.move_to(dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.timezone.utc), tick=False)
    api.post(f"{URL}/{goal.pk}/entries", {"amount": 1.5})
    time_machine.move_to(dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.timezone.utc), tick=False)
    yes_no = make_habit(owner)
    water = make_habit(owner, name="Water", kind=Habit.Kind.AT_LEAST, target_value=Decimal(8), unit="glasses")
    commit(yes_no, dt.date(2026, 2, 28), "done")  # before the start: not counted
    commit(yes_no, dt.date(2026, 3, 3), "done")
    commit(water, dt.date(2026, 3, 3), "value", value=Decimal(8))
    api.put(f"{URL}/{goal.pk}/habits/{yes_no.pk}", {"weight": 2})
    api.put(f"{URL}/{goal.pk}/habits/{water.pk}", {"weight": 0.5})
    with django_assert_max_num_queries(6):  # auth, throttle, goal, habit days, entry days
        response = api.get(f"{URL}/{goal.pk}/progress")
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {
        "target": {"value": "10.00", "unit": ""},
        "current_value": "7.50",
        "completed_at": None,
        "start_date": "2026-03-01",
        "days": [
            {"date": "2026-03-01", "value": "0.00"},
            {"date": "2026-03-02", "value": "1.50"},
            {"date": "2026-03-03", "value": "7.50"},  # + 2 × 1 + 0.5 × 8
            {"date": "2026-03-04", "value": "7.50"},
        ],
    }


def test_progress_of_a_goal_that_starts_later_is_its_start_day(api, owner, frozen):
    goal = make_goal(owner, start_date=dt.date(2026, 4, 1))
    data = api.get(f"{URL}/{goal.pk}/progress").json()["data"]
    assert (data["days"], data["start_date"]) == ([{"date": "2026-04-01", "value": "0.00"}], "2026-04-01")


@pytest.mark.parametrize(
    "amount,deadline,status,rate,finish",
    [
        (2, None, "no_deadline", "0.5", "2026-03-20"),  # 2 in 4 days: 8 more take 16 days
        (4, "2026-03-10", "on_track", "1", "2026-03-10"),  # planned 10 × 4/10 = 4
        (5, "2026-03-10", "ahead", "1.25", "2026-03-08"),  # more than 4 + 10%
        (10, "2026-03-10", "completed", "2.5", None),
        (1, "2026-03-03", "overdue", "0.25", "2026-04-09"),
    ],
)
def test_the_goal_json_carries_its_pace(api, owner, frozen, amount, deadline, status, rate, finish):
    goal = make_goal(owner, deadline=dt.date.fromisoformat(deadline) if deadline else None)
    pace = api.post(f"{URL}/{goal.pk}/entries", {"amount": amount}).json()["data"]["goal"]["pace"]
    assert (pace["status"], pace["rate"], pace["expected_finish"]) == (status, rate, finish)
    assert api.get(f"{URL}/{goal.pk}").json()["data"]["pace"] == pace


# --- every endpoint -----------------------------------------------------------------------


def endpoints(goal_id, habit_id):
    return [
        ("GET", URL, None),
        ("POST", URL, {"name": "Read", "target": {"value": 3}}),
        ("GET", f"{URL}/{goal_id}", None),
        ("PATCH", f"{URL}/{goal_id}", {"name": "Read more"}),
        ("DELETE", f"{URL}/{goal_id}", None),
        ("PUT", f"{URL}/{goal_id}/habits/{habit_id}", {"weight": 1}),
        ("DELETE", f"{URL}/{goal_id}/habits/{habit_id}", None),
        ("POST", f"{URL}/{goal_id}/entries", {"amount": 1}),
        ("GET", f"{URL}/{goal_id}/progress", None),
    ]


@pytest.mark.parametrize("index", range(9))
def test_no_credentials_is_a_401(anon, goal, habit, index):
    method, url, body = endpoints(goal.pk, habit.pk)[index]
    response = anon.request(method, url, body)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("index", range(9))
def test_the_session_works_with_csrf(session_api, goal, habit, index):
    method, url, body = endpoints(goal.pk, habit.pk)[index]
    headers = csrf_headers(session_api) if method != "GET" else {}
    response = session_api.request(method, url, body, **headers)
    assert response.status_code in (200, 201), response.content
    if method != "GET":
        assert session_api.request(method, url, body).json()["error"]["code"] == "csrf_failed"


@pytest.mark.parametrize("index", [2, 3, 4, 5, 6, 7, 8])
def test_another_users_goal_is_a_404(api, owner, stranger_goal, index):
    habit = make_habit(owner)
    method, url, body = endpoints(stranger_goal.pk, habit.pk)[index]
    not_found(api.request(method, url, body))
    stranger_goal.refresh_from_db()
    assert (stranger_goal.name, stranger_goal.current_value) == ("Stranger's goal", 0)
    assert not GoalHabit.objects.exists() and not GoalEntry.objects.exists()


@pytest.mark.parametrize("index", [2, 3, 4, 5, 6, 7, 8])
def test_a_missing_goal_is_a_404(api, habit, index):
    method, url, body = endpoints(999999, habit.pk)[index]
    not_found(api.request(method, url, body))


@pytest.mark.parametrize(
    "method,path,allowed",
    [
        ("PUT", "", "GET, POST"),
        ("DELETE", "", "GET, POST"),
        ("POST", "/{goal}", "GET, PATCH, DELETE"),
        ("PUT", "/{goal}", "GET, PATCH, DELETE"),
        ("GET", "/{goal}/habits/{habit}", "PUT, DELETE"),
        ("POST", "/{goal}/habits/{habit}", "PUT, DELETE"),
        ("GET", "/{goal}/entries", "POST"),
        ("DELETE", "/{goal}/entries", "POST"),
        ("POST", "/{goal}/progress", "GET"),
    ],
)
def test_a_wrong_method_is_a_405(api, goal, habit, method, path, allowed):
    response = api.request(method, URL + path.format(goal=goal.pk, habit=habit.pk), {})
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
    assert sorted(response["Allow"].split(", ")) == sorted(allowed.split(", "))


def test_the_rate_limit_covers_goals_and_rewards_together(api, frozen):
    for _ in range(int(auth.RATE_LIMIT.split("/")[0])):
        assert api.get("/api/v1/me").status_code == 200
    response = api.post(URL, {"name": "Read", "target": {"value": 3}})
    assert response.status_code == 429 and response.json()["error"]["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 60
    assert not Goal.objects.exists()
