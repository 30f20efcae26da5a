"""The service worker's "Snooze" action: POST …/log/{date}/snooze."""

from __future__ import annotations

import datetime as dt

import pytest

from habits.models import Occurrence
from habitstory.story.prompts import send_prompts

from .conftest import NOW, TODAY, make_habit

pytestmark = pytest.mark.django_db


def url(habit, day=TODAY):
    return f"/api/v1/habits/{habit.pk}/log/{day.isoformat()}/snooze"


def test_a_prompted_day_is_snoozed_and_prompted_again_after_30_minutes(api, owner, time_machine):
    habit = make_habit(owner, reminder_time=(NOW - dt.timedelta(minutes=5)).time())
    time_machine.move_to(NOW, tick=False)
    send_prompts()
    occurrence = Occurrence.objects.get(habit=habit, on=TODAY)
    assert occurrence.status == "prompted"
    response = api.post(url(habit))
    assert response.status_code == 200
    assert response.json()["data"]["log"]["status"] == "scheduled"
    time_machine.move_to(NOW + dt.timedelta(minutes=29), tick=False)
    send_prompts()
    assert Occurrence.objects.get(pk=occurrence.pk).status == "scheduled"
    time_machine.move_to(NOW + dt.timedelta(minutes=30), tick=False)
    send_prompts()
    assert Occurrence.objects.get(pk=occurrence.pk).status == "prompted"


def test_only_a_prompted_day_can_be_snoozed(api, owner, frozen):
    habit = make_habit(owner)
    response = api.post(url(habit))
    assert response.status_code == 400
    assert "status" in response.json()["error"]["details"]


def test_the_strangers_habit_is_a_404(api, stranger, frozen):
    habit = make_habit(stranger)
    assert api.post(url(habit)).status_code == 404


def test_snooze_is_post_only(api, owner, frozen):
    habit = make_habit(owner)
    assert api.get(url(habit)).status_code == 405
