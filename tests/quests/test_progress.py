"""Progress: the weighted share of objectives done, and habit-fed objectives following
ticks, undos and backfills (on or after the day the quest became active), completing the
quest (or making it ready) and reopening it when an undo takes back what completed it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habits import services as habit_services
from quests import progress, services
from quests.models import Objective, Quest
from quests.services import ObjectiveSpec

from .conftest import NOW, TODAY, days_ago

pytestmark = pytest.mark.django_db


def tick(habit, on, action="done"):
    """A day changed the way the commit step does it: habits, then quests."""
    with transaction.atomic():
        change = habit_services.change_day(habit, on, action, now=NOW)
        return services.apply_day_change(change, today=TODAY, now=NOW)


def fed(quest) -> Objective:
    return quest.objectives.get(kind__in=progress.HABIT_KINDS)


def fresh(quest: Quest) -> Quest:
    quest.refresh_from_db()
    return quest


@pytest.fixture
def counting(make_quest, make_habit):
    """An active quest since 2 days ago: run 3 times, and a manual step already done."""
    def make(target=3, kind="habit_count", step_done=True, **fields):
        habit = make_habit()
        quest = make_quest("Get fit", today=days_ago(2), status="active",
                           objectives=[ObjectiveSpec("Run", kind, habit=habit, target=target), ObjectiveSpec("Shoes")],
                           **fields)
        if step_done:
            services.set_objective(quest, quest.objectives.get(kind="manual").pk, True, today=TODAY, now=NOW)
        return quest, habit

    return make


# --- the share --------------------------------------------------------------------------------


def objectives(*pairs):
    return [Objective(weight=Decimal(str(weight)), done=done) for weight, done in pairs]


def test_progress_is_the_weighted_share_done():
    assert progress.fraction([]) == 0 and progress.percent([]) == 0
    assert progress.fraction(objectives((1, True), (3, False))) == Decimal("0.25")
    assert progress.percent(objectives((2, True), (1, False))) == 67
    assert progress.percent(objectives((1, True), (1, True))) == 100
    assert progress.percent(objectives((999, True), (1, False))) == 99  # 100 only when all are done


@given(st.lists(st.tuples(st.decimals("0.01", "100", places=2), st.booleans()), max_size=30))
def test_progress_is_between_0_and_1_and_1_only_when_all_are_done(pairs):
    items = objectives(*pairs)
    share = progress.fraction(items)
    assert 0 <= share <= 1
    assert (share == 1) == progress.all_done(items)


def test_percent_map_reads_a_board_in_one_query(make_quest):
    quests = [make_quest(objectives=[ObjectiveSpec("a", weight=3), ObjectiveSpec("b")]) for _ in range(3)]
    services.set_objective(quests[0], quests[0].objectives.first().pk, True, today=TODAY, now=NOW)
    with CaptureQueriesContext(connection) as queries:
        percents = progress.percent_map([quest.pk for quest in quests])
    assert len(queries) == 1
    assert percents == {quests[0].pk: 75, quests[1].pk: 0, quests[2].pk: 0}


# --- habit counts -----------------------------------------------------------------------------


def test_days_done_since_the_quest_became_active_count(counting):
    quest, habit = counting()
    assert tick(habit, days_ago(3)) == []  # before it became active
    assert tick(habit, days_ago(2)) == []
    assert tick(habit, days_ago(1)) == []
    objective = fed(quest)
    assert (objective.count, objective.done) == (2, False)
    assert progress.percent(quest.objectives.all()) == 50


def test_the_last_day_completes_and_its_undo_reopens(counting):
    quest, habit = counting()
    tick(habit, days_ago(2))
    tick(habit, days_ago(1))
    assert tick(habit, TODAY) == [(quest, "completed")]
    quest = fresh(quest)
    assert (quest.status, quest.completion_cycle, quest.completed_on) == ("done", 1, TODAY)
    assert tick(habit, TODAY, "undo") == [(quest, "reopened")]
    quest = fresh(quest)
    assert (quest.status, quest.completed_at) == ("active", None)
    assert (fed(quest).count, fed(quest).done) == (2, False)
    assert tick(habit, TODAY) == [(quest, "completed")]
    assert fresh(quest).completion_cycle == 2


def test_a_backfilled_day_counts(counting):
    quest, habit = counting(target=2)
    tick(habit, TODAY)
    assert tick(habit, days_ago(2)) == [(quest, "completed")]  # backfilled, on the day it began


def test_ticks_after_completion_leave_a_done_quest_alone(counting):
    quest, habit = counting(target=1)
    assert tick(habit, days_ago(2)) == [(quest, "completed")]
    Quest.objects.filter(pk=quest.pk).update(completed_on=days_ago(2))
    assert tick(habit, days_ago(1)) == []
    assert tick(habit, days_ago(1), "undo") == []  # a day after it completed: not what completed it
    assert fresh(quest).status == "done" and fed(quest).count == 1


def test_an_open_quest_does_not_count(make_quest, make_habit):
    habit = make_habit()
    quest = make_quest(objectives=[ObjectiveSpec("Run", "habit_count", habit=habit, target=1)])
    assert tick(habit, TODAY) == []
    assert fed(quest).count == 0
    assert services.start(quest, today=TODAY) == [(quest, "completed")]  # today's run counts once started


def test_the_ready_road_when_the_user_wants_to_be_asked(counting, owner):
    owner.profile.quest_auto_complete = False
    owner.profile.save(update_fields=["quest_auto_complete"])
    quest, habit = counting(target=1)
    assert tick(habit, TODAY) == [(quest, "ready")]
    assert fresh(quest).ready and quest.status == "active"
    assert tick(habit, TODAY, "undo") == []
    assert not fresh(quest).ready


def test_a_quest_waits_for_its_manual_steps(counting):
    quest, habit = counting(target=1, step_done=False)
    assert tick(habit, TODAY) == []
    assert fed(quest).done and fresh(quest).status == "active"
    step = quest.objectives.get(kind="manual")
    assert services.set_objective(quest, step.pk, True, today=TODAY, now=NOW) == [(quest, "completed")]


def test_a_tick_on_a_habit_no_quest_follows_costs_one_query(make_habit, now):
    habit = make_habit()
    with transaction.atomic():
        change = habit_services.change_day(habit, TODAY, "done", now=NOW)
        with CaptureQueriesContext(connection) as queries:
            assert services.apply_day_change(change, today=TODAY, now=NOW) == []
    assert len(queries) == 1


def test_the_commit_step_calls_it_without_dates(counting):
    quest, habit = counting(target=1)
    with transaction.atomic():
        change = habit_services.change_day(habit, TODAY, "done", now=NOW)
        assert services.apply_day_change(change) == [(quest, "completed")]


# --- streaks ----------------------------------------------------------------------------------


def test_a_streak_objective_is_done_when_the_streak_reaches_it(counting):
    quest, habit = counting(target=3, kind="habit_streak")
    tick(habit, days_ago(2))
    tick(habit, days_ago(1))
    assert fed(quest).count == 2
    assert tick(habit, TODAY) == [(quest, "completed")]
    assert tick(habit, TODAY, "undo") == [(quest, "reopened")]
    assert fed(fresh(quest)).count == 2


def test_a_streak_from_before_the_quest_counts(make_habit, make_quest):
    habit = make_habit()
    for n in (4, 3, 2, 1):
        tick(habit, days_ago(n))
    quest = make_quest(status="active", objectives=[ObjectiveSpec("Streak", "habit_streak", habit=habit, target=5)])
    assert fed(quest).count == 4
    assert tick(habit, TODAY) == [(quest, "completed")]


def test_a_quest_already_met_when_created_is_ready_not_completed(make_habit, make_quest):
    habit = make_habit()
    tick(habit, TODAY)
    quest = make_quest(status="active", objectives=[ObjectiveSpec("Run", "habit_count", habit=habit, target=1)])
    assert quest.ready and quest.status == "active"


# --- against a reference ----------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 6), st.sampled_from(["done", "undo", "skip"])), max_size=12))
def test_the_count_is_the_days_done_since_activation(make_quest, make_habit, steps):
    habit = make_habit()
    quest = make_quest(today=days_ago(3), status="active",
                       objectives=[ObjectiveSpec("Run", "habit_count", habit=habit, target=10000)])
    done: set[dt.date] = set()
    for n, action in steps:
        day = days_ago(n)
        tick(habit, day, action)
        done.discard(day) if action != "done" else done.add(day)
        assert fed(quest).count == sum(1 for d in done if d >= days_ago(3))


def test_lowering_a_kept_objectives_target_recounts_and_completes(counting):
    quest, habit = counting(target=3)
    tick(habit, days_ago(1))
    tick(habit, TODAY)
    run, shoes = quest.objectives.order_by("position")
    transitions = services.update_quest(quest, today=TODAY, now=NOW, objectives=[
        ObjectiveSpec("Run twice", "habit_count", habit=str(habit.pk), target=2, id=run.pk),
        ObjectiveSpec("Shoes", id=shoes.pk),
    ])
    assert transitions == [(quest, "completed")]
    assert (fed(quest).pk, fed(quest).count) == (run.pk, 2)
