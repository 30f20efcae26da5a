"""Next up: each factor moves the score in its documented direction, the reasons say why,
and the list holds the unlocked open and active quests, best first."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quests import graph, next_up, services
from quests.models import Quest

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db


def quest(**fields) -> Quest:
    """An unsaved quest, touched now (score reads only its fields)."""
    fields.setdefault("priority", 2)
    fields.setdefault("xp_reward", 20)
    fields.setdefault("updated_at", NOW)
    return Quest(title="Q", **fields)


def value(unlocks=0, **fields) -> float:
    return next_up.score(quest(**fields), today=TODAY, unlocks=unlocks, now=NOW).value


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def test_the_weights_live_in_one_dict():
    assert set(next_up.WEIGHTS) == {"due", "priority", "xp_per_minute", "unlocks", "staleness"}
    score = next_up.score(quest(due_date=day(0), effort_minutes=10), today=TODAY, unlocks=1, now=NOW)
    assert score.value == pytest.approx(sum(next_up.WEIGHTS[k] * f for k, f in score.factors.items()), abs=1e-4)


def test_due_urgency_overdue_beats_today_beats_tomorrow_beats_later_beats_none():
    scores = [value(due_date=d) for d in (day(-3), day(0), day(1), day(2), day(10))] + [value()]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == len(scores)
    assert value(due_date=day(-1)) == value(due_date=day(-30))  # overdue is overdue


def test_higher_priority_scores_higher():
    scores = [value(priority=p) for p in (1, 2, 3, 4)]
    assert scores == sorted(scores) and len(set(scores)) == 4


def test_more_xp_per_minute_scores_higher():
    assert value(xp_reward=60, effort_minutes=30) > value(xp_reward=30, effort_minutes=30)
    assert value(xp_reward=30, effort_minutes=10) > value(xp_reward=30, effort_minutes=60)
    assert value(xp_reward=30, effort_minutes=60) > value(xp_reward=30)  # no estimate counts 0


def test_unlocking_more_quests_scores_higher():
    scores = [value(unlocks=n) for n in (0, 1, 2, 5)]
    assert scores == sorted(scores) and len(set(scores)) == 4


def test_a_staler_quest_scores_higher_up_to_thirty_days():
    ages = [value(updated_at=NOW - dt.timedelta(days=n)) for n in (0, 3, 10, 30)]
    assert ages == sorted(ages) and len(set(ages)) == 4
    assert value(updated_at=NOW - dt.timedelta(days=90)) == ages[-1]


def test_a_zero_weight_silences_its_factor(monkeypatch):
    monkeypatch.setitem(next_up.WEIGHTS, "due", 0.0)
    assert value(due_date=day(-1)) == value()


@pytest.mark.parametrize(("fields", "unlocks", "text"), [
    ({"due_date": day(1)}, 2, "due tomorrow · unlocks 2 quests"),
    ({"due_date": day(0)}, 1, "due today · unlocks 1 quest"),
    ({"due_date": day(-2)}, 0, "overdue by 2 days"),
    ({"due_date": day(-1), "priority": 4}, 0, "overdue by 1 day · urgent"),
    ({"due_date": day(5), "priority": 3}, 0, "due in 5 days · high priority"),
    ({"xp_reward": 40, "effort_minutes": 15}, 0, "40 XP for 15 min"),
    ({"updated_at": NOW - dt.timedelta(days=9)}, 0, "untouched for 9 days"),
    ({}, 0, ""),
])
def test_the_reasons(fields, unlocks, text):
    assert next_up.score(quest(**fields), today=TODAY, unlocks=unlocks, now=NOW).text == text


def test_score_is_a_value_with_reasons():
    score = next_up.score(quest(), today=TODAY, unlocks=0, now=NOW)
    assert dataclasses.is_dataclass(score) and isinstance(score.value, float) and score.reasons == []


def test_next_up_ranks_unlocked_open_and_active_quests(make_quest, owner, now):
    later = make_quest("Later", due_date=day(9))
    soon = make_quest("Soon", due_date=day(1))
    blocker = make_quest("Blocker")
    locked = make_quest("Locked", due_date=day(-5))
    graph.add_dependency(locked, blocker)
    active = make_quest("Active", status="active", priority=4)
    done = make_quest("Done", due_date=day(-9))
    services.complete(done, today=TODAY, now=NOW)
    ranked = next_up.next_up(owner, today=TODAY, now=NOW)
    assert [q.title for q, _ in ranked] == ["Soon", "Active", "Blocker", "Later"]
    by_title = {q.title: s for q, s in ranked}
    assert by_title["Blocker"].text == "unlocks 1 quest"
    assert by_title["Soon"].text == "due tomorrow"
    assert [q.title for q, _ in next_up.next_up(owner, today=TODAY, now=NOW, limit=2)] == ["Soon", "Active"]
    assert later in [q for q, _ in ranked] and locked not in [q for q, _ in ranked]


@pytest.mark.parametrize("size", [5, 50])
def test_next_up_takes_four_queries(make_quest, owner, now, size):
    for n in range(size):
        make_quest(f"Q{n}", category="Work")
    next_up.weights_for(owner)  # cached per user (tests/quests/test_learned.py counts the first read)
    with CaptureQueriesContext(connection) as queries:
        ranked = next_up.next_up(owner, today=TODAY, now=NOW, limit=size)
        [q.category.name for q, _ in ranked]
    assert len(queries) == 4 and len(ranked) == size
