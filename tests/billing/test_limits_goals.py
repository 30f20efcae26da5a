"""Free's limit of active goals (3): a new goal and a completed goal reopened by an edit are
refused at the limit, through the page and the API; a goal over the limit after a
downgrade stays trackable; no limits with billing off or on Premium."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from goals import services
from goals.models import Goal
from habitstory.api import services as token_services
from habitstory.billing.limits import PlanLimitReached
from habitstory.billing.models import PlanLimit
from habitstory.story.goals import commit_goal_entry
from tests.api.conftest import ApiClient
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)
FORM = {"name": "Read 12 books", "description": "Novels too", "target_value": "12", "unit": "books",
        "start_date": "2026-11-23", "deadline": ""}


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def free_limit(db):
    """Migration 0002's limit, again: a transactional test elsewhere flushes seeded rows."""
    PlanLimit.objects.update_or_create(kind="goals", defaults={"free_limit": 3})


@pytest.fixture
def api(owner) -> ApiClient:
    return ApiClient(token_services.issue_token(owner, "tests")[1])


def goal(user, name="Run 100 km", **fields) -> Goal:
    fields.setdefault("target_value", Decimal(100))
    return Goal.objects.create(user=user, name=name, start_date=TODAY, **fields)


def at_limit(user) -> list[Goal]:
    return [goal(user, f"Goal {n}") for n in range(3)]


def test_it_refuses_a_fourth_goal_on_the_page_keeping_what_was_typed(billing_on, owner, owner_client):
    at_limit(owner)
    response = owner_client.post(reverse("goals:create"), FORM)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The Free plan allows 3 active goals; you have 3." in page
    assert f'href="{reverse("billing:pricing")}"' in page  # the upgrade link, as a link
    assert 'value="Read 12 books"' in page and "Novels too" in page
    assert "Please fix the fields" not in page  # nothing wrong with them
    assert Goal.objects.filter(user=owner).count() == 3


def test_it_creates_the_third_goal(billing_on, owner, owner_client):
    goal(owner, "One"), goal(owner, "Two")
    response = owner_client.post(reverse("goals:create"), FORM)
    assert response.status_code == 302
    assert Goal.objects.filter(user=owner).count() == 3


def test_completed_goals_do_not_count(billing_on, owner, owner_client):
    at_limit(owner)
    Goal.objects.filter(user=owner, name="Goal 0").update(completed_at=NOW, current_value=100)
    assert services.active_count(owner) == 2
    assert owner_client.post(reverse("goals:create"), FORM).status_code == 302


def test_the_api_answers_403_plan_limit(billing_on, owner, api):
    at_limit(owner)
    response = api.post("/api/v1/goals", {"name": "Read", "target": {"value": 12, "unit": "books"}})
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "plan_limit"
    assert error["details"] == {"limit": 3, "used": 3, "kind": "goals"}
    assert Goal.objects.filter(user=owner).count() == 3


def test_the_service_refuses_whoever_calls_it(billing_on, owner):
    at_limit(owner)
    with pytest.raises(PlanLimitReached) as refused:
        services.save_goal(Goal(user=owner, name="More", target_value=5, start_date=TODAY))
    assert refused.value.details == {"limit": 3, "used": 3, "kind": "goals"}


def test_raising_a_completed_goals_target_reopens_it_only_with_room(billing_on, owner, owner_client, api):
    done = goal(owner, "Done", target_value=Decimal(5))
    commit_goal_entry(done, 5)
    done.refresh_from_db()
    assert done.completed_at is not None
    at_limit(owner)
    edit = {**FORM, "name": "Done", "target_value": "50"}
    response = owner_client.post(reverse("goals:edit", args=[done.pk]), edit)
    assert response.status_code == 200
    assert "The Free plan allows 3 active goals" in response.content.decode()
    assert 'value="50"' in response.content.decode()
    response = api.patch(f"/api/v1/goals/{done.pk}", {"target": {"value": 50, "unit": ""}})
    assert response.status_code == 403 and response.json()["error"]["code"] == "plan_limit"
    done.refresh_from_db()
    assert (done.target_value, done.completed_at is not None) == (Decimal(5), True)  # nothing written
    # Lowering it, or renaming, is fine: it stays completed.
    assert api.patch(f"/api/v1/goals/{done.pk}", {"name": "Done!"}).status_code == 200
    assert api.patch(f"/api/v1/goals/{done.pk}", {"target": {"value": 4, "unit": ""}}).status_code == 200


def test_a_downgraded_account_over_the_limit_keeps_tracking(billing_on, owner, owner_client, make_premium):
    make_premium(owner)
    goals = [goal(owner, f"Goal {n}") for n in range(5)]  # Premium: no limit
    assert owner_client.post(reverse("goals:create"), FORM).status_code == 302
    make_premium(owner, status="canceled")
    assert owner_client.post(reverse("goals:create"), {**FORM, "name": "Seventh"}).status_code == 200
    # Everything stays: visible, editable, entries move it, even to completion and back.
    page = owner_client.get(reverse("goals:index")).content.decode()
    assert all(g.name in page for g in goals)
    first = goals[0]
    assert owner_client.post(reverse("goals:add-entry", args=[first.pk]), {"amount": "100"}).status_code == 302
    assert owner_client.post(reverse("goals:add-entry", args=[first.pk]), {"amount": "-10"}).status_code == 302
    first.refresh_from_db()
    assert first.current_value == 90 and first.completed_at is None  # an entry reopens it: tracking
    edit = {**FORM, "name": "Renamed", "target_value": "200"}
    assert owner_client.post(reverse("goals:edit", args=[goals[1].pk]), edit).status_code == 302
    assert owner_client.post(reverse("goals:delete", args=[goals[2].pk])).status_code == 302


def test_premium_has_no_limit(billing_on, owner, api, make_premium):
    make_premium(owner)
    at_limit(owner)
    assert api.post("/api/v1/goals", {"name": "Read", "target": {"value": 12}}).status_code == 201


def test_no_limit_and_no_billing_query_with_billing_off(owner, owner_client):
    at_limit(owner)
    with CaptureQueriesContext(connection) as queries:
        services.save_goal(Goal(user=owner, name="Fifth", target_value=5, start_date=TODAY))
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "billing_" not in sql and "COUNT(" not in sql and "accounts_profile" not in sql
    assert owner_client.post(reverse("goals:create"), FORM).status_code == 302
    assert Goal.objects.filter(user=owner).count() == 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_goals_at_once_take_the_last_place_once(billing_on, owner):
    goal(owner, "One"), goal(owner, "Two")
    errors = run_together([
        lambda n=n: services.save_goal(Goal(user=owner, name=f"At once {n}", target_value=5, start_date=TODAY))
        for n in range(4)
    ])
    assert [type(error) for error in errors] == [PlanLimitReached] * 3
    assert services.active_count(owner) == 3
