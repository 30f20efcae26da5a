"""A tick's row, rendered once for the htmx answer and the live socket, carries a CSRF
input (the page fills in its own token: static/js/live-swaps.js) and renders without
Django's "{% csrf_token %} without a value" warning."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

from habits.models import Habit
from habits.services import save_habit
from habitstory.live import events
from habitstory.story.commit import commit

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(NOW, tick=False)


def test_the_pushed_row_has_a_csrf_input_and_no_warning(owner, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.DEBUG = True  # Django warns about a token-less {% csrf_token %} only in DEBUG
    sent = []
    monkeypatch.setattr(events, "_send", lambda group, message: sent.append(message))
    habit = save_habit(Habit(user=owner, name="Read", start_date=TODAY - dt.timedelta(days=3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with django_capture_on_commit_callbacks(execute=True):
            outcome = commit(habit, TODAY, "done")
    row = {item["event"]: item["data"] for item in sent[0]["events"]}["habit_logged"]["html"]
    assert row.count('<input type="hidden" name="csrfmiddlewaretoken" value="filled-in-by-the-page">') == 1
    assert outcome.row_html in row  # the same fragment answers the htmx request


def test_the_htmx_answer_carries_the_same_input(owner_client, owner):
    habit = save_habit(Habit(user=owner, name="Read", start_date=TODAY - dt.timedelta(days=3)))
    response = owner_client.post(f"/habits/{habit.pk}/log/{TODAY}/", {"action": "skip"}, headers={"HX-Request": "true"})
    assert 'name="csrfmiddlewaretoken" value="filled-in-by-the-page"' in response.content.decode()
