"""Habits' part of the day close for "at most" habits (habits.closing): an expected day
that ended at or under the limit (no entry is 0) becomes done, exactly once, and is
handed on as a plain fact (DoneDay) inside the transaction that writes it; over the limit
it stays missed. The XP is the story's (tests/story/test_day_close_xp.py)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from habits import closing, fold, recompute, stats
from habits.models import STAT_FIELDS, Habit, Occurrence
from habits.services import save_habit
from habitstory.story import closing as day_close

pytestmark = pytest.mark.django_db

UTC = dt.UTC
D = dt.date
NOW = dt.datetime(2026, 11, 23, 12, tzinfo=UTC)  # a Monday in London
YESTERDAY = D(2026, 11, 22)


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(NOW, tick=False)


def _user(make_user, email="most@example.com", closed_through=D(2026, 11, 21)):
    user = make_user(email)
    user.profile.timezone = "Europe/London"
    user.profile.closed_through = closed_through
    user.profile.save()
    return user


def _at_most(user, name="Coffee", start=D(2026, 11, 1), **fields):
    fields.setdefault("difficulty", "hard")
    return save_habit(Habit(user=user, name=name, start_date=start, kind="at_most", target_value=Decimal(2),
                            unit="cups", **fields))


def _days(habit) -> dict[dt.date, tuple]:
    return {on: (status, value, cycle) for on, status, value, cycle in
            Occurrence.objects.filter(habit=habit).values_list("on", "status", "value", "xp_cycle")}


def _close(user, on_done=None):
    return closing.close_batch([user.profile.pk], NOW, None, on_done=on_done)


def test_an_ended_day_within_the_limit_becomes_done(make_user):
    user = _user(make_user)
    empty, within, over, skipped, ticked = (_at_most(user, name) for name in ("Empty", "Within", "Over", "Skipped", "Ticked"))
    Occurrence.objects.create(habit=within, on=YESTERDAY, status="scheduled", value=Decimal(2))
    Occurrence.objects.create(habit=over, on=YESTERDAY, status="missed", value=Decimal(3))
    Occurrence.objects.create(habit=skipped, on=YESTERDAY, status="skipped")
    Occurrence.objects.create(habit=ticked, on=YESTERDAY, status="done", value=Decimal(1), xp_cycle=1)
    handed = []

    summary = _close(user, handed.extend)

    assert _days(empty) == {YESTERDAY: ("done", Decimal(0), 1)}  # no entry is 0
    assert _days(within) == {YESTERDAY: ("done", Decimal(2), 1)}  # its value kept
    assert _days(over) == {YESTERDAY: ("missed", Decimal(3), 0)}
    assert _days(skipped)[YESTERDAY][0] == "skipped"
    assert _days(ticked) == {YESTERDAY: ("done", Decimal(1), 1)}  # already done: not a new tick
    assert (summary.done, summary.missed) == (2, 0)
    occurrence = {habit: Occurrence.objects.get(habit=habit, on=YESTERDAY).pk for habit in (empty, within)}
    assert handed == summary.done_days
    assert sorted(handed, key=lambda day: day.occurrence_id) == [
        closing.DoneDay(user.pk, occurrence[within], 1, "hard", 22, YESTERDAY, NOW.date()),  # its row came first
        closing.DoneDay(user.pk, occurrence[empty], 1, "hard", 22, YESTERDAY, NOW.date()),
    ]


def test_only_expected_days_are_made_done(make_user):
    user = _user(make_user, closed_through=D(2026, 11, 15))  # a week to close: 16th–22nd
    weekdays = _at_most(user, "Mon-Wed", schedule="weekdays", weekdays=[0, 2])
    per_week = _at_most(user, "Twice a week", schedule="per_week", times_per_week=2)
    paused = _at_most(user, "Paused", pauses=[["2026-11-18", "2026-11-20"]])
    late = _at_most(user, "Late", start=D(2026, 11, 21))
    archived = _at_most(user, "Archived", status="archived")

    summary = _close(user)

    assert sorted(_days(weekdays)) == [D(2026, 11, 16), D(2026, 11, 18)]
    assert sorted(_days(per_week)) == [D(2026, 11, 16) + dt.timedelta(days=n) for n in range(7)]  # every day counts
    assert sorted(_days(paused)) == [D(2026, 11, 16), D(2026, 11, 17), D(2026, 11, 21), D(2026, 11, 22)]
    assert sorted(_days(late)) == [D(2026, 11, 21), D(2026, 11, 22)]
    assert _days(archived) == {}
    assert summary.done == 2 + 7 + 4 + 2 and summary.missed == 0
    assert all(status == "done" for habit in (weekdays, per_week, paused, late)
               for status, _, _ in _days(habit).values())


def test_the_statistics_written_are_those_of_the_whole_history(make_user):
    user = _user(make_user, closed_through=D(2026, 11, 19))
    habit = _at_most(user, start=D(2026, 11, 10))
    Occurrence.objects.create(habit=habit, on=D(2026, 11, 14), status="missed", value=Decimal(4))
    Occurrence.objects.create(habit=habit, on=D(2026, 11, 21), status="prompted", value=Decimal(1))
    recompute.recompute_stats(Habit.objects.filter(pk=habit.pk))  # rows written around the services

    _close(user)

    habit.refresh_from_db()
    rows = Occurrence.objects.filter(habit=habit).values_list("on", "status", "value")
    whole = recompute.compute(habit, NOW.date(), recompute.entries_of(rows))
    assert [getattr(habit, name) for name in STAT_FIELDS] == [getattr(whole, name) for name in STAT_FIELDS]
    assert (habit.current_streak, habit.total_done, habit.last_done_on) == (8, 12, YESTERDAY)
    # The days no close made done (before the 20th, but the 14th) count as done without a row.
    assert habit.total_done == Occurrence.objects.filter(habit=habit, status="done").count() + 9


def test_a_second_close_makes_nothing_done_again(make_user):
    user = _user(make_user)
    habit = _at_most(user)
    handed = []

    _close(user, handed.extend)
    second = day_close.close_days()

    assert len(handed) == 1 and second["users"] == 0 and second["done"] == 0
    assert _days(habit) == {YESTERDAY: ("done", Decimal(0), 1)}


def test_a_day_reopened_and_closed_again_is_a_new_tick(make_user):
    """A day made done, then undone (by hand, in the database: no close reopens it): a
    later close of it moves its cycle on, so its XP would be keyed afresh."""
    user = _user(make_user)
    habit = _at_most(user)
    _close(user)
    Occurrence.objects.filter(habit=habit).update(status="scheduled")
    type(user.profile).objects.filter(pk=user.profile.pk).update(closed_through=D(2026, 11, 21))
    handed = []

    _close(user, handed.extend)

    assert _days(habit) == {YESTERDAY: ("done", Decimal(0), 2)}
    assert [day.cycle for day in handed] == [2]


def test_a_failing_award_rolls_back_that_users_close_only(make_user, caplog):
    good, bad = _user(make_user, "good@example.com"), _user(make_user, "bad@example.com")
    for user in (good, bad):
        _at_most(user)

    def award(days):
        if any(day.user_id == bad.pk for day in days):
            raise RuntimeError("the ledger said no")

    summary = closing.close_batch([good.profile.pk, bad.profile.pk], NOW, None, on_done=award)

    assert summary.users == 1 and summary.failed == [bad.pk]
    assert Occurrence.objects.filter(habit__user=good, status="done").count() == 1
    assert not Occurrence.objects.filter(habit__user=bad).exists()
    bad.profile.refresh_from_db()
    assert bad.profile.closed_through == D(2026, 11, 21)  # retried on the next run
    assert f"user {bad.pk}" in caplog.text


def test_an_outage_closes_every_day_it_missed(make_user):
    user = _user(make_user, closed_through=D(2026, 11, 18))
    habit = _at_most(user)
    Occurrence.objects.create(habit=habit, on=D(2026, 11, 20), status="missed", value=Decimal(3))

    summary = day_close.close_days()

    assert summary["done"] == 3 and summary["missed"] == 0
    assert {on: status for on, (status, _, _) in _days(habit).items()} == {
        D(2026, 11, 19): "done", D(2026, 11, 20): "missed", D(2026, 11, 21): "done", D(2026, 11, 22): "done",
    }


def test_the_week_handed_to_the_pets_counts_the_days_made_done(make_user):
    user = _user(make_user, closed_through=D(2026, 11, 15))
    _at_most(user, pauses=[["2026-11-01", "2026-11-02"]])  # not folded: its week is read off the days

    summary = _close(user)

    (week,) = summary.weeks
    assert week.counts == [(6, 6)]  # the 17th–22nd made done; today still open


def test_the_rule_is_one_function():
    """What the close writes for a past open day is what the statistics count it as."""
    measure = stats.Measure("at_most", Decimal(2))
    assert stats.closed_code(measure, None) == stats.closed_code(measure, Decimal(2)) == stats.DONE_CODE
    assert stats.closed_code(measure, Decimal("2.01")) == stats.MISSED_CODE
    assert stats.closed_code(stats.Measure("at_least", Decimal(2)), Decimal(5)) == stats.MISSED_CODE
    assert stats.closed_code(None, None) == stats.MISSED_CODE


def test_a_state_from_before_the_rule_is_recomputed_from_the_whole_history(make_user):
    """A version 2 fold read an "at most" habit's past open days as missed: the close does
    not carry it on, but computes the habit from its whole history (and stores version 3)."""
    user = _user(make_user)
    habit = _at_most(user)
    state = json.loads(habit.stats_state)
    state[0], state[6] = 2, 0  # version 2, and its done days as that rule counted them
    Habit.objects.filter(pk=habit.pk).update(stats_state=json.dumps(state), total_done=0, current_streak=0)

    _close(user)

    habit.refresh_from_db()
    assert json.loads(habit.stats_state)[0] == fold.VERSION == 3
    assert (habit.total_done, habit.current_streak) == (22, 22)
