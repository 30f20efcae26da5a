"""GET /api/v1/plan: the plan, Stripe's last word on it, Premium's features and each limit's
use, as the billing page shows them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from habits.models import Pillar
from habitstory.api import services as token_services
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(owner) -> ApiClient:
    return ApiClient(token_services.issue_token(owner, "tests")[1])


def plan(api) -> dict:
    response = api.get("/api/v1/plan")
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_billing_off_is_unlimited_with_every_feature(api):
    data = plan(api)
    assert (data["billing"], data["plan"], data["status"]) == (False, "unlimited", "")
    assert all(data["features"].values()) and set(data["features"]) == {"forecasts", "what_if", "pet_species",
                                                                           "cup_history"}
    assert [row["limit"] for row in data["usage"]] == [None] * 5


def test_free_shows_each_limit_and_its_use(api, owner, billing_on):
    Pillar.objects.bulk_create(Pillar(user=owner, name=name, position=i) for i, name in enumerate("AB"))
    data = plan(api)
    assert (data["billing"], data["plan"]) == (True, "free")
    assert not any(data["features"].values())
    usage = {row["kind"]: (row["used"], row["limit"]) for row in data["usage"]}
    assert usage == {"pillars": (2, 3), "habits": (0, 10), "goals": (0, 3), "quests": (0, 10), "uploads": (0, 10)}


def test_premium_has_no_limits_and_says_when_it_renews(api, owner, billing_on, make_premium):
    renews = timezone.now() + dt.timedelta(days=12)
    make_premium(owner, interval="year", current_period_end=renews)
    data = plan(api)
    assert (data["plan"], data["status"], data["interval"], data["grace_until"]) == ("premium", "active", "year", None)
    assert data["current_period_end"].startswith(renews.isoformat()[:19])
    assert all(data["features"].values()) and all(row["limit"] is None for row in data["usage"])


def test_a_failed_payment_shows_the_grace(api, owner, billing_on, make_premium):
    failed = timezone.now() - dt.timedelta(days=2)
    make_premium(owner, status="past_due", past_due_since=failed)
    data = plan(api)
    assert data["plan"] == "premium"
    assert data["grace_until"].startswith((failed + dt.timedelta(days=7)).isoformat()[:19])


def test_it_needs_a_user():
    assert Client().get("/api/v1/plan").status_code == 401
