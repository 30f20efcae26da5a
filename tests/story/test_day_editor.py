"""The day editor (a habit's calendar → one day) saves the whole day in one commit: status,
amount and note together, with goals and XP following; a failure anywhere in it leaves
the day, the statistics, the goals and the ledger as they were."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gamification import services as gamification
from gamification.models import XPEvent
from goals import services as goal_services
from goals.models import Goal, GoalHabit
from habits.models import Habit, Occurrence
from habits.services import save_habit
from habitstory.accounts.models import Profile
from habitstory.story import commit as story_commit

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def water(owner):
    return save_habit(Habit(user=owner, name="Water", start_date=TODAY - dt.timedelta(days=10),
                            kind="at_least", target_value=Decimal(8), unit="glasses"))


@pytest.fixture
def goal(owner, water):
    goal = Goal.objects.create(user=owner, name="Drink 100", target_value=Decimal(100), start_date=TODAY - dt.timedelta(days=5))
    GoalHabit.objects.create(goal=goal, habit=water, weight=Decimal(1))
    return goal


@pytest.fixture
def commits(monkeypatch):
    """Each commit the day editor makes."""
    made = []
    run = story_commit._commit_day

    def counted(*args, **kwargs):
        made.append(args)
        return run(*args, **kwargs)

    monkeypatch.setattr(story_commit, "_commit_day", counted)
    return made


def url(habit, day=YESTERDAY) -> str:
    return f"/habits/{habit.pk}/day/{day.isoformat()}/"


def state(habit, goal=None) -> tuple:
    habit.refresh_from_db()
    occurrence = Occurrence.objects.filter(habit=habit, on=YESTERDAY).values_list("status", "value", "note").first()
    return (
        occurrence, habit.total_done, habit.current_streak, habit.stats_state,
        goal and Goal.objects.get(pk=goal.pk).current_value, XPEvent.objects.count(),
        Profile.objects.get(user_id=habit.user_id).xp_total,
    )


def test_done_with_an_amount_and_a_note_is_one_commit(owner_client, owner, water, goal, commits):
    response = owner_client.post(url(water), {"status": "done", "value": "9", "note": " By the river "})

    assert response.status_code == 302
    assert len(commits) == 1
    assert Occurrence.objects.filter(habit=water, on=YESTERDAY).values_list("status", "value", "note").get() == (
        "done", Decimal("9.00"), "By the river",
    )
    goal.refresh_from_db()
    assert goal.current_value == Decimal("9.00")
    assert XPEvent.objects.filter(reason="habit_done", source__startswith="occurrence:").count() == 1  # yesterday earns


def test_not_done_with_an_amount_and_a_note_is_one_commit(owner_client, water, goal, commits):
    owner_client.post(url(water), {"status": "done", "value": "9", "note": "first"})
    commits.clear()

    owner_client.post(url(water), {"status": "open", "value": "3", "note": "only three"})

    assert len(commits) == 1
    # Under the target on a past day: missed, with the amount and the note kept.
    assert Occurrence.objects.filter(habit=water, on=YESTERDAY).values_list("status", "value", "note").get() == (
        "missed", Decimal("3.00"), "only three",
    )
    goal.refresh_from_db()
    assert goal.current_value == Decimal(0)
    ticks = XPEvent.objects.filter(source__startswith="occurrence:").values_list("amount", flat=True)
    assert sorted(ticks) == [-10, 10]  # the tick's XP taken back


def test_an_amount_meeting_the_target_makes_the_day_done(owner_client, water, commits):
    owner_client.post(url(water), {"status": "open", "value": "8", "note": ""})
    assert len(commits) == 1
    assert Occurrence.objects.get(habit=water, on=YESTERDAY).status == "done"


def test_not_done_without_an_amount_reopens_the_day_and_keeps_the_note(owner_client, water, commits):
    owner_client.post(url(water), {"status": "skipped", "note": "rest"})
    owner_client.post(url(water), {"status": "open", "note": "rest after all"})
    assert len(commits) == 2
    assert Occurrence.objects.filter(habit=water, on=YESTERDAY).values_list("status", "value", "note").get() == (
        "scheduled", None, "rest after all",
    )


@pytest.mark.parametrize("status", ["done", "open", "skipped"])
@pytest.mark.parametrize(
    "failing",
    [
        (goal_services, "apply_day_change"),  # after habits changed the day and its statistics
        (gamification, "_move_pet"),  # the commit's last write, after the ledger and the profile
    ],
)
def test_a_failure_in_the_middle_leaves_nothing(owner_client, water, goal, monkeypatch, status, failing):
    owner_client.post(url(water), {"status": "done", "value": "9", "note": "before"})
    before = state(water, goal)

    def fail(*args, **kwargs):
        raise RuntimeError("a table went away")

    monkeypatch.setattr(*failing, fail)
    with pytest.raises(RuntimeError):
        owner_client.post(url(water), {"status": status, "value": "2", "note": "after"})

    assert state(water, goal) == before


def test_bad_input_is_explained_and_changes_nothing(owner_client, water, goal):
    owner_client.post(url(water), {"status": "done", "value": "9", "note": "before"})
    before = state(water, goal)

    response = owner_client.post(url(water), {"status": "done", "value": "-1", "note": "after"})

    assert response.status_code == 200
    assert response.context["form"].errors["value"]
    assert 'value="after"' in response.content.decode() or "after" in response.content.decode()
    assert state(water, goal) == before
