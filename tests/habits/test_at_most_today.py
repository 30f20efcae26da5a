"""An "at most" habit (≤ 2 coffees) on Today, as Loop Habit Tracker has it: no entry is 0,
so the open day is "on track"; going over the limit fails the day at once, visibly, with
the streak shown and Skip still offered; lowering the value reopens it; the day close
makes it done (tests/habits/test_day_close_at_most.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from gamification.models import XPEvent
from habits import today_cache
from habits.models import Habit, Occurrence
from habits.services import save_habit
from habitstory.story.commit import commit

from .conftest import TODAY

pytestmark = pytest.mark.django_db

YESTERDAY = TODAY - dt.timedelta(days=1)


def log_url(habit, day=TODAY):
    return f"/habits/{habit.pk}/log/{day.isoformat()}/"


@pytest.fixture
def coffee(owner, now):
    """Two cups at most, a daily habit since a week ago: five cups four days ago, then
    three days done (a streak of 3; the days before the five cups had no entry: done too)."""
    habit = save_habit(Habit(user=owner, name="Coffee", kind="at_most", target_value=Decimal(2), unit="cups",
                             start_date=TODAY - dt.timedelta(days=7)))
    Occurrence.objects.create(habit=habit, on=TODAY - dt.timedelta(days=4), status="missed", value=Decimal(5))
    for back in (3, 2, 1):
        Occurrence.objects.create(habit=habit, on=TODAY - dt.timedelta(days=back), status="done", value=Decimal(1))
    save_habit(habit)  # statistics from the history
    return habit


def row_html(client, habit) -> str:
    content = client.get("/").content.decode()
    start = content.index(f'id="habit-row-{habit.pk}"')
    return content[content.rindex("<li", 0, start) : content.index("</li>", start)]


def status(habit):
    return Occurrence.objects.filter(habit=habit, on=TODAY).values_list("status", "value").first()


def xp(owner) -> int:
    """The XP the habit's days earned (achievements left out)."""
    days = XPEvent.objects.filter(user=owner, reason__in=[XPEvent.Reason.HABIT_DONE, XPEvent.Reason.HABIT_UNDONE])
    return days.aggregate(total=Sum("amount"))["total"] or 0


def test_it_is_on_track_with_nothing_logged(owner_client, coffee):
    row = row_html(owner_client, coffee)
    assert "is-on-track" in row
    assert "On track, 0 of at most 2 cups" in row
    assert 'value="skip"' in row
    assert "3<span class=\"visually-hidden\">-day streak" in row  # the streak through yesterday
    assert status(coffee) is None


def test_a_value_within_the_limit_stays_on_track_and_earns_nothing_yet(owner, owner_client, coffee):
    owner_client.post(log_url(coffee), {"action": "plus"})
    owner_client.post(log_url(coffee), {"action": "plus"})
    assert status(coffee) == ("scheduled", Decimal(2))
    row = row_html(owner_client, coffee)
    assert "On track, 2 of at most 2 cups" in row and "is-on-track" in row
    assert xp(owner) == 0
    coffee.refresh_from_db()
    assert coffee.current_streak == 3  # open today is neutral


def test_going_over_the_limit_fails_the_day_visibly(owner_client, coffee):
    owner_client.post(log_url(coffee), {"action": "value", "value": "3"})
    assert status(coffee) == ("missed", Decimal(3))
    coffee.refresh_from_db()
    assert coffee.current_streak == 0  # failed today, at once
    row = row_html(owner_client, coffee)
    assert "is-over-limit" in row and "is-on-track" not in row
    assert "Over limit, 3 of at most 2 cups" in row
    assert 'class="tick is-over-limit" role="img"' in row and "mark target met" not in row
    assert "3 at stake" in row  # the streak lowering the value keeps
    assert 'value="skip"' in row  # Skip stays
    assert 'value="minus"' in row  # and the stepper, to lower it


def test_lowering_the_value_reopens_the_day(owner_client, coffee):
    owner_client.post(log_url(coffee), {"action": "value", "value": "3"})
    owner_client.post(log_url(coffee), {"action": "minus"})
    assert status(coffee) == ("scheduled", Decimal(2))
    coffee.refresh_from_db()
    assert coffee.current_streak == 3
    row = row_html(owner_client, coffee)
    assert "On track, 2 of at most 2 cups" in row and "at stake" not in row


def test_a_day_over_the_limit_can_be_skipped_and_undone(owner_client, coffee):
    owner_client.post(log_url(coffee), {"action": "value", "value": "4"})
    owner_client.post(log_url(coffee), {"action": "skip"})
    assert status(coffee)[0] == "skipped"
    coffee.refresh_from_db()
    assert coffee.current_streak == 3  # skipped is neutral
    owner_client.post(log_url(coffee), {"action": "undo"})
    assert status(coffee) == ("scheduled", None)
    assert "On track, 0 of at most 2 cups" in row_html(owner_client, coffee)


def test_the_htmx_answer_is_the_over_limit_row(owner_client, coffee):
    response = owner_client.post(log_url(coffee), {"action": "value", "value": "5"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"Over limit, 5 of at most 2 cups" in response.content
    assert b"3 at stake" in response.content


def test_a_tick_makes_it_done_now_and_its_xp_is_taken_back_over_the_limit(owner, owner_client, coffee):
    owner_client.post(log_url(coffee), {"action": "done"})
    earned = xp(owner)
    assert status(coffee)[0] == "done" and earned > 0
    owner_client.post(log_url(coffee), {"action": "plus"})  # one cup: still within, still done
    assert status(coffee)[0] == "done" and xp(owner) == earned
    for _ in range(3):
        owner_client.post(log_url(coffee), {"action": "plus"})  # 3 cups: over
    assert status(coffee)[0] == "missed" and xp(owner) == 0


def test_a_past_day_within_the_limit_is_done_and_yesterday_earns_once(owner, coffee):
    habit = Habit(pk=coffee.pk, user=owner)
    Occurrence.objects.filter(habit=coffee, on=YESTERDAY).delete()
    commit(habit, YESTERDAY, "value", value="3")
    assert Occurrence.objects.get(habit=coffee, on=YESTERDAY).status == "missed" and xp(owner) == 0
    commit(habit, YESTERDAY, "value", value="1")
    assert Occurrence.objects.get(habit=coffee, on=YESTERDAY).status == "done"
    earned = xp(owner)
    assert earned > 0
    commit(habit, YESTERDAY, "value", value="2")  # still within: no second award
    assert xp(owner) == earned


def test_the_over_limit_row_costs_no_extra_query(owner_client, coffee):
    """The streak at stake is read off the habit's stored fold, loaded with the row."""

    def queries() -> int:
        today_cache.touch(coffee.user_id)  # the list is built again
        with CaptureQueriesContext(connection) as captured:
            owner_client.get("/")
        return len(captured)

    owner_client.get("/")  # warm what is cached per user (the header's archetype badge)
    on_track = queries()
    owner_client.post(log_url(coffee), {"action": "value", "value": "3"})
    assert queries() == on_track
