"""Where a day's proof shows: Today (the tick opens the capture; the badges), the habit
page, the calendar and the day editor; and the capture page's own rules."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from habits.models import Habit, Occurrence
from habits.services import save_habit
from habitstory.story.commit import commit

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def proven(owner):
    return save_habit(Habit(user=owner, name="Run", requires_verification=True, start_date=TODAY - dt.timedelta(days=9)))


def capture_url(habit, day=TODAY) -> str:
    return reverse("verification:capture", args=[habit.pk, day.isoformat()])


def set_proof(habit, state, day=TODAY):
    Occurrence.objects.filter(habit=habit, on=day).update(verification=state)


def test_todays_tick_of_a_habit_asking_for_proof_opens_the_capture(owner_client, proven, owner):
    plain = save_habit(Habit(user=owner, name="Read", start_date=TODAY))
    page = owner_client.get("/").content.decode()
    assert f'href="{capture_url(proven)}"' in page
    assert "Run: prove it" in page
    assert capture_url(plain) not in page


@pytest.mark.parametrize(("state", "words"), [
    ("pending", "Proof in review"), ("approved", "Verified"), ("", "Unverified · add proof"),
])
def test_today_and_the_day_editor_show_the_proof(owner_client, proven, state, words):
    commit(proven, TODAY, "done")
    set_proof(proven, state)
    assert words in owner_client.get("/").content.decode()
    assert words in owner_client.get(reverse("habits:day", args=[proven.pk, TODAY.isoformat()])).content.decode()


def test_a_rejected_proof_shows_on_the_day_and_the_calendar(owner_client, proven):
    commit(proven, TODAY - dt.timedelta(days=1), "done")
    set_proof(proven, "rejected", TODAY - dt.timedelta(days=1))
    commit(proven, TODAY - dt.timedelta(days=2), "done")
    set_proof(proven, "approved", TODAY - dt.timedelta(days=2))
    page = owner_client.get(reverse("habits:detail", args=[proven.pk])).content.decode()
    assert "hm-proof-rejected" in page and "proof not accepted" in page
    assert "hm-proof-approved" in page and "done, verified" in page
    assert "Prove today" in page


def test_the_capture_page_is_the_owners_for_a_day_up_to_today(owner_client, client, proven, stranger):
    page = owner_client.get(capture_url(proven))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Run" in html and reverse("habits:log", args=[proven.pk, TODAY.isoformat()]) in html
    assert owner_client.get(capture_url(proven, TODAY + dt.timedelta(days=1))).status_code == 404
    assert owner_client.get(capture_url(proven, TODAY - dt.timedelta(days=30))).status_code == 404
    assert owner_client.get(f"/verify/{proven.pk}/not-a-day/").status_code == 404
    client.force_login(stranger)
    assert client.get(capture_url(proven)).status_code == 404


def test_mark_done_without_proof_from_the_capture_page(owner_client, proven):
    page = owner_client.get(capture_url(proven)).content.decode()
    assert "Mark done without proof" in page
    answer = owner_client.post(reverse("habits:log", args=[proven.pk, TODAY.isoformat()]),
                               {"action": "done", "next": "/"})
    assert answer.status_code == 302 and answer["Location"] == "/"
    day = Occurrence.objects.get(habit=proven, on=TODAY)
    assert (day.status, day.verification) == ("done", "")
    assert "Mark done without proof" not in owner_client.get(capture_url(proven)).content.decode()
