"""The pet's mood (docs/rules.md, "Pet"): calm ("new") for its first days, then the last
7 days' consistency, sleepy after 3 days without a done habit; moved by the commit step
and the day close alike."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from gamification import pets, rules
from gamification import services as gamification
from gamification.models import Pet, PetEvent
from gamification.pets import Activity
from habits.models import Habit
from habits.services import save_habit
from habits.today_list import habit_week
from habitstory.accounts.models import Profile
from habitstory.story.commit import commit
from habitstory.story.onboarding import welcome

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)  # Monday, midday in London
TODAY = dt.date(2026, 11, 23)
DAY = dt.timedelta(days=1)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def new_account(make_user, email="new@example.com"):
    user = make_user(email)
    Profile.objects.filter(user=user).update(timezone="Europe/London")
    user.refresh_from_db()
    welcome(user)
    return user


def mood(user) -> str:
    return Pet.objects.get(user=user).mood


def age(user, days: int) -> None:
    Pet.objects.filter(user=user).update(created_at=NOW - dt.timedelta(days=days))


def test_a_new_accounts_pet_stays_calm_through_its_first_taps(make_user, now):
    """The walk: thriving, sleepy, thriving and sad within a minute of signing up."""
    user = new_account(make_user)
    assert mood(user) == "new"
    read = save_habit(Habit(user=user, name="Read", start_date=TODAY))
    run = save_habit(Habit(user=user, name="Run", start_date=TODAY, schedule="per_week", times_per_week=3))
    seen = []
    for habit, action in [(read, "done"), (read, "undo"), (read, "done"), (run, "skip"), (run, "undo")]:
        commit(habit, TODAY, action)
        seen.append(mood(user))
    assert seen == ["new"] * 5
    assert not PetEvent.objects.filter(pet__user=user, kind="mood").exists()


def test_the_new_mood_lasts_three_days_then_follows_the_week(make_user, time_machine, now):
    user = new_account(make_user)
    read = save_habit(Habit(user=user, name="Read", start_date=TODAY))
    for n in range(3):
        time_machine.move_to(NOW + n * DAY, tick=False)
        commit(read, TODAY + n * DAY, "done")
        assert mood(user) == "new"
    time_machine.move_to(NOW + 2 * DAY + dt.timedelta(hours=23), tick=False)  # 26 Nov, 71 hours in
    commit(read, TODAY + 3 * DAY, "done")
    commit(read, TODAY + 3 * DAY, "undo")
    assert mood(user) == "new"
    time_machine.move_to(NOW + 3 * DAY, tick=False)
    commit(read, TODAY + 3 * DAY, "done")
    assert mood(user) == "thriving"  # 4 of 4 days since the start
    event = PetEvent.objects.filter(pet__user=user, kind="mood").get()
    assert event.detail == "Egg is thriving."


def test_a_per_week_habit_expects_only_its_share_of_the_days_since_its_start(make_user, now):
    user = new_account(make_user)
    age(user, 30)
    run = save_habit(Habit(user=user, name="Run", start_date=TODAY - DAY, schedule="per_week", times_per_week=3))
    assert habit_week(run, TODAY, set()) == (Fraction(3 * 2, 7), 0)  # 3 a week, 2 days in
    commit(run, TODAY - DAY, "done")
    # 1 run in the habit's first 2 days is on track for 3 a week: not "sad" (1 of 3).
    assert mood(user) == "thriving"
    old = save_habit(Habit(user=user, name="Swim", start_date=TODAY - 30 * DAY, schedule="per_week", times_per_week=2))
    assert habit_week(old, TODAY, {TODAY - DAY}) == (2, 1)


def test_sleepy_after_three_days_without_a_done_habit(make_user, now):
    user = new_account(make_user)
    age(user, 30)
    read = save_habit(Habit(user=user, name="Read", start_date=TODAY - 20 * DAY, schedule="every_n_days", every_n_days=4))
    commit(read, TODAY - 3 * DAY, "done")
    assert mood(user) == "sleepy"
    commit(read, TODAY - 2 * DAY, "done")
    assert mood(user) != "sleepy"


def test_the_day_close_keeps_a_young_pet_calm_and_moves_the_others(make_user, now):
    young, old = new_account(make_user, "young@example.com"), new_account(make_user, "old@example.com")
    age(old, 4)
    week = Activity(TODAY, [(6, 1)], [TODAY - DAY])  # 1 of 6: sad
    assert gamification.move_moods([(young.pk, week), (old.pk, week)]) == 1
    assert (mood(young), mood(old)) == ("new", "sad")


def test_the_rule_reads_the_age_first():
    assert rules.mood_for(100, 0, new=True) == "new"
    assert rules.mood_for(None, None, new=True) == "new"
    assert rules.mood_for(100, 0) == "thriving"


def test_the_pet_page_draws_and_explains_the_new_mood(owner_client, owner, now):
    welcome(owner)
    html = owner_client.get("/rewards/pet/").content.decode()
    assert "pet-mood-new" in html
    assert pets.MOOD_TEXT["new"] in html
    assert "Egg the fox, a new egg" in html
