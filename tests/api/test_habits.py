from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from habits import services
from habits.models import Habit, Occurrence

from .conftest import NOW, TODAY, make_habit, make_pillar

pytestmark = pytest.mark.django_db

URL = "/api/v1/habits"


def details(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"]["code"] == "validation_error"
    return body["error"]["details"]


# --- create -------------------------------------------------------------------------------


def test_it_creates_a_habit_with_every_field(api, owner, pillar, frozen):
    body = {
        "name": "  Water  ",
        "pillar": pillar.pk,
        "schedule": {"kind": "weekdays", "days": [4, 0, 2]},
        "type": "at_least",
        "target": {"value": 8, "unit": "glasses"},
        "difficulty": "hard",
        "priority": 1,
        "reminder_time": "07:30",
        "timer_minutes": 5,
        "requires_verification": True,
        "start_date": "2026-01-15",
        "notes": "Before coffee.",
    }
    response = api.post(URL, body)
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    habit = Habit.objects.get(user=owner)
    assert data == {
        "id": habit.pk,
        "name": "Water",
        "pillar": pillar.pk,
        "schedule": {"kind": "weekdays", "days": [0, 2, 4]},
        "type": "at_least",
        "target": {"value": "8.00", "unit": "glasses"},
        "difficulty": "hard",
        "priority": 1,
        "reminder_time": "07:30",
        "timer_minutes": 5,
        "requires_verification": True,
        "status": "active",
        "start_date": "2026-01-15",
        "notes": "Before coffee.",
        "created_at": "2026-03-04T12:00:00Z",
        "stats": data["stats"],
    }
    assert habit.target_value == Decimal("8.00") and habit.weekdays == [0, 2, 4]
    assert set(data["stats"]) == {
        "current_streak", "longest_streak", "consistency", "strength", "total_done", "total_skipped",
        "consecutive_misses", "last_done_on", "at_risk", "failure_rate", "suggested_frequency", "suggestions",
    }


def test_a_new_habit_starts_on_the_users_local_today(api, owner, time_machine):
    owner.profile.timezone = "Pacific/Auckland"
    owner.profile.save()
    time_machine.move_to(dt.datetime(2026, 3, 4, 11, 30, tzinfo=dt.timezone.utc), tick=False)  # 00:30 on the 5th
    data = api.post(URL, {"name": "Stretch"}).json()["data"]
    assert data["start_date"] == "2026-03-05"
    assert data["schedule"] == {"kind": "daily"}
    assert data["type"] == "yes_no" and data["target"] is None


@pytest.mark.parametrize(
    "schedule,expected",
    [
        ({"kind": "daily"}, {"kind": "daily"}),
        ({"kind": "per_week", "times": 3}, {"kind": "per_week", "times": 3}),
        ({"kind": "every_n_days", "n": 2}, {"kind": "every_n_days", "n": 2, "start": "2026-03-04"}),
    ],
)
def test_it_takes_each_schedule(api, frozen, schedule, expected):
    response = api.post(URL, {"name": "Run", "schedule": schedule})
    assert response.status_code == 201, response.content
    assert response.json()["data"]["schedule"] == expected


def test_every_n_days_may_give_its_start_in_the_schedule(api, frozen):
    response = api.post(URL, {"name": "Run", "schedule": {"kind": "every_n_days", "n": 3, "start": "2026-02-01"}})
    data = response.json()["data"]
    assert data["start_date"] == "2026-02-01"
    assert data["schedule"]["start"] == "2026-02-01"


def test_a_start_in_the_past_backfills(api, owner, frozen):
    response = api.post(URL, {"name": "Read", "start_date": "2024-01-01"})
    assert response.status_code == 201
    assert Habit.objects.get(user=owner).start_date == dt.date(2024, 1, 1)


def test_it_can_create_a_paused_habit(api, owner, frozen):
    data = api.post(URL, {"name": "Read", "status": "paused"}).json()["data"]
    habit = Habit.objects.get(user=owner)
    assert data["status"] == "paused" == habit.status
    assert habit.pauses == [["2026-03-04", None]]


@pytest.mark.parametrize(
    "body,expected",
    [
        ({"name": ""}, {"name"}),
        ({"name": "x" * 81}, {"name"}),
        ({"name": "Run", "schedule": {"kind": "weekdays", "days": []}}, {"schedule.days"}),
        ({"name": "Run", "schedule": {"kind": "weekdays", "days": [7]}}, {"schedule.days"}),
        ({"name": "Run", "schedule": {"kind": "weekdays", "days": ["Mon"]}}, {"schedule.days"}),
        ({"name": "Run", "schedule": {"kind": "per_week"}}, {"schedule.times"}),
        ({"name": "Run", "schedule": {"kind": "per_week", "times": 8}}, {"schedule.times"}),
        ({"name": "Run", "schedule": {"kind": "every_n_days", "n": 0}}, {"schedule.n"}),
        ({"name": "Run", "schedule": {"kind": "hourly"}}, {"schedule.kind"}),
        ({"name": "Run", "schedule": {"days": [1]}}, {"schedule.kind"}),
        ({"name": "Run", "schedule": {"kind": "daily", "days": [1]}}, {"schedule.days"}),  # what a kind does not take
        ({"name": "Run", "schedule": {"kind": "daily", "start": "2026-01-01"}}, {"schedule.start"}),
        (
            {"name": "Run", "start_date": "2026-01-02", "schedule": {"kind": "every_n_days", "n": 2, "start": "2026-01-01"}},
            {"schedule.start"},
        ),
        ({"name": "Water", "type": "at_least"}, {"target.value"}),
        ({"name": "Water", "type": "at_least", "target": {"value": 0}}, {"target.value"}),
        ({"name": "Water", "type": "at_least", "target": {"value": "lots"}}, {"target.value"}),
        ({"name": "Water", "type": "at_least", "target": {"value": 1e12}}, {"target.value"}),
        ({"name": "Water", "type": "at_least", "target": {"value": 8, "unit": "u" * 21}}, {"target.unit"}),
        ({"name": "Water", "type": "sometimes"}, {"type"}),
        ({"name": "Run", "difficulty": "brutal"}, {"difficulty"}),
        ({"name": "Run", "priority": 4}, {"priority"}),
        ({"name": "Run", "priority": 10**30}, {"priority"}),
        ({"name": "Run", "reminder_time": "25:00"}, {"reminder_time"}),
        ({"name": "Run", "timer_minutes": -5}, {"timer_minutes"}),
        ({"name": "Run", "timer_minutes": 100000}, {"timer_minutes"}),
        ({"name": "Run", "start_date": "2026-02-30"}, {"start_date"}),
        ({"name": "Run", "status": "deleted"}, {"status"}),
        ({"name": "Run", "requires_verification": "maybe"}, {"requires_verification"}),
        ({"name": "Run", "pillar": "health"}, {"pillar"}),
        ({"name": "Run", "colour": "red"}, {"colour"}),
        ({}, {"name"}),
        ({"name": None}, {"name"}),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(api, frozen, body, expected):
    assert set(details(api.post(URL, body))) == expected
    assert not Habit.objects.exists()


def test_all_the_errors_come_at_once(api, frozen):
    # What the schema states comes first, all at once; then the rules between fields.
    response = api.post(URL, {"name": "", "priority": 0, "schedule": {"kind": "weekdays", "days": []}})
    assert details(response) == {
        "name": ["This field is required."],
        "priority": ["Choose 1 (high), 2 or 3 (low)."],
        "schedule.days": ["Pick at least one day of the week (0 = Monday … 6 = Sunday)."],
    }
    response = api.post(URL, {"name": "Water", "type": "at_least", "start_date": "1999-12-31"})
    assert details(response) == {
        "start_date": ["Choose a start date between 1 January 2000 and a year from now."],
        "target.value": ["A measurable habit needs a target, such as 8 (glasses)."],
    }


def test_another_users_pillar_is_not_found(api, stranger_pillar, frozen):
    response = api.post(URL, {"name": "Run", "pillar": stranger_pillar.pk})
    assert response.status_code == 404
    assert response.json()["error"]["details"] == {"pillar": ["Choose one of your pillars, or null for unsorted."]}
    assert not Habit.objects.exists()


GARBAGE = [
    b"{not json",
    b"",
    b"null",
    b"[]",
    b'"a string"',
    b"42",
    b"true",
    b'{"name": NaN}',
    b'{"name": "Run", "schedule": null}',
    b'{"name": "Run", "schedule": "daily"}',
    b'{"name": "Run", "schedule": {"kind": ["daily"]}}',
    b'{"name": "Run", "target": [1, 2]}',
    b'{"name": "Run", "type": "at_least", "target": {"value": NaN}}',
    b'{"name": "Run", "type": "at_least", "target": {"value": Infinity}}',
    b'{"name": "Run", "type": "at_least", "target": {"value": 1e400}}',
    b'{"name": {"nested": "object"}}',
    b"\xff\xfe\x00garbage",
    b'{"name": "\\ud800"}',
    b"[" * 50_000 + b"]" * 50_000,
    b'{"name": "Run", "start_date": 99999999999999999999}',
    b'{"name": "Run", "reminder_time": 1e99}',
    b'{"name": "Run\\u0000"}',
    b'{"name": "Run", "\\udfff": 1}',
    b'{"name": "Run", "timer_minutes": 100000000000000000000000000000}',
    b'{"name": "Run", "schedule": {"kind": "every_n_days", "n": 100000000000000000000000}}',
    b'{"name": "Run", "pillar": 100000000000000000000000}',
]


@pytest.mark.parametrize("raw", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_is_a_400_not_a_500(api, frozen, raw):
    response = api.post(URL, raw=raw)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert not Habit.objects.exists()


def test_a_form_encoded_body_is_a_415(api, frozen):
    response = api.client.post(URL, {"name": "Run"}, HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert response.status_code == 415
    assert not Habit.objects.exists()


def test_an_oversized_body_is_refused(api, frozen):
    raw = json.dumps({"name": "Run", "notes": "x" * (6 * 1024 * 1024)})
    response = api.post(URL, raw=raw)
    assert response.status_code in (400, 413)
    assert "error" in response.json()
    assert not Habit.objects.exists()


# --- list and read --------------------------------------------------------------------------


def test_it_lists_only_the_users_living_habits(api, owner, stranger, frozen):
    read = make_habit(owner, name="Read")
    services.delete_habit(make_habit(owner, name="Gone"))
    make_habit(stranger, name="Not mine")
    names = [h["name"] for h in api.get(URL).json()["data"]]
    assert names == ["Read"]
    assert api.get(f"{URL}/{read.pk}").json()["data"]["name"] == "Read"


def test_it_filters_by_status(api, owner, frozen):
    make_habit(owner, name="Read")
    services.set_status(make_habit(owner, name="Run"), "archived")
    assert [h["name"] for h in api.get(URL + "?status=archived").json()["data"]] == ["Run"]
    assert [h["name"] for h in api.get(URL + "?status=active").json()["data"]] == ["Read"]
    assert set(details(api.get(URL + "?status=gone"))) == {"status"}


def test_listing_takes_a_fixed_number_of_queries(api, owner, frozen, django_assert_max_num_queries):
    for i in range(5):
        make_habit(owner, name=f"Habit {i}")
    with django_assert_max_num_queries(4):
        assert len(api.get(URL).json()["data"]) == 5


def test_the_stats_are_fresh_for_the_users_today(api, owner, frozen):
    habit = make_habit(owner, start=TODAY - dt.timedelta(days=2))
    for back in (2, 1, 0):
        services.log_occurrence(habit, TODAY - dt.timedelta(days=back), "done")
    stats = api.get(f"{URL}/{habit.pk}").json()["data"]["stats"]
    assert stats["current_streak"] == 3
    assert stats["total_done"] == 3
    assert stats["last_done_on"] == "2026-03-04"
    assert 0 <= stats["strength"] <= 100 and isinstance(stats["strength"], int)


# --- change -----------------------------------------------------------------------------------


def test_patch_changes_only_what_is_sent(api, owner, pillar, frozen):
    habit = make_habit(owner, name="Read", difficulty="easy", notes="Fiction", pillar=pillar)
    response = api.patch(f"{URL}/{habit.pk}", {"name": "Read more", "priority": 1})
    assert response.status_code == 200, response.content
    habit.refresh_from_db()
    assert (habit.name, habit.priority, habit.difficulty, habit.notes, habit.pillar) == (
        "Read more", 1, "easy", "Fiction", pillar,
    )
    assert response.json()["data"]["name"] == "Read more"


def test_patch_can_clear_the_pillar_and_the_reminder(api, owner, pillar, frozen):
    habit = make_habit(owner, pillar=pillar, reminder_time=dt.time(7, 30))
    data = api.patch(f"{URL}/{habit.pk}", {"pillar": None, "reminder_time": None}).json()["data"]
    assert data["pillar"] is None and data["reminder_time"] is None
    habit.refresh_from_db()
    assert habit.pillar is None and habit.reminder_time is None


def test_patch_replaces_the_schedule(api, owner, frozen):
    habit = make_habit(owner, schedule="weekdays", weekdays=[0, 1])
    data = api.patch(f"{URL}/{habit.pk}", {"schedule": {"kind": "per_week", "times": 4}}).json()["data"]
    assert data["schedule"] == {"kind": "per_week", "times": 4}
    habit.refresh_from_db()
    assert (habit.schedule, habit.weekdays, habit.times_per_week) == ("per_week", [], 4)


def test_patch_makes_a_habit_measurable(api, owner, frozen):
    habit = make_habit(owner)
    data = api.patch(f"{URL}/{habit.pk}", {"type": "at_most", "target": {"value": 2.5, "unit": "coffees"}}).json()
    assert data["data"]["target"] == {"value": "2.50", "unit": "coffees"}


def test_patch_a_target_without_a_unit(api, owner, frozen):
    habit = make_habit(owner)
    response = api.patch(f"{URL}/{habit.pk}", {"type": "at_least", "target": {"value": 5}})
    assert response.status_code == 200
    assert response.json()["data"]["target"] == {"value": "5.00", "unit": ""}


@pytest.mark.parametrize(
    "body,field",
    [
        ({"name": None}, "name"),
        ({"name": "  "}, "name"),
        ({"schedule": None}, "schedule"),
        ({"schedule": {"times": 3}}, "schedule.kind"),
        ({"type": "at_least"}, "target.value"),
        ({"status": None}, "status"),
        ({"start_date": None}, "start_date"),
        ({"priority": 0}, "priority"),
        ({"id": 5}, "id"),
    ],
)
def test_a_bad_patch_names_the_field_and_changes_nothing(api, owner, frozen, body, field):
    habit = make_habit(owner, name="Read")
    before = Habit.objects.filter(pk=habit.pk).values().get()
    assert field in details(api.patch(f"{URL}/{habit.pk}", body))
    assert Habit.objects.filter(pk=habit.pk).values().get() == before


def test_patch_status_pauses_and_resumes_through_the_service(api, owner, time_machine):
    time_machine.move_to(NOW, tick=False)
    habit = make_habit(owner)
    assert api.patch(f"{URL}/{habit.pk}", {"status": "paused"}).json()["data"]["status"] == "paused"
    time_machine.move_to(NOW + dt.timedelta(days=3), tick=False)
    assert api.patch(f"{URL}/{habit.pk}", {"status": "active"}).json()["data"]["status"] == "active"
    habit.refresh_from_db()
    assert habit.pauses == [["2026-03-04", "2026-03-06"]]


def test_patch_with_a_bad_field_does_not_change_the_status(api, owner, frozen):
    habit = make_habit(owner)
    details(api.patch(f"{URL}/{habit.pk}", {"status": "archived", "priority": 9}))
    habit.refresh_from_db()
    assert habit.status == "active"


# --- delete -----------------------------------------------------------------------------------


def test_delete_is_a_soft_delete(api, owner, frozen):
    habit = make_habit(owner)
    response = api.delete(f"{URL}/{habit.pk}")
    assert response.status_code == 200
    assert response.json()["data"] is None
    habit.refresh_from_db()
    assert habit.deleted_at == NOW
    assert api.get(f"{URL}/{habit.pk}").status_code == 404
    assert api.delete(f"{URL}/{habit.pk}").status_code == 404
    assert Occurrence.objects.count() == 0 and Habit.objects.count() == 1


def test_a_deleted_pillar_leaves_its_habits_unsorted(api, owner, frozen):
    pillar = make_pillar(owner)
    habit = make_habit(owner, pillar=pillar)
    api.delete(f"/api/v1/pillars/{pillar.pk}")
    assert api.get(f"{URL}/{habit.pk}").json()["data"]["pillar"] is None
