"""/life-events: list (by type and range, a page at a time), create, read, change, delete;
each rule a 400 naming the field, another user's event a 404."""

from __future__ import annotations

import datetime as dt

import pytest

from habitstory.insights import services, state
from habitstory.insights.models import LifeEvent

from .conftest import TODAY

pytestmark = pytest.mark.django_db

URL = "/api/v1/life-events"
EXAM = {"type": "exam", "title": "Finals", "start": "2026-02-20", "end": "2026-02-24", "data": {"subject": "maths"}}


def details(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]["details"]


def make_event(user, **values) -> LifeEvent:
    values = {"type": "illness", "title": "Flu", "start": TODAY, **values}
    return services.create_life_event(user, values)


def test_it_creates_an_event(api, owner, frozen):
    response = api.post(URL, EXAM)
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert {key: data[key] for key in EXAM} == EXAM
    event = LifeEvent.objects.get(user=owner)
    assert data["id"] == event.pk and event.end == dt.date(2026, 2, 24)


def test_a_single_day_needs_no_end_nor_data(api, frozen):
    data = api.post(URL, {"type": "celebration", "title": " Birthday ", "start": "2026-03-04"}).json()["data"]
    assert data["end"] is None and data["data"] == {} and data["title"] == "Birthday"


def test_a_write_marks_the_data_changed(api, owner, frozen):
    before = state.generation(owner.pk)
    api.post(URL, EXAM)
    assert state.generation(owner.pk) > before


@pytest.mark.parametrize(("change", "field"), [
    ({"type": "party"}, "type"),
    ({"title": ""}, "title"), ({"title": "   "}, "title"), ({"title": "x" * 121}, "title"),
    ({"start": "2026-02-30"}, "start"), ({"start": "1999-12-31"}, "start"), ({"start": "2027-03-06", "end": None}, "start"),
    ({"end": "2026-02-19"}, "end"), ({"end": "tomorrow"}, "end"),
    ({"data": [1, 2]}, "data"), ({"data": None}, "data"), ({"data": "text"}, "data"), ({"data": {"blob": "x" * 4100}}, "data"),
    ({"data": {"a": [[[[[[[[[[[1]]]]]]]]]]]}}, "data"),
    ({"colour": "red"}, "colour"),
])
def test_each_field_is_checked(api, frozen, change, field):
    assert list(details(api.post(URL, {**EXAM, **change}))) == [field]
    assert not LifeEvent.objects.exists()


@pytest.mark.parametrize("missing", ["type", "title", "start"])
def test_the_required_fields(api, frozen, missing):
    body = {key: value for key, value in EXAM.items() if key != missing}
    assert details(api.post(URL, body)) == {missing: ["This field is required."]}


def test_it_reads_and_changes_an_event(api, owner, frozen):
    event = make_event(owner)
    assert api.get(f"{URL}/{event.pk}").json()["data"]["title"] == "Flu"
    response = api.patch(f"{URL}/{event.pk}", {"end": "2026-03-06", "data": {"fever": True}})
    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert event.end == dt.date(2026, 3, 6) and event.data == {"fever": True} and event.title == "Flu"
    api.patch(f"{URL}/{event.pk}", {"end": None, "data": None})
    event.refresh_from_db()
    assert event.end is None and event.data == {}


def test_a_change_keeps_the_end_after_the_start(api, owner, frozen):
    event = make_event(owner, end=dt.date(2026, 3, 10))
    assert list(details(api.patch(f"{URL}/{event.pk}", {"start": "2026-03-11"}))) == ["end"]
    assert list(details(api.patch(f"{URL}/{event.pk}", {"type": None}))) == ["type"]
    event.refresh_from_db()
    assert event.start == TODAY and event.type == "illness"


def test_another_users_event_is_not_found(api, stranger_api, owner, frozen):
    event = make_event(owner)
    assert stranger_api.get(f"{URL}/{event.pk}").status_code == 404
    assert stranger_api.patch(f"{URL}/{event.pk}", {"title": "Mine"}).status_code == 404
    assert stranger_api.delete(f"{URL}/{event.pk}").status_code == 404
    assert stranger_api.get(URL).json()["data"] == []
    event.refresh_from_db()
    assert event.title == "Flu"


def test_it_deletes_an_event(api, owner, frozen):
    event = make_event(owner)
    response = api.delete(f"{URL}/{event.pk}")
    assert response.status_code == 200 and response.json()["data"] is None
    assert not LifeEvent.objects.exists()
    assert api.get(f"{URL}/{event.pk}").status_code == 404


def test_it_lists_by_type_and_range(api, owner, frozen):
    flu = make_event(owner, start=dt.date(2026, 1, 5), end=dt.date(2026, 1, 9))
    trip = make_event(owner, type="travel", title="Lisbon", start=dt.date(2026, 2, 1))
    exam = make_event(owner, type="exam", title="Finals", start=dt.date(2026, 2, 20), end=dt.date(2026, 2, 24))
    ids = lambda query: [row["id"] for row in api.get(f"{URL}?{query}").json()["data"]]  # noqa: E731
    assert ids("") == [exam.pk, trip.pk, flu.pk]
    assert ids("type=travel") == [trip.pk]
    assert ids("from=2026-01-08&to=2026-02-01") == [trip.pk, flu.pk]
    assert ids("from=2026-02-22") == [exam.pk]
    page = api.get(f"{URL}?limit=2").json()
    assert [row["id"] for row in page["data"]] == [exam.pk, trip.pk]
    rest = api.get(f"{URL}?limit=2&cursor={page['meta']['next']}").json()
    assert [row["id"] for row in rest["data"]] == [flu.pk] and rest["meta"]["next"] is None


@pytest.mark.parametrize(("query", "field"), [
    ("type=party", "type"), ("from=2026-03-05&to=2026-03-01", "from"), ("to=2026-13-01", "to"),
])
def test_a_bad_filter_is_refused(api, frozen, query, field):
    assert list(details(api.get(f"{URL}?{query}"))) == [field]


def test_it_needs_a_token(anon, frozen):
    assert anon.post(URL, EXAM).status_code == 401
