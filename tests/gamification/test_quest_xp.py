"""Gamification's part of quests: the reward rule (late: half, rounded up), the ledger rows a
QuestChange writes, and the two quest achievement rules, on plain facts."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum

from gamification import rules
from gamification.achievements import meets
from gamification.models import Achievement, XPEvent
from gamification.services import QuestChange, settle
from habitstory.story.commit import lock_user

TODAY = dt.date(2026, 11, 23)
DUE = dt.date(2026, 11, 20)


def test_it_awards_the_full_reward_on_time_and_half_rounded_up_late():
    assert rules.quest_xp(75, late=False) == 75
    assert rules.quest_xp(75, late=True) == 38
    assert rules.quest_xp(5, late=True) == 3
    assert rules.quest_xp(500, late=True) == 250


@pytest.mark.parametrize(
    ("due_date", "due_time", "completed_on", "completed_local", "late"),
    [
        (None, None, TODAY, dt.datetime(2026, 11, 23, 9), False),  # no due date: never late
        (DUE, None, DUE, dt.datetime(2026, 11, 20, 23, 59), False),  # on its day
        (DUE, None, DUE + dt.timedelta(days=1), dt.datetime(2026, 11, 21, 0, 1), True),  # the day after
        # 01:30 still belongs to the due day with a 2 a.m. day start: the local day decides
        (DUE, None, DUE, dt.datetime(2026, 11, 21, 1, 30), False),
        (DUE, dt.time(17), DUE, dt.datetime(2026, 11, 20, 17, 0), False),  # at the time
        (DUE, dt.time(17), DUE, dt.datetime(2026, 11, 20, 17, 1), True),  # after it, same day
        (DUE, dt.time(17), DUE - dt.timedelta(days=1), dt.datetime(2026, 11, 19, 23), False),
    ],
)
def test_it_is_late_after_the_due_day_or_the_due_time(due_date, due_time, completed_on, completed_local, late):
    assert rules.quest_is_late(due_date, due_time, completed_on, completed_local) is late


def test_an_aware_local_time_compares_by_its_wall_clock():
    local = dt.datetime(2026, 11, 20, 17, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert rules.quest_is_late(DUE, dt.time(17), DUE, local)
    assert not rules.quest_is_late(DUE, dt.time(18), DUE, local)


def _ledger(user) -> int:
    return XPEvent.objects.filter(user=user).aggregate(s=Sum("amount"))["s"] or 0


def _settle(user, *changes: QuestChange):
    return settle(lock_user(user.pk), TODAY, quests=list(changes))


@pytest.mark.django_db
def test_settle_awards_a_completion_once_and_takes_it_back_once(owner):
    done = QuestChange(quest_id=7, cycle=1, completed=True, reward=60)
    assert _settle(owner, done).xp == 60
    with pytest.raises(IntegrityError), transaction.atomic():  # the ledger's unique (source, reason)
        _settle(owner, done)
    reopened = QuestChange(quest_id=7, cycle=1, completed=False)
    assert _settle(owner, reopened).xp == -60
    assert list(XPEvent.objects.filter(user=owner).order_by("id").values_list("amount", "reason", "source")) == [
        (60, "quest_completed", "quest:7:1"),
        (-60, "quest_reopened", "quest:7:1"),
    ]
    assert _settle(owner, QuestChange(quest_id=7, cycle=2, completed=True, reward=60, late=True)).xp == 30
    owner.profile.refresh_from_db()
    assert owner.profile.xp_total == _ledger(owner) == 30
    assert owner.pet.xp == 30


@pytest.mark.django_db
def test_taking_back_what_was_never_awarded_writes_nothing(owner):
    assert _settle(owner, QuestChange(quest_id=9, cycle=1, completed=False)).xp == 0
    assert not XPEvent.objects.exists()


def _facts(**given):
    values = {"quest_completed": True, "quests_completed": 0, "quests_completed_today": 0, **given}
    return SimpleNamespace(
        quest_completed=values["quest_completed"], ticked=False, on_today=False,
        quests_completed=lambda: values["quests_completed"],
        quests_completed_today=lambda: values["quests_completed_today"],
    )


def test_the_quest_rules_read_the_quest_facts():
    ten = Achievement(kind=Achievement.Kind.QUESTS_COMPLETED, threshold=10)
    busy = Achievement(kind=Achievement.Kind.QUESTS_IN_A_DAY, threshold=3)
    assert meets(ten, _facts(quests_completed=10), level=1)
    assert not meets(ten, _facts(quests_completed=9), level=1)
    assert not meets(ten, _facts(quest_completed=False, quests_completed=10), level=1)  # no quest in this commit
    assert meets(busy, _facts(quests_completed_today=3), level=1)
    assert not meets(busy, _facts(quests_completed_today=2), level=1)


@pytest.mark.django_db
def test_the_migration_created_the_four_quest_achievements():
    found = set(Achievement.objects.filter(kind__startswith="quests_").values_list("code", "kind", "threshold"))
    assert found == {
        ("quest-1", "quests_completed", 1), ("quests-10", "quests_completed", 10),
        ("quests-50", "quests_completed", 50), ("quests-day-3", "quests_in_a_day", 3),
    }
