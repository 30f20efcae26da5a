"""The day close's XP (habitstory.story.closing → gamification.services.award_closed_days):
an "at most" habit's day that ended at or under its limit earns a tick's XP through the
ledger, exactly once, keyed like a tick ("occurrence:<pk>:<cycle>"): a tick before the
close, a second close or a later tick never award it twice, and an undo takes it back
like any undone day. Profile XP, level and today's XP and the pet follow the ledger."""

from __future__ import annotations

import datetime as dt
import itertools
import threading
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gamification import rules
from gamification import services as gamification
from gamification.models import Pet, PetEvent, XPEvent
from habits import recompute
from habits.models import STAT_FIELDS, Habit, Occurrence
from habits.services import save_habit
from habitstory.accounts.models import Profile
from habitstory.story import closing as day_close
from habitstory.story.commit import commit

pytestmark = pytest.mark.django_db

D = dt.date
NOW = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)  # London: the 23rd
TODAY, YESTERDAY = D(2026, 11, 23), D(2026, 11, 22)


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(NOW, tick=False)


def user_with(make_user, email="most@example.com", closed_through=D(2026, 11, 21)):
    user = make_user(email)
    Profile.objects.filter(user=user).update(timezone="Europe/London", closed_through=closed_through)
    user.refresh_from_db()
    gamification.pet_of(user)
    return user


def coffee(user, difficulty="medium", start=D(2026, 11, 20)):
    return save_habit(Habit(user=user, name="Coffee", start_date=start, kind="at_most", target_value=Decimal(2),
                            unit="cups", difficulty=difficulty))


def ledger(user, **only) -> int:
    return XPEvent.objects.filter(user=user, **only).aggregate(total=Sum("amount"))["total"] or 0


def day_awards(user):
    return list(XPEvent.objects.filter(user=user, source__startswith="occurrence:").order_by("id")
                .values_list("amount", "reason", "source"))


def assert_totals_follow_the_ledger(user):
    profile = Profile.objects.get(user=user)
    total = ledger(user)
    assert profile.xp_total == total
    assert profile.level == rules.level_for(total)[0]
    assert Pet.objects.get(user=user).xp == max(0, total)


def test_the_close_awards_a_day_within_the_limit_its_xp_once(make_user):
    user = user_with(make_user)
    habit = coffee(user)  # the 20th and 21st had no entry: done, by the rules (streak 3 with the 22nd)

    summary = day_close.close_days()

    occurrence = Occurrence.objects.get(habit=habit, on=YESTERDAY)
    assert (occurrence.status, occurrence.xp_cycle) == ("done", 1)
    amount = rules.tick_xp("medium", 3)
    assert day_awards(user) == [(amount, "habit_done", f"occurrence:{occurrence.pk}:1")]
    assert XPEvent.objects.get(user=user).on == TODAY  # the day it was awarded, as a tick's
    profile = Profile.objects.get(user=user)
    assert (profile.xp_today, profile.xp_today_on) == (amount, TODAY)
    assert_totals_follow_the_ledger(user)
    assert summary["done"] == 1

    assert day_close.close_days()["users"] == 0  # a second close: nothing to claim
    assert gamification.award_closed_days([  # and the same facts again: nothing awarded
        gamification.ClosedDay(user.pk, occurrence.pk, 1, "medium", 3, TODAY)
    ]) == {}
    assert len(day_awards(user)) == 1
    assert_totals_follow_the_ledger(user)


def test_a_day_ticked_before_the_close_is_not_awarded_again(make_user):
    user = user_with(make_user)
    habit = coffee(user)
    commit(habit, YESTERDAY, "done")  # yesterday still earns
    before = day_awards(user)

    assert day_close.close_days()["done"] == 0

    assert day_awards(user) == before and len(before) == 1
    assert_totals_follow_the_ledger(user)


def test_an_undo_after_the_close_takes_it_back_and_a_tick_gives_it_once_more(make_user):
    user = user_with(make_user)
    habit = coffee(user)
    day_close.close_days()
    occurrence = Occurrence.objects.get(habit=habit, on=YESTERDAY)
    award = day_awards(user)[0][0]

    commit(habit, YESTERDAY, "done")  # already done: a later tick awards nothing
    assert len(day_awards(user)) == 1
    commit(habit, YESTERDAY, "undo")
    assert day_awards(user)[-1] == (-award, "habit_undone", f"occurrence:{occurrence.pk}:1")
    commit(habit, YESTERDAY, "undo")  # twice: taken back once
    assert ledger(user, source__startswith="occurrence:") == 0
    commit(habit, YESTERDAY, "done")  # a new tick, a new cycle
    assert [source for _, _, source in day_awards(user)] == [f"occurrence:{occurrence.pk}:{cycle}" for cycle in (1, 1, 2)]
    assert_totals_follow_the_ledger(user)


def test_over_the_limit_earns_nothing(make_user):
    user = user_with(make_user)
    habit = coffee(user)
    commit(habit, YESTERDAY, "value", value="3")

    assert day_close.close_days()["done"] == 0
    assert day_awards(user) == []


def test_an_outage_awards_every_closed_day(make_user):
    user = user_with(make_user, closed_through=D(2026, 11, 19))
    coffee(user, difficulty="easy", start=D(2026, 11, 20))

    assert day_close.close_days()["done"] == 3
    assert sum(amount for amount, _, _ in day_awards(user)) == 3 * rules.tick_xp("easy", 3)
    assert_totals_follow_the_ledger(user)


def test_a_level_up_moves_the_profile_and_grows_the_pet(make_user):
    user = user_with(make_user)
    coffee(user, difficulty="hard")
    Profile.objects.filter(user=user).update(xp_total=145, level=1, xp_today=7, xp_today_on=YESTERDAY)
    XPEvent.objects.create(user=user, amount=145, reason="habit_done", source="seed", on=YESTERDAY)
    Pet.objects.filter(user=user).update(xp=145, level=1, stage="egg")

    day_close.close_days()

    profile = Profile.objects.get(user=user)
    assert profile.level == 2 and profile.xp_today == rules.tick_xp("hard", 3)  # a new day's XP
    pet = Pet.objects.get(user=user)
    assert (pet.level, pet.stage) == (2, "hatchling")
    assert set(PetEvent.objects.filter(pet=pet).values_list("kind", flat=True)) >= {"level_up", "stage"}
    assert_totals_follow_the_ledger(user)


def test_a_failing_award_leaves_that_users_day_for_the_next_run(make_user, monkeypatch):
    good, bad = user_with(make_user, "good@example.com"), user_with(make_user, "bad@example.com")
    for user in (good, bad):
        coffee(user)
    award = gamification.award_closed_days

    def failing(days):
        if any(day.user_id == bad.pk for day in days):
            raise RuntimeError("the ledger is away")
        return award(days)

    monkeypatch.setattr(gamification, "award_closed_days", failing)
    summary = day_close.close_days()

    assert summary["users"] == 1 and summary["failed"] == [bad.pk]
    assert not Occurrence.objects.filter(habit__user=bad).exists() and ledger(bad) == 0
    assert len(day_awards(good)) == 1

    monkeypatch.setattr(gamification, "award_closed_days", award)
    assert day_close.close_days()["done"] == 1  # the next run closes it, and awards it once
    assert len(day_awards(bad)) == 1 and len(day_awards(good)) == 1
    assert_totals_follow_the_ledger(bad)


def test_the_close_runs_the_same_queries_for_5_or_20_users(make_user):
    def users(prefix, count):
        made = [user_with(make_user, f"{prefix}{n}@example.com") for n in range(count)]
        for user in made:
            coffee(user)
        return made

    few, many = users("few", 5), users("many", 20)
    with CaptureQueriesContext(connection) as few_queries:
        assert day_close.close_days(users=few)["done"] == 5
    with CaptureQueriesContext(connection) as many_queries:
        assert day_close.close_days(users=many)["done"] == 20
    assert len(many_queries) == len(few_queries)


# --- any sequence ------------------------------------------------------------------------------

STEPS = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(["done", "undo", "skip", "plus", "minus"]), st.integers(0, 2)),
        st.tuples(st.just("value"), st.integers(0, 2), st.integers(0, 4)),
        st.just(("close",)),
        st.just(("next day",)),
    ),
    max_size=25,
)
EMAILS = (f"sequence{n}@example.com" for n in itertools.count())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_of_ticks_and_closes_awards_each_day_at_most_once(make_user, time_machine, steps):
    """Ticks, undos, amounts, closes and days going by in any order: the profile's XP is
    the ledger's sum, and each day's XP stands at most once (net), only on a done day."""
    time_machine.move_to(NOW, tick=False)
    user = user_with(make_user, next(EMAILS), closed_through=D(2026, 11, 20))
    habit = coffee(user, start=D(2026, 11, 18))
    now = NOW
    for step in steps:
        today = Profile.objects.get(user=user).local_today(now)
        if step[0] == "close":
            day_close.close_days(now)
        elif step[0] == "next day":
            now += dt.timedelta(days=1)
            time_machine.move_to(now, tick=False)
        else:
            action, back, *value = step
            commit(habit, today - dt.timedelta(days=back), action, value=value[0] if value else None)
    day_close.close_days(now)

    assert_totals_follow_the_ledger(user)
    for occurrence in Occurrence.objects.filter(habit=habit):
        by_cycle = defaultdict(int)
        for amount, source in XPEvent.objects.filter(source__startswith=f"occurrence:{occurrence.pk}:").values_list(
            "amount", "source"
        ):
            by_cycle[source] += amount
        standing = [net for net in by_cycle.values() if net]
        assert all(net > 0 for net in standing) and len(standing) <= 1  # taken back, or standing once
        assert not standing or occurrence.status == "done"
    # The statistics kept are those of the whole history.
    habit.refresh_from_db()
    rows = Occurrence.objects.filter(habit=habit).values_list("on", "status", "value")
    whole = recompute.compute(habit, Profile.objects.get(user=user).local_today(now), recompute.entries_of(rows))
    assert [getattr(habit, name) for name in STAT_FIELDS] == [getattr(whole, name) for name in STAT_FIELDS]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="overlapping runs need PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_award_each_day_once(make_user):
    users = [user_with(make_user, f"race{n}@example.com") for n in range(12)]
    for user in users:
        coffee(user)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(day_close.close_days(NOW, batch_size=4, workers=1))
        except Exception as error:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and sum(r["done"] for r in results) == len(users)
    for user in users:
        assert len(day_awards(user)) == 1
        assert_totals_follow_the_ledger(user)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes are used on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_worker_processes_award_as_one_process_does(make_user):
    users = [user_with(make_user, f"worker{n}@example.com") for n in range(9)]
    for user in users:
        coffee(user)

    summary = day_close.close_days(NOW, batch_size=2, workers=2)

    assert summary["done"] == len(users) and summary["failed"] == []
    for user in users:
        assert len(day_awards(user)) == 1
        assert_totals_follow_the_ledger(user)
