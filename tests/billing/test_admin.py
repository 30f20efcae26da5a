"""Billing in admin: the Free limits edited in their list, subscriptions and handled events
shown (not edited), every user's usage, and nobody but staff getting in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from habitstory.billing.models import HandledEvent, PlanLimit, Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, make_user, seeded_limits):
    client.force_login(make_user("staff@example.com", is_staff=True, is_superuser=True))
    return client


def test_staff_edit_a_free_limit_in_the_list(staff_client):
    limits = list(PlanLimit.objects.order_by("pk"))
    data = {"form-TOTAL_FORMS": len(limits), "form-INITIAL_FORMS": len(limits), "_save": "Save"}
    for index, row in enumerate(limits):
        data[f"form-{index}-id"] = row.pk
        data[f"form-{index}-free_limit"] = 5 if row.kind == "habits" else row.free_limit
    response = staff_client.post("/admin/billing/planlimit/", data)
    assert response.status_code == 302
    assert PlanLimit.objects.get(kind="habits").free_limit == 5
    assert staff_client.get("/admin/billing/planlimit/add/").status_code == 403  # every kind has its row


def test_a_missing_kind_may_be_added_back(staff_client):
    PlanLimit.objects.filter(kind="uploads").delete()
    response = staff_client.post("/admin/billing/planlimit/add/", {"kind": "uploads", "free_limit": "4"})
    assert response.status_code == 302 and PlanLimit.objects.get(kind="uploads").free_limit == 4


def test_a_subscription_is_shown_with_plan_grace_and_usage(staff_client, owner, make_premium):
    sub = make_premium(owner, past_due_since=timezone.now() - dt.timedelta(days=1), status="past_due")
    listing = staff_client.get("/admin/billing/subscription/").content.decode()
    assert "owner@example.com" in listing and "Premium" in listing and "Usage of every user" in listing
    page = staff_client.get(f"/admin/billing/subscription/{sub.pk}/change/").content.decode()
    assert "Active habits" in page and "grace until" in page.lower()
    assert staff_client.post(f"/admin/billing/subscription/{sub.pk}/change/", {"status": "active"}).status_code == 403
    assert Subscription.objects.get(pk=sub.pk).status == "past_due"


def test_handled_events_are_listed_and_searched_read_only(staff_client, owner):
    HandledEvent.objects.create(id="evt_123", type="invoice.paid", created=timezone.now(), outcome="applied",
                                user=owner)
    HandledEvent.objects.create(id="evt_456", type="customer.created", created=timezone.now(), outcome="ignored")
    found = staff_client.get("/admin/billing/handledevent/", {"q": "evt_123"}).content.decode()
    assert "evt_123" in found and "evt_456" not in found
    assert staff_client.get("/admin/billing/handledevent/add/").status_code == 403
    assert staff_client.post("/admin/billing/handledevent/evt_123/delete/", {"post": "yes"}).status_code == 403


def test_usage_lists_every_user_with_plan_and_counts(staff_client, owner, stranger, make_premium, billing_on):
    make_premium(stranger)
    page = staff_client.get("/admin/billing/subscription/usage/").content.decode()
    assert "owner@example.com" in page and "stranger@example.com" in page
    assert "0 of 3" in page and "Premium" in page and "Free" in page
    searched = staff_client.get("/admin/billing/subscription/usage/", {"q": "owner"}).content.decode()
    assert "owner@example.com" in searched and "stranger@example.com" not in searched


def test_nobody_but_staff_gets_in(client, owner):
    client.force_login(owner)
    for url in ["/admin/billing/subscription/usage/", "/admin/billing/subscription/", "/admin/billing/planlimit/"]:
        assert client.get(url).status_code == 302
