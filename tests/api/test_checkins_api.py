"""/checkins: PUT creates or replaces a day's check-in, GET lists a range a page at a
time, DELETE removes one; every field's rule is a 400 naming it, a future or unreal day a
400 naming `date`, another user's check-in is never seen."""

from __future__ import annotations

import datetime as dt

import pytest

from habitstory.insights import services, state
from habitstory.insights.models import CheckIn, TrainingState

from .conftest import TODAY

pytestmark = pytest.mark.django_db

URL = "/api/v1/checkins"
FULL = {"mood": "positive", "energy": 6.5, "sleep_hours": 7.25, "exercise_minutes": 30, "social_minutes": 90,
        "work_hours": 8, "stress": 3.5, "note": "Good day.\nLong walk."}


def day_url(day) -> str:
    return f"{URL}/{day}"


def details(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]["details"]


def test_it_creates_a_checkin(api, owner, frozen):
    response = api.put(day_url(TODAY), FULL)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"data", "meta"}
    data = body["data"]
    assert {key: data[key] for key in FULL} == FULL
    assert data["date"] == "2026-03-04"
    checkin = CheckIn.objects.get(user=owner)
    assert checkin.on == TODAY and checkin.mood == "positive" and float(checkin.energy) == 6.5


def test_put_replaces_the_whole_checkin(api, owner, frozen):
    api.put(day_url(TODAY), FULL)
    response = api.put(day_url(TODAY), {"mood": "neutral"})
    data = response.json()["data"]
    assert data["mood"] == "neutral" and data["energy"] is None and data["note"] == ""
    assert CheckIn.objects.filter(user=owner).count() == 1


def test_whole_minutes_may_be_written_as_floats(api, frozen):
    assert api.put(day_url(TODAY), {"exercise_minutes": 30.0}).json()["data"]["exercise_minutes"] == 30


def test_every_field_is_optional(api, frozen):
    response = api.put(day_url(TODAY), {})
    assert response.status_code == 200, response.content
    assert response.json()["data"]["mood"] is None


def test_a_past_day_is_backfilled(api, owner, frozen):
    assert api.put(day_url("2025-12-31"), {"energy": 4}).status_code == 200
    assert CheckIn.objects.get(user=owner).on == dt.date(2025, 12, 31)


def test_a_write_marks_the_data_changed(api, owner, frozen):
    before = state.generation(owner.pk)
    api.put(day_url(TODAY), FULL)
    assert state.generation(owner.pk) > before
    assert TrainingState.objects.get(user=owner).data_changed_at is not None


@pytest.mark.parametrize(("field", "value"), [
    ("mood", "ecstatic"), ("mood", 3),
    ("energy", 10.5), ("energy", -1), ("energy", 6.3), ("energy", "6"), ("energy", True),
    ("sleep_hours", 24.5), ("sleep_hours", -0.5), ("sleep_hours", "8"),
    ("exercise_minutes", 1441), ("exercise_minutes", -1), ("exercise_minutes", 12.5), ("exercise_minutes", False), ("social_minutes", "30"),
    ("social_minutes", 2000), ("work_hours", 25), ("stress", 11), ("stress", 2.2),
    ("note", "x" * 2001), ("note", "bad\x07bell"),
])
def test_each_field_is_checked(api, owner, frozen, field, value):
    assert list(details(api.put(day_url(TODAY), {field: value}))) == [field]
    assert not CheckIn.objects.exists()


def test_unknown_fields_are_refused(api, frozen):
    assert details(api.put(day_url(TODAY), {"mood": "neutral", "happiness": 3})) == {"happiness": ["Unknown field."]}


@pytest.mark.parametrize("day", ["2026-03-05", "2027-01-01"])
def test_a_future_day_is_refused(api, frozen, day):
    assert list(details(api.put(day_url(day), FULL))) == ["date"]
    assert not CheckIn.objects.exists()


def test_the_users_today_is_in_their_time_zone(api, owner, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 4, 23, 30, tzinfo=dt.timezone.utc), tick=False)
    owner.profile.timezone = "Asia/Tokyo"  # already 5 March there
    owner.profile.save()
    assert api.put(day_url("2026-03-05"), FULL).status_code == 200


@pytest.mark.parametrize("day", ["2026-02-30", "yesterday", "2026-3-4", "1999-12-31"])
def test_a_bad_date_is_refused(api, frozen, day):
    assert list(details(api.put(day_url(day), FULL))) == ["date"]


def test_it_reads_a_day(api, frozen):
    api.put(day_url(TODAY), FULL)
    assert api.get(day_url(TODAY)).json()["data"]["stress"] == 3.5
    assert details(api.get(day_url("2026-03-01")), 404) == {}


def test_another_users_checkin_is_not_found(api, stranger_api, owner, frozen):
    api.put(day_url(TODAY), FULL)
    assert stranger_api.get(day_url(TODAY)).status_code == 404
    assert stranger_api.delete(day_url(TODAY)).status_code == 404
    assert stranger_api.get(URL).json()["data"] == []
    assert stranger_api.put(day_url(TODAY), {"mood": "negative"}).status_code == 200  # their own
    assert CheckIn.objects.get(user=owner).mood == "positive"


def test_it_lists_a_range_a_page_at_a_time(api, owner, frozen):
    for offset in range(5):
        services.save_checkin(owner, TODAY - dt.timedelta(days=offset), {"energy": offset})
    data = api.get(f"{URL}?from=2026-03-01&to=2026-03-03").json()["data"]
    assert [row["date"] for row in data] == ["2026-03-01", "2026-03-02", "2026-03-03"]
    first = api.get(f"{URL}?limit=2").json()
    assert [row["date"] for row in first["data"]] == ["2026-02-28", "2026-03-01"]
    second = api.get(f"{URL}?limit=2&cursor={first['meta']['next']}").json()
    assert [row["date"] for row in second["data"]] == ["2026-03-02", "2026-03-03"]


@pytest.mark.parametrize(("query", "field"), [
    ("from=2026-03-05&to=2026-03-01", "from"), ("from=2026-02-30", "from"), ("to=03-01-2026", "to"),
    ("cursor=forged", "cursor"), ("limit=0", "limit"),
])
def test_a_bad_range_is_refused(api, frozen, query, field):
    assert list(details(api.get(f"{URL}?{query}"))) == [field]


def test_it_deletes_a_day(api, owner, frozen):
    api.put(day_url(TODAY), FULL)
    response = api.delete(day_url(TODAY))
    assert response.status_code == 200 and response.json()["data"] is None
    assert not CheckIn.objects.exists()
    assert api.delete(day_url(TODAY)).status_code == 404
    assert list(details(api.delete(day_url("2026-02-31")))) == ["date"]


def test_it_needs_a_token(anon, frozen):
    assert anon.put(day_url(TODAY), FULL).status_code == 401
    assert anon.get(URL).status_code == 401


def test_a_wrong_method_is_an_envelope(api, frozen):
    response = api.post(day_url(TODAY), FULL)
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
