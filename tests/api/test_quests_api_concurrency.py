"""The quests API called many times at once on PostgreSQL (real threads, each with its own
connection): a completion awards once, and two edges that would close a loop between them
are never both saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum

from gamification.models import Achievement, XPEvent
from habitstory.api import auth
from habitstory.api import services as token_services
from quests import services as quest_services
from quests.models import Dependency, Quest
from tests.concurrency import run_together

from .conftest import ApiClient

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL"),
]

TODAY = dt.date(2026, 3, 4)


@pytest.fixture
def token(owner, monkeypatch) -> str:
    monkeypatch.setattr(auth.PerUserThrottle, "allow_request", lambda self, request: True)
    Achievement.objects.update(active=False)
    return token_services.issue_token(owner, "tests")[1]


def make_quest(user, title: str) -> Quest:
    return quest_services.create_quest(user, title=title, xp_reward=40, status="active", today=TODAY)


def test_twenty_simultaneous_completions_award_once(owner, token):
    quest = make_quest(owner, "Write draft")
    statuses: list[int] = []
    xp: list[int] = []

    def complete():
        response = ApiClient(token).post(f"/api/v1/quests/{quest.pk}/complete")
        statuses.append(response.status_code)
        xp.append(response.json()["data"]["xp"])

    assert run_together([complete] * 20) == []
    assert statuses == [200] * 20 and sorted(xp) == [0] * 19 + [40]
    quest.refresh_from_db()
    assert (quest.status, quest.completion_cycle) == ("done", 1)
    assert XPEvent.objects.filter(user=owner).aggregate(s=Sum("amount"))["s"] == 40
    owner.profile.refresh_from_db()
    assert owner.profile.xp_total == 40


def test_two_edges_closing_a_loop_at_once_are_never_both_saved(owner, token):
    draft, edit = make_quest(owner, "Write draft"), make_quest(owner, "Edit")
    statuses: list[int] = []

    def add(quest: Quest, other: Quest):
        def call():
            response = ApiClient(token).post(f"/api/v1/quests/{quest.pk}/dependencies", {"depends_on": other.pk})
            statuses.append(response.status_code)
        return call

    assert run_together([add(draft, edit), add(edit, draft)] * 5) == []
    assert Dependency.objects.count() == 1
    # One edge saved; each other call is the same edge again (409) or its reverse, a loop (400).
    assert len(statuses) == 10 and statuses.count(201) == 1 and set(statuses) <= {201, 400, 409}
