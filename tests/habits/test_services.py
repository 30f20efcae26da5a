"""The logging services: idempotent, locked, and always leaving the stats a recomputation gives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habits import models as habit_models
from habits import recompute, services
from habits.models import Habit, Occurrence

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def stats_of(habit: Habit) -> dict:
    habit.refresh_from_db()
    return {name: getattr(habit, name) for name in habit_models.STAT_FIELDS}


def test_log_then_undo_then_log_is_consistent(make_habit, now):
    habit = make_habit()
    services.log_occurrence(habit, TODAY, "done")
    services.log_occurrence(habit, TODAY, "done")
    assert Occurrence.objects.filter(habit=habit).count() == 1
    services.undo_occurrence(habit, TODAY)
    services.undo_occurrence(habit, TODAY)
    assert stats_of(habit)["total_done"] == 0
    assert services.undo_occurrence(habit, TODAY - dt.timedelta(days=3)) is None


def test_a_note_is_kept_through_undo(make_habit, now):
    habit = make_habit()
    services.log_occurrence(habit, TODAY, "done", note=" felt great ")
    services.undo_occurrence(habit, TODAY)
    assert Occurrence.objects.get(habit=habit).note == "felt great"


def test_yes_no_habits_refuse_values(make_habit, now):
    habit = make_habit()
    with pytest.raises(ValidationError) as error:
        services.log_occurrence(habit, TODAY, "done", value=3)
    assert "value" in error.value.message_dict


def test_unknown_statuses_are_refused(make_habit, now):
    with pytest.raises(ValidationError):
        services.log_occurrence(make_habit(), TODAY, "missed")


def test_done_on_a_measurable_habit_records_the_target(make_habit, now):
    water = make_habit(kind="at_least", target_value=Decimal(8), unit="glasses")
    occurrence = services.log_occurrence(water, TODAY, "done")
    assert occurrence.value == Decimal(8)


def test_the_commit_step_publishes_the_row_and_xp_to_other_tabs(make_habit, now, monkeypatch, django_capture_on_commit_callbacks):
    from habitstory.story.commit import commit
    from habitstory.live import events

    sent = []
    monkeypatch.setattr(events, "_send", lambda group, message: sent.append(message))
    habit = make_habit()
    with django_capture_on_commit_callbacks(execute=True):
        commit(habit, TODAY, "done")
    assert len(sent) == 1  # one message for everything the tick changed
    batch = {item["event"]: item["data"] for item in sent[0]["events"]}
    unlocked = [item["data"]["message"] for item in sent[0]["events"] if item["event"] == "achievement_unlocked"]
    assert "Achievement unlocked: First step" in unlocked
    assert f'id="habit-row-{habit.pk}"' in batch["habit_logged"]["html"]
    assert 'hx-swap-oob="true"' in batch["habit_logged"]["html"]
    # Today's progress card too, so another Today tab's count moves with the row.
    assert 'id="today-progress"' in batch["habit_logged"]["html"]
    assert "<strong>1</strong> of 1 done" in batch["habit_logged"]["html"]
    assert batch["habit_logged"]["habit_id"] == habit.pk
    assert 'id="xp-bar"' in batch["xp_gained"]["html"]



def test_recompute_stats_command(make_habit, owner, now, capsys):
    habit = make_habit()
    Occurrence.objects.bulk_create(
        Occurrence(habit=habit, on=TODAY - dt.timedelta(days=d), status="done") for d in range(1, 8)
    )
    Habit.objects.filter(pk=habit.pk).update(current_streak=99)
    call_command("recompute_stats", user=owner.email)
    assert stats_of(habit)["current_streak"] == 7
    assert "Recomputed 1 habits." in capsys.readouterr().out
    call_command("recompute_stats", habit=habit.pk)
    assert stats_of(habit)["current_streak"] == 7


def test_recompute_stats_command_errors(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user"):
        call_command("recompute_stats", user="nobody@example.com")
    with pytest.raises(CommandError, match="No habit"):
        call_command("recompute_stats", habit=424242)


def test_recompute_is_set_based(make_habit, owner, now, django_assert_max_num_queries):
    for i in range(30):
        habit = make_habit(f"H{i}")
        Occurrence.objects.bulk_create(
            Occurrence(habit=habit, on=TODAY - dt.timedelta(days=d), status="done") for d in range(1, 30)
        )
    with django_assert_max_num_queries(6):
        assert recompute.recompute_stats(Habit.objects.all()) == 30


ACTIONS = st.lists(
    st.tuples(
        st.sampled_from(["done", "skipped", "undo", "value"]),
        st.integers(min_value=0, max_value=20),  # days ago
        st.integers(min_value=0, max_value=12),  # amount
    ),
    max_size=25,
)
SCHEDULES = st.sampled_from(
    [
        {"schedule": "daily"},
        {"schedule": "weekdays", "weekdays": [0, 2, 4]},
        {"schedule": "per_week", "times_per_week": 3},
        {"schedule": "every_n_days", "every_n_days": 3},
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS, schedule=SCHEDULES, measurable=st.booleans())
def test_any_sequence_of_logs_leaves_the_stats_a_recomputation_gives(owner, time_machine, actions, schedule, measurable):
    time_machine.move_to(NOW, tick=False)
    Habit.objects.all().delete()
    kind = {"kind": "at_least", "target_value": Decimal(5)} if measurable else {}
    habit = services.save_habit(
        Habit(user=owner, name="Prop", start_date=TODAY - dt.timedelta(days=20), **schedule, **kind)
    )
    for action, days_ago, amount in actions:
        day = TODAY - dt.timedelta(days=days_ago)
        if action == "undo":
            services.undo_occurrence(habit, day)
        elif action == "value" and measurable:
            services.log_value(habit, day, amount)
        elif action != "value":
            services.log_occurrence(habit, day, action)
    live = stats_of(habit)
    recompute.recompute_stats(Habit.objects.filter(pk=habit.pk))
    assert stats_of(habit) == live
    assert 0 <= (live["consistency"] if live["consistency"] is not None else 0) <= 100
    assert live["current_streak"] <= live["longest_streak"]
    assert Occurrence.objects.filter(habit=habit).count() <= 21


def test_a_tick_on_today_follows_from_the_fold_without_reading_the_history(make_habit, now):
    """Today's change leaves the fold through yesterday as it was: the statistics follow
    from it and today's row. (A row changed behind the services' back is not read, which
    shows; every service write of a past day recomputes from the whole history.)"""
    habit = services.save_habit(make_habit())
    for days_ago in range(1, 6):
        services.log_occurrence(habit, TODAY - dt.timedelta(days=days_ago), "done")
    Occurrence.objects.filter(habit=habit, on=TODAY - dt.timedelta(days=3)).update(status="missed")

    services.log_occurrence(habit, TODAY, "done")
    habit.refresh_from_db()
    assert (habit.current_streak, habit.total_done) == (6, 6)  # from the fold, as it was

    services.log_occurrence(habit, TODAY - dt.timedelta(days=1), "done")  # a past day: from the history
    habit.refresh_from_db()
    assert (habit.current_streak, habit.total_done) == (3, 5)


def test_a_tick_after_a_missed_day_close_carries_the_fold_over_the_days_after_it(make_habit, time_machine):
    """Two days later, the day close not yet run: the fold through the day before the
    last tick is carried over the days after it (not the whole history) and stored again,
    through yesterday."""
    time_machine.move_to(NOW, tick=False)
    habit = services.save_habit(make_habit())
    for days_ago in range(0, 6):
        services.log_occurrence(habit, TODAY - dt.timedelta(days=days_ago), "done")
    habit.refresh_from_db()
    assert habit.stats_through == TODAY - dt.timedelta(days=1)
    Occurrence.objects.filter(habit=habit, on=TODAY - dt.timedelta(days=3)).update(status="missed")  # inside it

    later = TODAY + dt.timedelta(days=2)
    time_machine.move_to(NOW + dt.timedelta(days=2), tick=False)
    services.log_occurrence(habit, later, "done")
    habit.refresh_from_db()
    assert habit.stats_through == later - dt.timedelta(days=1)
    # The day after the last tick was left open (a miss): the streak restarts today; the
    # day changed inside the fold was not read again.
    assert (habit.current_streak, habit.total_done, habit.longest_streak) == (1, 7, 6)
