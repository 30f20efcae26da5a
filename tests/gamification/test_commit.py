"""The commit step: a tick's XP, level, pet, goals and achievements move together, once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gamification import rules
from gamification.models import Pet, UserAchievement, XPEvent
from gamification.services import pet_of, rebuild_xp
from habitstory.story.commit import commit
from habitstory.story.goals import commit_goal_entry
from goals import services as goal_services
from goals.models import Goal, GoalHabit
from habits.models import Habit, Occurrence
from habits.services import save_habit

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)  # Monday, midday in London
TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def habit(owner, now):
    return save_habit(Habit(user=owner, name="Read", start_date=TODAY - dt.timedelta(days=10), difficulty="medium"))


def ledger(user) -> int:
    return XPEvent.objects.filter(user=user).aggregate(s=Sum("amount"))["s"] or 0


def reload(user):
    user.profile.refresh_from_db()
    return user.profile


def test_a_tick_awards_xp_by_difficulty_and_streak(owner, habit, now):
    commit(habit, TODAY - dt.timedelta(days=1), "done")  # yesterday: streak 1
    outcome = commit(habit, TODAY, "done")  # today: streak 2
    assert outcome.xp == rules.tick_xp("medium", 2) + 20  # and the perfect day it completed
    events = list(XPEvent.objects.filter(user=owner, reason="habit_done").order_by("id").values_list("amount", "on"))
    assert events == [(10, TODAY), (rules.tick_xp("medium", 2), TODAY)]
    profile = reload(owner)
    assert profile.xp_total == ledger(owner)
    assert profile.level == rules.level_for(profile.xp_total)[0]
    assert profile.xp_today == profile.xp_total and profile.xp_today_on == TODAY
    assert Pet.objects.get(user=owner).xp == profile.xp_total


def test_a_repeated_tick_awards_once(owner, habit, now):
    for _ in range(3):
        commit(habit, TODAY, "done")
    assert XPEvent.objects.filter(user=owner, reason="habit_done").count() == 1
    assert Occurrence.objects.filter(habit=habit).count() == 1


def test_undo_compensates_and_a_new_tick_awards_again(owner, habit, now):
    commit(habit, TODAY, "done")
    commit(habit, TODAY, "undo")
    commit(habit, TODAY, "undo")
    assert list(XPEvent.objects.filter(reason__in=["habit_done", "habit_undone"]).order_by("id").values_list("amount", "source")) == [
        (10, f"occurrence:{Occurrence.objects.get().pk}:1"),
        (-10, f"occurrence:{Occurrence.objects.get().pk}:1"),
    ]
    commit(habit, TODAY, "done")
    assert XPEvent.objects.filter(reason="habit_done").count() == 2
    assert reload(owner).xp_total == ledger(owner)


def test_backfilled_history_earns_no_xp_but_counts_for_stats(owner, habit, now):
    outcome = commit(habit, TODAY - dt.timedelta(days=2), "done")
    assert not XPEvent.objects.filter(reason="habit_done").exists()
    habit.refresh_from_db()
    assert habit.total_done == 1
    assert outcome.occurrence.status == "done"
    commit(habit, TODAY - dt.timedelta(days=2), "undo")
    assert not XPEvent.objects.filter(reason="habit_undone").exists()


def test_skipping_a_done_day_takes_the_xp_back(owner, habit, now):
    commit(habit, TODAY, "done")
    commit(habit, TODAY, "skip")
    # The tick's 10 XP goes; the achievements it unlocked (first tick 10, perfect day 20) stay.
    assert reload(owner).xp_total == ledger(owner) == 30


def test_levels_move_with_xp(owner, habit, now, monkeypatch):
    monkeypatch.setattr(rules, "tick_xp", lambda difficulty, streak: 200)
    outcome = commit(habit, TODAY, "done")
    assert outcome.levelled_up and outcome.level_after == 2
    profile = reload(owner)
    assert profile.level == 2
    commit(habit, TODAY, "undo")
    assert reload(owner).level == 1


def test_a_tick_that_fails_half_way_changes_nothing(owner, habit, now, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("goal storage is down")

    monkeypatch.setattr(goal_services, "apply_day_change", boom)  # after the XP insert
    with pytest.raises(RuntimeError):
        commit(habit, TODAY, "done")
    assert not XPEvent.objects.exists()
    assert not Occurrence.objects.filter(habit=habit, status="done").exists()
    habit.refresh_from_db()
    assert habit.total_done == 0 and habit.current_streak == 0
    assert reload(owner).xp_total == 0


def test_goals_complete_award_and_reopen(owner, habit, now):
    goal = Goal.objects.create(user=owner, name="Read 2 days", target_value=Decimal(2), start_date=TODAY - dt.timedelta(days=5))
    GoalHabit.objects.create(goal=goal, habit=habit, weight=Decimal(1))
    commit(habit, TODAY - dt.timedelta(days=1), "done")
    outcome = commit(habit, TODAY, "done")
    goal.refresh_from_db()
    assert goal.current_value == 2 and goal.completed_at == NOW
    assert [g.pk for g in outcome.goals_completed] == [goal.pk]
    assert XPEvent.objects.filter(reason="goal_completed", amount=100).count() == 1
    commit(habit, TODAY, "undo")
    goal.refresh_from_db()
    assert goal.current_value == 1 and goal.completed_at is None
    assert XPEvent.objects.filter(reason="goal_reopened", amount=-100).count() == 1
    commit(habit, TODAY, "done")
    assert XPEvent.objects.filter(reason="goal_completed").count() == 2  # a new cycle
    assert reload(owner).xp_total == ledger(owner)


def test_a_manual_entry_completes_a_goal(owner, now):
    goal = Goal.objects.create(user=owner, name="Run 10 km", target_value=Decimal(10), unit="km", start_date=TODAY)
    commit_goal_entry(goal, "4", "park run")
    outcome = commit_goal_entry(goal, Decimal("6.5"))
    goal.refresh_from_db()
    assert goal.current_value == Decimal("10.5") and outcome.goals_completed == [goal]
    assert UserAchievement.objects.filter(user=owner, achievement__code="goal-1").exists()
    commit_goal_entry(goal, "-2")
    goal.refresh_from_db()
    assert goal.completed_at is None


def test_achievements_unlock_once(owner, habit, now):
    commit(habit, TODAY, "done")
    commit(habit, TODAY, "undo")
    commit(habit, TODAY, "done")
    codes = list(UserAchievement.objects.filter(user=owner).values_list("achievement__code", flat=True))
    assert codes.count("first-tick") == 1
    assert "perfect-day" in codes
    assert XPEvent.objects.filter(reason="achievement", source=f"achievement:first-tick:{owner.pk}").count() == 1


def test_early_bird(owner, habit, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 6, 30, tzinfo=dt.UTC), tick=False)  # 06:30 in London
    commit(habit, TODAY, "done")
    assert UserAchievement.objects.filter(user=owner, achievement__code="early-bird").exists()


def test_streak_achievements(owner, now):
    habit = save_habit(Habit(user=owner, name="Walk", start_date=TODAY - dt.timedelta(days=8)))
    for back in range(6, 0, -1):
        commit(habit, TODAY - dt.timedelta(days=back), "done")
    assert not UserAchievement.objects.filter(achievement__code="streak-7").exists()
    commit(habit, TODAY, "done")
    assert UserAchievement.objects.filter(achievement__code="streak-7").exists()


def test_rebuild_xp_restores_the_denormalised_totals(owner, habit, now):
    commit(habit, TODAY, "done")
    owner.profile.__class__.objects.filter(pk=owner.profile.pk).update(xp_total=9999, level=40)
    Pet.objects.filter(user=owner).update(xp=1)
    rebuild_xp([owner])
    profile = reload(owner)
    assert profile.xp_total == ledger(owner) and profile.level == rules.level_for(ledger(owner))[0]
    assert Pet.objects.get(user=owner).xp == ledger(owner)


def test_the_rebuild_command(owner, habit, now, capsys):
    from django.core.management import call_command

    commit(habit, TODAY, "done")
    call_command("rebuild_xp", user=owner.email)
    assert "Rebuilt XP for 1 users." in capsys.readouterr().out


def tick_queries(owner, habits: int) -> int:
    Habit.objects.all().delete()
    made = [save_habit(Habit(user=owner, name=f"H{i}", start_date=TODAY - dt.timedelta(days=30))) for i in range(habits)]
    for i in range(5):
        goal = Goal.objects.create(user=owner, name=f"G{i}", target_value=Decimal(1000), start_date=TODAY)
        GoalHabit.objects.create(goal=goal, habit=made[0], weight=Decimal(1))
    commit(made[1], TODAY, "done")  # first-tick and friends out of the way
    with CaptureQueriesContext(connection) as queries:
        commit(made[0], TODAY, "done")
    return len(queries)


def test_a_tick_runs_a_bounded_number_of_queries(owner, now):
    few, many = tick_queries(owner, 5), tick_queries(owner, 30)
    assert few == many <= 50


ACTIONS = st.lists(
    st.tuples(st.sampled_from(["done", "undo", "skip", "value"]), st.integers(0, 1), st.integers(0, 4), st.integers(0, 6)),
    max_size=20,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_any_sequence_leaves_ledger_profile_goals_consistent(owner, time_machine, actions):
    time_machine.move_to(NOW, tick=False)
    Habit.objects.all().delete()
    Goal.objects.all().delete()
    XPEvent.objects.all().delete()
    UserAchievement.objects.all().delete()
    owner.profile.__class__.objects.filter(pk=owner.profile.pk).update(xp_total=0, level=1, xp_today=0)
    Pet.objects.filter(user=owner).update(xp=0, level=1)
    start = TODAY - dt.timedelta(days=6)
    habits = [
        save_habit(Habit(user=owner, name="Yes/no", start_date=start, difficulty="hard")),
        save_habit(Habit(user=owner, name="Water", start_date=start, kind="at_least", target_value=Decimal(3))),
    ]
    goal = Goal.objects.create(user=owner, name="G", target_value=Decimal(5), start_date=start + dt.timedelta(days=2))
    for h, weight in zip(habits, (Decimal(2), Decimal("0.5")), strict=True):
        GoalHabit.objects.create(goal=goal, habit=h, weight=weight)
    for action, which, days_ago, amount in actions:
        h = habits[which]
        if action == "value" and not h.is_measurable:
            action = "done"
        commit(h, TODAY - dt.timedelta(days=days_ago), action, value=amount if action == "value" else None)
    profile = reload(owner)
    total = ledger(owner)
    assert profile.xp_total == total >= 0
    assert profile.level == rules.level_for(total)[0]
    assert pet_of(owner).xp == total
    goal.refresh_from_db()
    expected = goal_services.contribution([goal.pk]).get(goal.pk, Decimal(0))
    assert goal.current_value == expected.quantize(Decimal("0.01"))
    assert (goal.completed_at is not None) == (goal.current_value >= goal.target_value)
    assert UserAchievement.objects.filter(user=owner).count() == UserAchievement.objects.filter(user=owner).values("achievement").distinct().count()
    # Each day's XP is awarded at most once more than it was taken back.
    for occurrence in Occurrence.objects.filter(habit__in=habits):
        awards = XPEvent.objects.filter(source__startswith=f"occurrence:{occurrence.pk}:")
        net = awards.aggregate(s=Sum("amount"))["s"] or 0
        done_now = occurrence.status == "done"
        assert net >= 0 and (net == 0 or done_now)
