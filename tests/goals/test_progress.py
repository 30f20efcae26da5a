"""A goal's current value, completion and XP, and its progress series, as the goal pages
drive them (links, entries, edits) and as ticks feed them through the commit step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gamification.models import XPEvent
from habitstory.story.commit import commit
from habitstory.story.goals import commit_goal_change, commit_goal_entry
from goals import charts
from goals.models import Goal

from .conftest import TODAY, days_ago

pytestmark = pytest.mark.django_db


def value_of(goal: Goal) -> Decimal:
    goal.refresh_from_db()
    return goal.current_value


def goal_events(owner):
    events = XPEvent.objects.filter(user=owner, reason__startswith="goal_").order_by("id")
    return list(events.values_list("reason", "amount"))


# --- current value ----------------------------------------------------------------------------


def test_a_yes_no_habit_with_weight_2_done_3_times_is_6(owner_client, owner, make_habit, make_goal, now):
    habit, goal = make_habit(), make_goal()
    response = owner_client.post(f"/goals/{goal.pk}/links/", {"habit": habit.pk, "weight": "2"})
    assert response.status_code == 302
    for n in (1, 2, 3):
        commit(habit, days_ago(n), "done")
    assert value_of(goal) == Decimal(6)


def test_linking_counts_what_was_already_done_since_the_start(owner_client, make_habit, make_goal, now):
    habit, goal = make_habit(), make_goal()
    for n in (1, 2, 3):
        commit(habit, days_ago(n), "done")
    assert value_of(goal) == 0
    owner_client.post(f"/goals/{goal.pk}/links/", {"habit": habit.pk, "weight": "2"})
    assert value_of(goal) == Decimal(6)


def test_a_measurable_habit_adds_value_times_weight(make_habit, make_goal, link, now):
    habit = make_habit("Run", kind="at_least", target_value=Decimal(3), unit="km")
    goal = make_goal()
    link(goal, habit, "1.5")
    commit(habit, days_ago(1), "value", value="5")
    commit(habit, days_ago(2), "value", value="3.5")
    assert value_of(goal) == Decimal("12.75")  # (5 + 3.5) × 1.5


def test_done_days_before_the_start_date_do_not_count(make_habit, make_goal, link, now):
    habit, goal = make_habit(), make_goal(start_date=days_ago(2))
    link(goal, habit)
    for n in (1, 2, 3, 4):
        commit(habit, days_ago(n), "done")
    assert value_of(goal) == Decimal(2)


def test_skipped_and_missed_days_do_not_count(make_habit, make_goal, link, now):
    habit, goal = make_habit(), make_goal()
    link(goal, habit)
    commit(habit, days_ago(1), "skip")
    commit(habit, days_ago(2), "done")
    assert value_of(goal) == Decimal(1)


def test_moving_the_start_date_recounts(owner_client, make_habit, make_goal, link, now):
    habit, goal = make_habit(), make_goal(start_date=days_ago(10))
    link(goal, habit)
    for n in (1, 5, 8):
        commit(habit, days_ago(n), "done")
    assert value_of(goal) == 3
    owner_client.post(f"/goals/{goal.pk}/edit/", {
        "name": goal.name, "target_value": "100", "unit": "", "description": "",
        "start_date": days_ago(6).isoformat(), "deadline": "",
    })
    assert value_of(goal) == 2


def test_manual_entries_add_and_subtract(owner_client, make_habit, make_goal, link, now):
    habit, goal = make_habit(), make_goal()
    link(goal, habit)
    commit(habit, days_ago(1), "done")
    owner_client.post(f"/goals/{goal.pk}/entries/", {"amount": "10", "note": "Race day"})
    owner_client.post(f"/goals/{goal.pk}/entries/", {"amount": "-2.5", "note": ""})
    assert value_of(goal) == Decimal("8.5")
    assert list(goal.entries.values_list("amount", "note", "on")) == [
        (Decimal("-2.5"), "", TODAY), (Decimal(10), "Race day", TODAY),
    ]


def test_undo_of_a_tick_lowers_it(make_habit, make_goal, link, now):
    habit, goal = make_habit(), make_goal()
    link(goal, habit, 2)
    commit(habit, days_ago(1), "done")
    commit(habit, days_ago(2), "done")
    assert value_of(goal) == 4
    commit(habit, days_ago(1), "undo")
    assert value_of(goal) == 2


def test_removing_a_habit_link_lowers_it(owner_client, make_habit, make_goal, link, now):
    run, swim = make_habit("Run"), make_habit("Swim")
    goal = make_goal()
    link(goal, run)
    link(goal, swim, 3)
    commit(run, days_ago(1), "done")
    commit(swim, days_ago(1), "done")
    assert value_of(goal) == 4
    response = owner_client.post(f"/goals/{goal.pk}/links/{swim.pk}/remove/")
    assert response.status_code == 302
    assert value_of(goal) == 1
    assert list(goal.links.values_list("habit_id", flat=True)) == [run.pk]


def test_changing_a_weight_recounts(owner_client, make_habit, make_goal, link, now):
    habit, goal = make_habit(), make_goal()
    link(goal, habit, 1)
    commit(habit, days_ago(1), "done")
    commit(habit, days_ago(2), "done")
    owner_client.post(f"/goals/{goal.pk}/links/", {"habit": habit.pk, "weight": "2.5"})
    assert value_of(goal) == 5
    assert goal.links.get().weight == Decimal("2.5")


def test_a_deleted_habit_stops_counting(owner_client, make_habit, make_goal, link, now):
    habit, goal = make_habit(), make_goal()
    link(goal, habit)
    commit(habit, days_ago(1), "done")
    owner_client.post(f"/habits/{habit.pk}/delete/")
    commit_goal_change(goal)
    assert value_of(goal) == 0


# --- completion and XP -----------------------------------------------------------------------


def test_completion_reopening_and_completing_again(owner_client, owner, make_habit, make_goal, link, now):
    habit, goal = make_habit(), make_goal(target_value=Decimal(3))
    link(goal, habit)
    commit(habit, days_ago(1), "done")
    commit(habit, days_ago(2), "done")
    goal.refresh_from_db()
    assert goal.completed_at is None and goal_events(owner) == []
    assert "In progress" in owner_client.get(f"/goals/{goal.pk}/").content.decode()

    commit(habit, days_ago(3), "done")  # 3 of 3: complete
    goal.refresh_from_db()
    completed_at = goal.completed_at
    assert completed_at == now
    assert goal_events(owner) == [("goal_completed", 100)]
    page = owner_client.get(f"/goals/{goal.pk}/").content.decode()
    assert "Completed" in page and "23 November 2026" in page and "In progress" not in page

    commit(habit, days_ago(4), "done")  # further past the target: nothing new
    owner_client.post(f"/goals/{goal.pk}/entries/", {"amount": "5"})
    goal.refresh_from_db()
    assert goal.completed_at == completed_at
    assert goal_events(owner) == [("goal_completed", 100)]

    owner_client.post(f"/goals/{goal.pk}/entries/", {"amount": "-5"})
    commit(habit, days_ago(4), "undo")
    commit(habit, days_ago(3), "undo")  # 2 of 3: reopened, the XP taken back once
    commit(habit, days_ago(3), "undo")
    goal.refresh_from_db()
    assert goal.completed_at is None
    assert goal_events(owner) == [("goal_completed", 100), ("goal_reopened", -100)]
    page = owner_client.get(f"/goals/{goal.pk}/").content.decode()
    assert "In progress" in page and ">Completed<" not in page

    commit(habit, days_ago(3), "done")  # a new cycle awards again
    goal.refresh_from_db()
    assert goal.completed_at is not None and goal.completion_cycle == 2
    assert goal_events(owner) == [("goal_completed", 100), ("goal_reopened", -100), ("goal_completed", 100)]
    owner.profile.refresh_from_db()
    assert sum(amount for _, amount in goal_events(owner)) == 100


def test_raising_the_target_reopens_and_lowering_it_completes(owner_client, owner, make_goal, now):
    goal = make_goal(target_value=Decimal(5))
    commit_goal_entry(goal, Decimal(5))
    form = {
        "name": goal.name, "description": "", "unit": "", "start_date": goal.start_date.isoformat(), "deadline": "",
    }
    owner_client.post(f"/goals/{goal.pk}/edit/", {**form, "target_value": "10"})
    goal.refresh_from_db()
    assert goal.completed_at is None
    owner_client.post(f"/goals/{goal.pk}/edit/", {**form, "target_value": "4"})
    goal.refresh_from_db()
    assert goal.completed_at is not None
    assert goal_events(owner) == [("goal_completed", 100), ("goal_reopened", -100), ("goal_completed", 100)]


# --- the progress series ---------------------------------------------------------------------


def test_the_series_equals_a_computation_by_hand(make_habit, make_goal, link, now):
    goal = make_goal(start_date=days_ago(5), target_value=Decimal(50))
    walk = make_habit("Walk")
    run = make_habit("Run", kind="at_least", target_value=Decimal(2), unit="km")
    other = make_habit("Not linked")
    link(goal, walk, 2)
    link(goal, run, "0.5")
    commit(walk, days_ago(7), "done")  # before the start: not counted
    commit(walk, days_ago(5), "done")  # +2 on the start day
    commit(walk, days_ago(3), "done")  # +2
    commit(run, days_ago(3), "value", value="4")  # +2
    commit(run, days_ago(1), "value", value="3")  # +1.5
    commit(run, days_ago(2), "value", value="1")  # under the target: not done
    commit(other, days_ago(2), "done")
    commit_goal_entry(goal, Decimal(10), "")  # made today: +10 today
    commit(walk, TODAY, "done")  # +2 today

    series = charts.progress_series(goal, TODAY)
    by_hand = [
        (days_ago(5), Decimal("2")),
        (days_ago(4), Decimal("2")),
        (days_ago(3), Decimal("6")),
        (days_ago(2), Decimal("6")),
        (days_ago(1), Decimal("7.5")),
        (TODAY, Decimal("19.5")),
    ]
    assert series == by_hand
    assert series[-1][1] == value_of(goal)


def test_cumulative_puts_early_entries_on_the_start_day():
    start = days_ago(2)
    amounts = [(days_ago(9), Decimal(4)), (days_ago(1), Decimal(-1)), (TODAY, Decimal(1))]
    series = charts.cumulative(start, TODAY, amounts)
    assert series == [(days_ago(2), Decimal(4)), (days_ago(1), Decimal(3)), (TODAY, Decimal(4))]
    later = TODAY + dt.timedelta(days=3)
    assert charts.cumulative(later, TODAY, []) == [(later, Decimal(0))]


def test_link_contributions_add_up_to_the_habit_part(make_habit, make_goal, link, now):
    goal = make_goal(start_date=days_ago(3))
    walk, run = make_habit("Walk"), make_habit("Run", kind="at_least", target_value=Decimal(2), unit="km")
    link(goal, walk, 3)
    link(goal, run, 2)
    commit(walk, days_ago(4), "done")
    commit(walk, days_ago(1), "done")
    commit(run, days_ago(2), "value", value="2.25")
    contributions = {l.habit.name: l.contributed for l in charts.link_contributions(goal)}
    assert contributions == {"Walk": Decimal(3), "Run": Decimal("4.5")}
    assert sum(contributions.values()) == value_of(goal)


def test_the_chart_is_accessible_and_marks_target_and_deadline(make_goal, now):
    goal = make_goal(
        start_date=days_ago(20), target_value=Decimal(40), deadline=TODAY + dt.timedelta(days=19), unit="km"
    )
    commit_goal_entry(goal, Decimal(10))
    goal.refresh_from_db()
    series = charts.progress_series(goal, TODAY)
    summary = charts.summary(goal, TODAY)
    chart = charts.progress_chart(goal, series, TODAY, summary.pace)
    assert summary.pace.status == "behind"  # 10 of a planned 21 by today
    assert chart.plan and chart.deadline and chart.deadline["x"] == chart.plot_right
    assert "10 of 40 km" in chart.desc and "behind the plan" in chart.desc
    assert chart.rows[-1] == ("Mon 23 Nov 2026", "10", "21")
    days = [row[0] for row in chart.rows]
    assert days == ["Tue 3 Nov 2026", "Mon 9 Nov 2026", "Mon 16 Nov 2026", "Mon 23 Nov 2026"]  # start, then weekly
    assert chart.rows[0] == ("Tue 3 Nov 2026", "0", "1")  # the plan: 40 over 40 days, 1 a day
