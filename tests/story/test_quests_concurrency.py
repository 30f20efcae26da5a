"""Quest commits at the same time on PostgreSQL: real threads, each with its own connection
and transaction, real row locks. (SQLite serialises writers for the whole database, so
these run on PostgreSQL only: CI's second run.)"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum

from gamification.models import Achievement, XPEvent
from habits.models import Habit
from habits.services import save_habit
from habitstory.story.commit import commit
from habitstory.story.quests import commit_quest
from quests import services as quest_services
from quests.models import Quest
from quests.services import ObjectiveSpec
from tests.concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL"),
]

TODAY = dt.date(2026, 11, 23)
NOW = dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC)


@pytest.fixture
def quest(owner) -> Quest:
    return quest_services.create_quest(owner, title="Write draft", xp_reward=40, status="active", today=TODAY)


def ledger(user, **filters) -> int:
    return XPEvent.objects.filter(user=user, **filters).aggregate(s=Sum("amount"))["s"] or 0


def test_twenty_simultaneous_completions_award_once(owner, quest):
    # A transactional test empties the tables after it: the definition is made here.
    Achievement.objects.exclude(code="quest-1").delete()
    first, _ = Achievement.objects.update_or_create(
        code="quest-1", defaults={"name": "Quest taker", "description": "Complete a quest.",
                                  "kind": "quests_completed", "threshold": 1, "xp_reward": 10},
    )
    errors = run_together([lambda: commit_quest(quest, "complete", now=NOW)] * 20)
    assert errors == []
    quest.refresh_from_db()
    assert quest.status == "done" and quest.completion_cycle == 1
    assert list(XPEvent.objects.filter(reason="quest_completed").values_list("amount", "source")) == [
        (40, f"quest:{quest.pk}:1"),
    ]
    # The first quest's achievement, unlocked once with it.
    assert XPEvent.objects.filter(reason="achievement").count() == 1
    owner.profile.refresh_from_db()
    assert owner.profile.xp_total == ledger(owner) == 40 + first.xp_reward


def test_twenty_simultaneous_complete_reopen_pairs_stay_consistent(owner, quest):
    Achievement.objects.update(active=False)

    def pair():
        commit_quest(quest, "complete", now=NOW)
        commit_quest(quest, "reopen", now=NOW)

    errors = run_together([pair] * 20)
    assert errors == []
    quest.refresh_from_db()
    awarded = XPEvent.objects.filter(source__startswith=f"quest:{quest.pk}:")
    assert awarded.filter(reason="quest_completed").count() == quest.completion_cycle
    # Awards minus compensations: exactly one standing award if the quest ended done.
    assert ledger(owner, source__startswith=f"quest:{quest.pk}:") == (40 if quest.status == "done" else 0)
    owner.profile.refresh_from_db()
    assert owner.profile.xp_total == ledger(owner)


def test_a_quest_finished_by_two_habits_at_once_completes_once(owner):
    Achievement.objects.update(active=False)
    first = save_habit(Habit(user=owner, name="A", start_date=TODAY - dt.timedelta(days=5)))
    second = save_habit(Habit(user=owner, name="B", start_date=TODAY - dt.timedelta(days=5)))
    quest = quest_services.create_quest(owner, title="Both", xp_reward=40, status="active", today=TODAY, objectives=[
        ObjectiveSpec("A once", kind="habit_count", habit=first, target=1),
        ObjectiveSpec("B once", kind="habit_count", habit=second, target=1),
    ])
    errors = run_together([lambda: commit(first, TODAY, "done", now=NOW), lambda: commit(second, TODAY, "done", now=NOW)])
    assert errors == []
    quest.refresh_from_db()
    assert quest.status == "done" and quest.completion_cycle == 1
    assert XPEvent.objects.filter(reason="quest_completed").count() == 1
    owner.profile.refresh_from_db()
    assert owner.profile.xp_total == ledger(owner)
