"""Life events: list (by type), create, edit, delete after a confirmation page; bad input
kept and named; another user's event is a 404; nothing sent makes a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from habitstory.insights.models import LifeEvent, TrainingState

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def event(owner):
    return LifeEvent.objects.create(user=owner, type="illness", title="Flu", start=TODAY - dt.timedelta(days=5),
                                    end=TODAY - dt.timedelta(days=2), data={"severity": 3})


@pytest.fixture
def strangers_event(stranger):
    return LifeEvent.objects.create(user=stranger, type="exam", title="Stranger's exam", start=TODAY)


def form(**fields) -> dict:
    return {"type": "exam", "title": "Finals", "start": "2026-11-20", "end": "", "data": "", **fields}


def test_the_list_shows_ones_own_events_newest_first_and_filters_by_type(owner_client, event, strangers_event, owner):
    LifeEvent.objects.create(user=owner, type="travel", title="Lisbon", start=TODAY)
    html = owner_client.get("/insights/events/").content.decode()
    assert html.index("Lisbon") < html.index("Flu")
    assert "Stranger's exam" not in html
    filtered = owner_client.get("/insights/events/", {"type": "illness"}).content.decode()
    assert "Flu" in filtered and "Lisbon" not in filtered
    assert owner_client.get("/insights/events/", {"type": "<script>"}).status_code == 200  # unknown: all
    assert "No life events yet" not in html


def test_the_empty_list_says_what_to_add(owner_client):
    assert "No life events yet" in owner_client.get("/insights/events/").content.decode()


def test_create_an_event(owner_client, owner):
    response = owner_client.post("/insights/events/new/", form(end="2026-11-22", data='{"grade": "A"}'))
    assert response.status_code == 302 and response.url == "/insights/events/"
    event = LifeEvent.objects.get(user=owner)
    assert (event.type, event.title, event.start, event.end, event.data) == (
        "exam", "Finals", dt.date(2026, 11, 20), dt.date(2026, 11, 22), {"grade": "A"})
    assert TrainingState.objects.get(user=owner).data_changed_at == NOW


def test_the_new_form_starts_on_today_or_the_day_asked(owner_client):
    assert 'value="2026-11-23"' in owner_client.get("/insights/events/new/").content.decode()
    assert 'value="2026-10-02"' in owner_client.get("/insights/events/new/", {"on": "2026-10-02"}).content.decode()
    assert owner_client.get("/insights/events/new/", {"on": "soon"}).status_code == 404


@pytest.mark.parametrize(("fields", "field", "words"), [
    ({"type": "party"}, "type", "Select a valid choice"),
    ({"title": ""}, "title", "This field is required"),
    ({"title": "x" * 121}, "title", "at most 120 characters"),
    ({"start": "2026-13-01"}, "start", "Enter a valid date"),
    ({"start": "1990-01-01"}, "start", "from 2000 on"),
    ({"start": "2030-01-01"}, "start", "within the next year"),
    ({"end": "2026-11-19"}, "end", "be before the start"),
    ({"data": "{not json"}, "data", "valid JSON"),
    ({"data": "[1, 2]"}, "data", "JSON object"),
    ({"data": '{"x": "' + "y" * 5000 + '"}'}, "data", "under 4 KB"),
    ({"data": '{"x": "' + "y" * 50000 + '"}'}, "data", "under 4 KB"),
    ({"data": '{"a": NaN}'}, "data", "valid JSON"),
    ({"data": '{"a": 1e999}'}, "data", "valid JSON"),
    ({"data": '{"a": ' + "[" * 3000 + "]" * 3000 + "}"}, "data", "valid JSON"),
])
def test_bad_input_keeps_what_was_typed_and_names_the_field(owner_client, owner, fields, field, words):
    data = form(**fields)
    response = owner_client.post("/insights/events/new/", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert words in html
    assert f'href="#id_{field}"' in html
    if field != "data":
        assert "Finals" in html or field == "title"
    assert not LifeEvent.objects.exists()


def test_edit_an_event(owner_client, event):
    page = owner_client.get(f"/insights/events/{event.pk}/").content.decode()
    assert 'value="Flu"' in page and "{&quot;severity&quot;: 3}" in page
    response = owner_client.post(f"/insights/events/{event.pk}/", form(type="illness", title="Bad flu",
                                                                       start="2026-11-18", end="2026-11-21"))
    assert response.status_code == 302
    event.refresh_from_db()
    assert (event.title, event.end, event.data) == ("Bad flu", dt.date(2026, 11, 21), {})


def test_a_refused_edit_keeps_the_title_in_the_heading_and_the_row(owner_client, event):
    response = owner_client.post(f"/insights/events/{event.pk}/", form(title="Renamed", end="2026-01-01"))
    html = response.content.decode()
    assert "Edit “Flu”" in html and 'value="Renamed"' in html
    event.refresh_from_db()
    assert event.title == "Flu"


def test_delete_asks_first_then_deletes(owner_client, event, owner):
    page = owner_client.get(f"/insights/events/{event.pk}/delete/").content.decode()
    assert "Delete “Flu”?" in page and "This cannot be undone." in page
    assert LifeEvent.objects.filter(pk=event.pk).exists()
    response = owner_client.post(f"/insights/events/{event.pk}/delete/")
    assert response.status_code == 302 and response.url == "/insights/events/"
    assert not LifeEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("suffix", ["", "delete/"])
def test_another_users_event_is_404(owner_client, strangers_event, suffix):
    path = f"/insights/events/{strangers_event.pk}/{suffix}"
    assert owner_client.get(path).status_code == 404
    assert owner_client.post(path, form()).status_code == 404
    strangers_event.refresh_from_db()
    assert strangers_event.title == "Stranger's exam"


def test_wrong_methods_and_signed_out(owner_client, event):
    assert owner_client.put("/insights/events/").status_code == 405
    assert owner_client.delete(f"/insights/events/{event.pk}/").status_code == 405
    for path in ("/insights/events/", "/insights/events/new/", f"/insights/events/{event.pk}/"):
        response = Client().get(path)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_odd_input_never_fails(owner_client, event):
    for data in ({}, {"type": ["exam", "travel"], "start": "0000-00-00"}, {"title": "\x00"}, {"data": "1e999"},
                 {"data": '{"a": NaN}'}, {"end": "9999-12-31"}):
        assert owner_client.post("/insights/events/new/", data).status_code == 200
        assert owner_client.post(f"/insights/events/{event.pk}/", data).status_code == 200
