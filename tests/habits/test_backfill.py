"""Backfilling from the day editor: what it says about XP, and a day before the habit's
start, which offers to move the start back (confirmed, never silently)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from gamification.models import XPEvent
from habits import services
from habits.models import Habit, Occurrence

from .conftest import TODAY

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)
YESTERDAY = TODAY - DAY


def day_url(habit: Habit, day: dt.date) -> str:
    return f"/habits/{habit.pk}/day/{day.isoformat()}/"


def move_url(habit: Habit) -> str:
    return f"/habits/{habit.pk}/start/"


# --- what the day editor says about XP ----------------------------------------------------------


def test_it_says_yesterday_still_earns_xp(owner_client, make_habit, now):
    habit = make_habit()
    html = owner_client.get(day_url(habit, YESTERDAY)).content.decode()
    assert "earns no XP" not in html
    assert "Yesterday still earns XP" in html
    owner_client.post(day_url(habit, YESTERDAY), {"status": "done", "note": ""})
    assert XPEvent.objects.filter(reason="habit_done").count() == 1  # and it did


def test_it_says_an_older_day_earns_no_xp(owner_client, make_habit, now):
    habit = make_habit()
    html = owner_client.get(day_url(habit, TODAY - 2 * DAY)).content.decode()
    assert "only today and yesterday earn XP" in html
    owner_client.post(day_url(habit, TODAY - 2 * DAY), {"status": "done", "note": ""})
    assert not XPEvent.objects.filter(reason="habit_done").exists()


def test_it_says_today_earns_xp(owner_client, make_habit, now):
    html = owner_client.get(day_url(make_habit(), TODAY)).content.decode()
    assert "earns no XP" not in html and "Done today earns XP" in html


# --- a day before the start -------------------------------------------------------------------------


def test_a_day_before_the_start_offers_to_move_the_start_back(owner_client, make_habit, now):
    habit = make_habit(start_date=TODAY)
    response = owner_client.get(day_url(habit, YESTERDAY))
    assert response.status_code == 200
    html = response.content.decode()
    assert "starts on Mon 23 November 2026" in html
    assert f'action="{move_url(habit)}"' in html
    assert f'name="start" value="{YESTERDAY.isoformat()}"' in html
    assert "Move the start to 22 November" in html
    assert 'name="status"' not in html  # no day form until the start has moved
    habit.refresh_from_db()
    assert habit.start_date == TODAY  # asking changes nothing


def test_moving_the_start_back_recomputes_and_opens_the_day(owner_client, make_habit, now):
    habit = make_habit(start_date=TODAY)
    owner_client.post(f"/habits/{habit.pk}/log/{TODAY.isoformat()}/", {"action": "done"})
    habit.refresh_from_db()
    assert (habit.current_streak, habit.consistency) == (1, 100)

    response = owner_client.post(move_url(habit), {"start": (TODAY - 2 * DAY).isoformat()})
    assert response.status_code == 302 and response.url == day_url(habit, TODAY - 2 * DAY)
    habit.refresh_from_db()
    assert habit.start_date == TODAY - 2 * DAY
    # The two days gained are expected now, and not logged: missed.
    assert (habit.current_streak, habit.consistency) == (1, 33)

    assert owner_client.get(day_url(habit, YESTERDAY)).status_code == 200
    owner_client.post(day_url(habit, YESTERDAY), {"status": "done", "note": "caught up"})
    habit.refresh_from_db()
    assert Occurrence.objects.get(habit=habit, on=YESTERDAY).status == "done"
    assert (habit.current_streak, habit.consistency) == (2, 67)


def test_the_day_form_never_moves_the_start_by_itself(owner_client, make_habit, now):
    habit = make_habit(start_date=TODAY)
    response = owner_client.post(day_url(habit, YESTERDAY), {"status": "done", "note": ""})
    assert response.status_code == 200  # the offer again
    habit.refresh_from_db()
    assert habit.start_date == TODAY
    assert not Occurrence.objects.exists()


@pytest.mark.parametrize("start", [TODAY, TODAY + DAY, dt.date(1999, 12, 31)])
def test_the_start_moves_only_back_and_within_reason(owner_client, make_habit, now, start):
    habit = make_habit(start_date=TODAY)
    response = owner_client.post(move_url(habit), {"start": start.isoformat()}, follow=True)
    habit.refresh_from_db()
    assert habit.start_date == TODAY
    assert [str(m) for m in response.context["messages"]]


def test_moving_the_start_is_a_post_of_the_owner(client, owner_client, stranger, make_habit, now):
    habit = make_habit(start_date=TODAY)
    assert owner_client.get(move_url(habit)).status_code == 405
    assert owner_client.post(move_url(habit), {"start": "not-a-date"}).status_code == 404
    client.force_login(stranger)
    assert client.post(move_url(habit), {"start": YESTERDAY.isoformat()}).status_code == 404
    assert client.get(day_url(habit, YESTERDAY)).status_code == 404
    habit.refresh_from_db()
    assert habit.start_date == TODAY


def test_the_service_moves_the_start_back_only(make_habit, now):
    habit = make_habit(start_date=TODAY - 3 * DAY)
    with pytest.raises(ValidationError):
        services.move_start(habit, TODAY - 3 * DAY)
    with pytest.raises(ValidationError):
        services.move_start(habit, TODAY - DAY)
    services.move_start(habit, TODAY - 10 * DAY)
    habit.refresh_from_db()
    assert habit.start_date == TODAY - 10 * DAY and habit.consistency == 0
