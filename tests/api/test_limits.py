"""Input limits, one set, enforced everywhere (issue 12, part 3): text lengths and
characters, times without an offset, JSON bodies only, amounts to the cent, a JSON 404 for
any path under /api/, and an OpenAPI schema that states what the server checks."""

from __future__ import annotations

import pytest

from goals.models import Goal, GoalEntry
from habits.models import Habit, Occurrence

from .conftest import make_habit

pytestmark = pytest.mark.django_db

HUGE = "x" * 5_000_000


def error_of(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content[:500]
    return response.json()["error"]


@pytest.fixture
def goal(owner, frozen) -> Goal:
    return Goal.objects.create(user=owner, name="Read", target_value=10, start_date=frozen.date())


# --- text: lengths ---------------------------------------------------------------------------


def test_a_huge_note_on_a_log_is_refused(api, habit):
    error = error_of(api.put(f"/api/v1/habits/{habit.pk}/log/2026-03-04", {"status": "done", "note": HUGE}))
    assert set(error["details"]) == {"note"}
    assert not Occurrence.objects.exists()


def test_huge_habit_notes_are_refused(api, habit, frozen):
    assert set(error_of(api.post("/api/v1/habits", {"name": "Run", "notes": HUGE}))["details"]) == {"notes"}
    assert set(error_of(api.patch(f"/api/v1/habits/{habit.pk}", {"notes": HUGE}))["details"]) == {"notes"}
    assert Habit.objects.get().notes == ""


def test_a_huge_goal_description_is_refused(api, goal):
    body = {"name": "Run", "description": HUGE, "target": {"value": 5}}
    assert set(error_of(api.post("/api/v1/goals", body))["details"]) == {"description"}
    assert set(error_of(api.patch(f"/api/v1/goals/{goal.pk}", {"description": HUGE}))["details"]) == {"description"}
    assert Goal.objects.get().description == ""


def test_the_limits_are_the_models(api, habit, goal):
    # Exactly at the limit is fine; one more is not.
    note = Occurrence._meta.get_field("note").max_length
    assert api.put(f"/api/v1/habits/{habit.pk}/log/2026-03-04", {"status": "done", "note": "n" * note}).status_code == 200
    assert api.patch(f"/api/v1/habits/{habit.pk}", {"name": "n" * 80}).status_code == 200
    assert set(error_of(api.patch(f"/api/v1/habits/{habit.pk}", {"name": "n" * 81}))["details"]) == {"name"}
    description = Goal._meta.get_field("description").max_length
    assert api.patch(f"/api/v1/goals/{goal.pk}", {"description": "d" * description}).status_code == 200
    assert set(error_of(api.patch(f"/api/v1/goals/{goal.pk}", {"description": "d" * (description + 1)}))["details"]) == {
        "description"
    }


# --- text: characters ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Run\x07", "Run\nfast", "Run\tfast", "\u202eevil", "a\u2066b", "\x1f", "   "])
def test_a_name_with_control_or_direction_characters_is_refused(api, habit, frozen, name):
    assert set(error_of(api.post("/api/v1/habits", {"name": name}))["details"]) == {"name"}
    assert set(error_of(api.post("/api/v1/pillars", {"name": name}))["details"]) == {"name"}
    assert set(error_of(api.post("/api/v1/goals", {"name": name, "target": {"value": 5}}))["details"]) == {"name"}
    assert Habit.objects.count() == 1 and not Goal.objects.exists()


def test_notes_take_tabs_and_line_breaks_but_no_other_control_character(api, habit):
    url = f"/api/v1/habits/{habit.pk}/log/2026-03-04"
    assert api.put(url, {"status": "done", "note": "one\ttwo\r\nthree\n"}).status_code == 200
    assert Occurrence.objects.get().note == "one\ttwo\r\nthree"
    assert set(error_of(api.put(url, {"status": "done", "note": "bell\x07"}))["details"]) == {"note"}
    assert set(error_of(api.patch(f"/api/v1/habits/{habit.pk}", {"notes": "esc\x1b[31m"}))["details"]) == {"notes"}
    assert set(error_of(api.patch(f"/api/v1/habits/{habit.pk}", {"target": None, "type": "at_least"}))["details"]) == {
        "target.value"
    }


def test_a_unit_is_a_label(api, habit):
    body = {"type": "at_least", "target": {"value": 8, "unit": "glasses\u202e"}}
    assert set(error_of(api.patch(f"/api/v1/habits/{habit.pk}", body))["details"]) == {"target.unit"}


# --- times, amounts --------------------------------------------------------------------------


@pytest.mark.parametrize("time", ["22:09:39+21:37", "07:30+01:00", "07:30Z", "07:30:00.5", "7:30", "24:00"])
def test_a_reminder_time_with_an_offset_is_refused(api, habit, frozen, time):
    assert set(error_of(api.post("/api/v1/habits", {"name": "Run", "reminder_time": time}))["details"]) == {
        "reminder_time"
    }
    assert set(error_of(api.patch(f"/api/v1/habits/{habit.pk}", {"reminder_time": time}))["details"]) == {
        "reminder_time"
    }
    habit.refresh_from_db()
    assert habit.reminder_time is None


def test_a_reminder_time_is_local_hours_and_minutes(api, habit):
    assert api.patch(f"/api/v1/habits/{habit.pk}", {"reminder_time": "07:30:15"}).json()["data"]["reminder_time"] == "07:30"


@pytest.mark.parametrize("amount", [0.001, -0.004, 0.005, 0])
def test_an_entry_that_rounds_to_0_is_refused(api, goal, amount):
    assert set(error_of(api.post(f"/api/v1/goals/{goal.pk}/entries", {"amount": amount}))["details"]) == {"amount"}
    assert not GoalEntry.objects.exists()


def test_an_entry_is_rounded_to_the_cent(api, goal):
    data = api.post(f"/api/v1/goals/{goal.pk}/entries", {"amount": 0.006}).json()["data"]
    assert data["entry"]["amount"] == "0.01"


def test_a_target_of_1e20_is_too_large_not_missing(api, frozen):
    body = {"name": "Water", "type": "at_least", "target": {"value": 1e20}}
    assert error_of(api.post("/api/v1/habits", body))["details"] == {"target.value": ["Enter a target up to 9,999,999.99."]}


@pytest.mark.parametrize(
    "schedule,key,message",
    [
        ({"kind": "per_week", "times": 9}, "schedule.times", "Choose between 1 and 7 times per week."),
        ({"kind": "per_week", "times": 0}, "schedule.times", "Choose between 1 and 7 times per week."),
        ({"kind": "every_n_days", "n": 0}, "schedule.n", "Repeat every 1 day or more."),
    ],
)
def test_one_mistake_is_one_error(api, frozen, schedule, key, message):
    assert error_of(api.post("/api/v1/habits", {"name": "Run", "schedule": schedule}))["details"] == {key: [message]}


# --- media types, paths ----------------------------------------------------------------------


@pytest.mark.parametrize("content_type", ["text/plain", "", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_a_415(api, habit, content_type, frozen):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.token}"}
    for method, url, body in [
        ("POST", "/api/v1/habits", '{"name": "Run"}'),
        ("PATCH", f"/api/v1/habits/{habit.pk}", '{"name": "Run"}'),
        ("PUT", f"/api/v1/habits/{habit.pk}/log/2026-03-04", '{"status": "done"}'),
    ]:
        response = api.client.generic(method, url, body, content_type=content_type, **headers)
        assert error_of(response, 415)["code"] == "unsupported_media_type"
    assert Habit.objects.get().name == "Read" and not Occurrence.objects.exists()


def test_json_with_a_charset_or_a_json_suffix_is_fine(api, frozen):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api.token}"}
    for content_type in ["application/json; charset=utf-8", "application/merge-patch+json"]:
        response = api.client.post("/api/v1/habits", '{"name": "Run"}', content_type=content_type, **headers)
        assert response.status_code == 201, content_type


def test_a_post_without_a_body_needs_no_content_type(api, owner, frozen):
    # The service worker's Snooze: a POST with no body.
    habit = make_habit(owner)
    response = api.client.post(f"/api/v1/habits/{habit.pk}/log/2026-03-04/snooze", HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert response.status_code == 400  # not prompted: a 400 from the view, not a 415


@pytest.mark.parametrize(
    "path",  # %0A: the test client, like urllib, drops a raw newline from a URL
    ["/api/v1/habits/1%0A", "/api/v1/x%0Ay", "/api/v1/analytics/habits/%19%0A%C3%AE/weekly", "/api/v2/habits",
     "/api/", "/api/v1x"],
)
def test_any_path_under_api_answers_in_the_envelope(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


# --- the schema says it ----------------------------------------------------------------------


def test_the_openapi_schema_states_the_limits(anon):
    schema = anon.get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    day = schema["paths"]["/api/v1/habits/{habit_id}/log/{day}"]["put"]["parameters"][1]
    assert (day["name"], day["schema"]["format"]) == ("day", "date")
    habit = components["HabitIn"]["properties"]
    assert (habit["name"]["minLength"], habit["name"]["maxLength"]) == (1, 80)
    assert (habit["priority"]["minimum"], habit["priority"]["maximum"]) == (1, 3)
    assert habit["notes"]["maxLength"] == 2000 and "pattern" in habit["notes"]
    assert habit["reminder_time"]["anyOf"][0]["pattern"].startswith("^([01]")
    assert components["TargetIn"]["properties"]["value"]["exclusiveMinimum"] == 0.005
    times = components["PerWeekIn"]["properties"]["times"]
    assert (times["minimum"], times["maximum"]) == (1, 7)
    assert components["WeekdaysIn"]["properties"]["days"]["minItems"] == 1
    assert components["GoalIn"]["properties"]["description"]["maxLength"] == 2000
    assert components["LogIn"]["properties"]["note"]["anyOf"][0]["maxLength"] == 2000
    assert components["PillarIn"]["properties"]["name"]["maxLength"] == 40
