"""Today's total and the "Perfect day" achievement follow one rule (today_list.day_progress):
a skipped habit is neutral, neither due nor done, so "2 of 2 done · 1 skipped" is a full
day and the achievement unlocks exactly when the total reads full."""

from __future__ import annotations

import datetime as dt

import pytest

from gamification.models import UserAchievement
from habits import today_list
from habits.models import Habit
from habits.services import save_habit
from habitstory.story.commit import commit

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)  # Monday, midday in London
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def habits(owner):
    start = TODAY - dt.timedelta(days=5)
    return [save_habit(Habit(user=owner, name=name, start_date=start)) for name in ("Read", "Stretch", "Walk")]


def perfect(user) -> bool:
    return UserAchievement.objects.filter(user=user, achievement__code="perfect-day").exists()


def progress(user) -> dict:
    return today_list.day_progress(today_list.today_rows(user, TODAY))


def test_it_leaves_a_skipped_habit_out_of_the_total(owner, habits, owner_client):
    read, stretch, walk = habits
    commit(walk, TODAY, "skip")
    assert progress(owner) == {"done": 0, "total": 2, "skipped": 1, "percent": 0, "perfect": False}
    assert "<strong>0</strong> of 2 done · 1 skipped" in owner_client.get("/").content.decode()

    commit(read, TODAY, "done")
    commit(stretch, TODAY, "done")
    assert progress(owner) == {"done": 2, "total": 2, "skipped": 1, "percent": 100, "perfect": True}
    html = owner_client.get("/").content.decode()
    assert "<strong>2</strong> of 2 done · 1 skipped" in html
    assert 'aria-valuemax="2" aria-valuenow="2"' in html


def test_it_unlocks_perfect_day_when_the_total_reads_full_and_not_before(owner, habits):
    read, stretch, walk = habits
    commit(read, TODAY, "done")
    commit(walk, TODAY, "skip")
    assert not perfect(owner)  # 1 of 2 done · 1 skipped
    outcome = commit(stretch, TODAY, "done")
    assert perfect(owner)  # 2 of 2 done · 1 skipped
    assert "<strong>2</strong> of 2 done · 1 skipped" in outcome.progress_html


def test_a_skip_that_completes_the_day_unlocks_it_too(owner, habits):
    read, stretch, walk = habits
    commit(read, TODAY, "done")
    commit(stretch, TODAY, "done")
    assert not perfect(owner)  # 2 of 3 done
    outcome = commit(walk, TODAY, "skip")
    assert perfect(owner)
    assert "<strong>2</strong> of 2 done · 1 skipped" in outcome.progress_html


def test_a_day_of_nothing_but_skips_is_not_perfect(owner, habits, owner_client):
    for habit in habits:
        commit(habit, TODAY, "skip")
    assert progress(owner)["perfect"] is False
    assert not perfect(owner)
    assert "Nothing left to do · 3 skipped" in owner_client.get("/").content.decode()


def test_the_dashboard_counts_the_same_way(owner, habits, owner_client):
    read, stretch, walk = habits
    commit(read, TODAY, "done")
    commit(walk, TODAY, "skip")
    html = owner_client.get("/habits/dashboard/").content.decode()
    assert '1<span class="muted">/2</span>' in html
    assert "50% of today's habits done · 1 skipped" in html
