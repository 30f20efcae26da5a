"""PUT/DELETE /habits/{id}/log/{date}, GET /habits/{id}/logs and /stats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from habits import services
from habits.models import Occurrence

from .conftest import TODAY, make_habit

pytestmark = pytest.mark.django_db


def log_url(habit, day) -> str:
    return f"/api/v1/habits/{habit.pk}/log/{day}"


def details(response) -> dict:
    assert response.status_code == 400, response.content
    return response.json()["error"]["details"]


# --- logging a day ----------------------------------------------------------------------------


def test_it_logs_a_day_done(api, habit):
    response = api.put(log_url(habit, "2026-03-04"), {"status": "done", "note": " Felt good "})
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["log"] == {"date": "2026-03-04", "status": "done", "value": None, "note": "Felt good"}
    assert data["stats"]["current_streak"] == 1 and data["stats"]["total_done"] == 1
    occurrence = Occurrence.objects.get(habit=habit)
    assert (occurrence.on, occurrence.status, occurrence.note) == (TODAY, "done", "Felt good")


def test_logging_is_idempotent(api, habit):
    first = api.put(log_url(habit, "2026-03-04"), {"status": "done"})
    second = api.put(log_url(habit, "2026-03-04"), {"status": "done"})
    assert first.status_code == second.status_code == 200
    assert first.json()["data"] == second.json()["data"]
    assert Occurrence.objects.filter(habit=habit).count() == 1


def test_it_logs_a_skip_and_a_past_day(api, habit):
    api.put(log_url(habit, "2026-03-02"), {"status": "skipped"})
    api.put(log_url(habit, "2026-03-03"), {"status": "done"})
    assert dict(Occurrence.objects.values_list("on", "status")) == {
        dt.date(2026, 3, 2): "skipped",
        dt.date(2026, 3, 3): "done",
    }


def test_delete_undoes_the_log(api, habit):
    api.put(log_url(habit, "2026-03-04"), {"status": "done", "note": "kept"})
    response = api.delete(log_url(habit, "2026-03-04"))
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["log"] == {"date": "2026-03-04", "status": "scheduled", "value": None, "note": "kept"}
    assert data["stats"]["total_done"] == 0
    assert Occurrence.objects.get(habit=habit).status == "scheduled"
    # undoing again, or a day never logged, changes nothing
    assert api.delete(log_url(habit, "2026-03-04")).status_code == 200
    assert api.delete(log_url(habit, "2026-03-03")).json()["data"]["log"] is None
    assert Occurrence.objects.count() == 1


def test_a_measurable_habit_takes_a_value_alone(api, owner, frozen):
    water = make_habit(owner, name="Water", kind="at_least", target_value=Decimal(8), unit="glasses")
    partial = api.put(log_url(water, "2026-03-04"), {"value": 5}).json()["data"]["log"]
    assert partial["status"] == "scheduled" and partial["value"] == "5.00"
    full = api.put(log_url(water, "2026-03-04"), {"value": 8.5}).json()["data"]["log"]
    assert full["status"] == "done" and full["value"] == "8.50"
    assert Occurrence.objects.get(habit=water).value == Decimal("8.50")


def test_done_on_a_measurable_habit_records_the_target(api, owner, frozen):
    water = make_habit(owner, name="Water", kind="at_least", target_value=Decimal(8), unit="glasses")
    log = api.put(log_url(water, "2026-03-04"), {"status": "done"}).json()["data"]["log"]
    assert log == {"date": "2026-03-04", "status": "done", "value": "8.00", "note": ""}


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "status"),
        ({"note": "only a note"}, "status"),
        ({"status": "missed"}, "status"),
        ({"status": "started"}, "status"),
        ({"status": "done", "value": 3}, "value"),  # a yes/no habit takes no value
        ({"value": 3}, "status"),
        ({"status": "done", "value": "many"}, "value"),
        ({"status": "done", "note": 5}, "note"),
        ({"status": "done", "when": "now"}, "when"),
    ],
)
def test_a_bad_log_names_the_field_and_saves_nothing(api, habit, body, field):
    assert field in details(api.put(log_url(habit, "2026-03-04"), body))
    assert not Occurrence.objects.exists()


@pytest.mark.parametrize("value", [-1, 10**8, "1e999999999"])
def test_a_value_out_of_range_is_refused(api, owner, frozen, value):
    water = make_habit(owner, name="Water", kind="at_least", target_value=Decimal(8), unit="glasses")
    assert "value" in details(api.put(log_url(water, "2026-03-04"), {"value": value}))
    assert not Occurrence.objects.filter(status="done").exists()


@pytest.mark.parametrize("raw", [b"{", b"[]", b"null", b'{"status": NaN}', b'{"status": "done\\u0000"}'])
def test_a_garbage_log_is_a_400(api, habit, raw):
    response = api.put(log_url(habit, "2026-03-04"), raw=raw)
    assert response.status_code == 400
    assert not Occurrence.objects.exists()


def test_a_future_day_is_refused(api, habit):
    for method in ("put", "delete"):
        response = getattr(api, method)(log_url(habit, "2026-03-05"), {"status": "done"} if method == "put" else None)
        assert details(response) == {"date": ["5 March 2026 has not happened yet."]}
    assert not Occurrence.objects.exists()


def test_a_day_before_the_start_is_refused(api, habit):
    response = api.put(log_url(habit, "2026-01-31"), {"status": "done"})
    assert list(details(response)) == ["date"]
    assert not Occurrence.objects.exists()


@pytest.mark.parametrize("day", ["2026-02-30", "2026-3-4", "20260304", "2026-W10-3", "today", "２０２６-03-04"])
def test_a_bad_date_is_refused(api, habit, day):
    assert details(api.put(log_url(habit, day), {"status": "done"})) == {"date": ["Use a real date written YYYY-MM-DD."]}
    assert not Occurrence.objects.exists()


def test_today_is_the_users_local_today(api, owner, time_machine):
    """Auckland is 13 hours ahead in March: 11:05 UTC on the 4th is 00:05 on the 5th."""
    owner.profile.timezone = "Pacific/Auckland"
    owner.profile.save()
    time_machine.move_to(dt.datetime(2026, 3, 4, 11, 5, tzinfo=dt.timezone.utc), tick=False)
    habit = make_habit(owner)
    response = api.put(log_url(habit, "2026-03-05"), {"status": "done"})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["stats"]["current_streak"] == 1
    assert list(details(api.put(log_url(habit, "2026-03-06"), {"status": "done"}))) == ["date"]
    assert Occurrence.objects.get().on == dt.date(2026, 3, 5)


def test_just_before_midnight_the_next_day_is_still_future(api, owner, time_machine):
    owner.profile.timezone = "Pacific/Auckland"
    owner.profile.save()
    time_machine.move_to(dt.datetime(2026, 3, 4, 10, 55, tzinfo=dt.timezone.utc), tick=False)  # 23:55 on the 4th
    habit = make_habit(owner)
    assert list(details(api.put(log_url(habit, "2026-03-05"), {"status": "done"}))) == ["date"]
    assert api.put(log_url(habit, "2026-03-04"), {"status": "done"}).status_code == 200


def test_a_habit_starting_today_in_auckland_can_be_logged_at_once(api, owner, time_machine):
    owner.profile.timezone = "Pacific/Auckland"
    owner.profile.save()
    time_machine.move_to(dt.datetime(2026, 3, 4, 11, 1, tzinfo=dt.timezone.utc), tick=False)
    habit_id = api.post("/api/v1/habits", {"name": "Stretch"}).json()["data"]["id"]
    response = api.put(f"/api/v1/habits/{habit_id}/log/2026-03-05", {"status": "done"})
    assert response.status_code == 200, response.content


# --- reading logs -----------------------------------------------------------------------------


def log_days(habit, *days: str, status: str = "done") -> None:
    for day in days:
        services.log_occurrence(habit, dt.date.fromisoformat(day), status)


def test_logs_default_to_the_last_30_days(api, habit):
    log_days(habit, "2026-02-02", "2026-02-03", "2026-03-04")
    data = api.get(f"/api/v1/habits/{habit.pk}/logs").json()["data"]
    assert (data["from"], data["to"]) == ("2026-02-03", "2026-03-04")
    assert [log["date"] for log in data["logs"]] == ["2026-02-03", "2026-03-04"]


def test_logs_take_a_range(api, habit):
    log_days(habit, "2026-02-01", "2026-02-10", "2026-02-20")
    data = api.get(f"/api/v1/habits/{habit.pk}/logs?from=2026-02-05&to=2026-02-20").json()["data"]
    assert [log["date"] for log in data["logs"]] == ["2026-02-10", "2026-02-20"]


def test_a_range_of_two_years_is_the_most(api, habit):
    assert api.get(f"/api/v1/habits/{habit.pk}/logs?from=2024-03-04&to=2026-03-04").status_code == 200
    response = api.get(f"/api/v1/habits/{habit.pk}/logs?from=2024-03-03&to=2026-03-04")
    assert details(response) == {"from": ["A range can span at most 2 years."]}


@pytest.mark.parametrize(
    "query,field",
    [("from=2026-03-04&to=2026-03-01", "from"), ("from=yesterday", "from"), ("to=2026-13-01", "to"), ("to=", "to")],
)
def test_a_bad_range_is_refused(api, habit, query, field):
    assert list(details(api.get(f"/api/v1/habits/{habit.pk}/logs?{query}"))) == [field]


def test_stats_follow_the_logs(api, owner, frozen):
    habit = make_habit(owner, start=dt.date(2026, 3, 1))
    log_days(habit, "2026-03-01", "2026-03-02")
    log_days(habit, "2026-03-03", status="skipped")
    log_days(habit, "2026-03-04")
    stats = api.get(f"/api/v1/habits/{habit.pk}/stats").json()["data"]
    assert stats["current_streak"] == 3  # a skip neither adds nor breaks
    assert stats["longest_streak"] == 3
    assert stats["total_done"] == 3 and stats["total_skipped"] == 1
    assert stats["consistency"] == 100
    assert stats["at_risk"] is False
    assert stats["suggestions"] == []


def test_a_huge_id_is_a_404(api, frozen):
    assert api.get("/api/v1/habits/99999999999999999999999999").status_code == 404
    assert api.put("/api/v1/habits/99999999999999999999999999/log/2026-03-04", {"status": "done"}).status_code == 404
