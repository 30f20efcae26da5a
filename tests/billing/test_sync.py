"""sync_subscriptions re-reads each customer's subscriptions from Stripe (the local fake) and
stores the one that counts as of now: a missed webhook is recovered (docs/billing.md, "Recovery")."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from habitstory.billing import limits
from habitstory.billing.models import Subscription

from .fake_stripe import subscription
from .test_webhooks import post, sub_event

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
T = int(NOW.timestamp())
DAY = 86400


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


def sync(*args) -> str:
    out = StringIO()
    call_command("sync_subscriptions", *args, stdout=out)
    return out.getvalue()


def test_it_recovers_a_missed_cancellation(owner, billing_on):
    Subscription.objects.create(user=owner, customer_id="cus_1", subscription_id="sub_1", status="active",
                                subscription_created=T - DAY, state_at=T - DAY)
    billing_on.subscriptions["sub_1"] = subscription("sub_1", "cus_1", "canceled", created=T - DAY,
                                                     period_end=T, canceled_at=T - 60)
    output = sync()
    stored = Subscription.objects.get(user=owner)
    assert (stored.status, stored.state_at, stored.canceled_at) == ("canceled", T, NOW - dt.timedelta(minutes=1))
    assert "owner@example.com: sub_1 canceled (updated)" in output and "Synced 1 customers, 1 updated." in output
    assert ("GET", "/v1/subscriptions", {"customer": "cus_1", "status": "all", "limit": "100"}) in billing_on.requests


def test_it_recovers_a_missed_payment_and_ends_the_grace(owner, billing_on):
    Subscription.objects.create(user=owner, customer_id="cus_1", subscription_id="sub_1", status="past_due",
                                subscription_created=T - DAY, state_at=T - DAY,
                                past_due_since=NOW - dt.timedelta(days=6))
    billing_on.subscriptions["sub_1"] = subscription("sub_1", "cus_1", "active", created=T - DAY,
                                                     period_end=T + 30 * DAY)
    sync()
    stored = Subscription.objects.get(user=owner)
    assert stored.status == "active" and stored.past_due_since is None and stored.payment_state_at == T
    assert limits.is_premium(owner)


def test_it_takes_the_newest_live_subscription(owner, stranger, billing_on):
    Subscription.objects.create(user=owner, customer_id="cus_1")
    Subscription.objects.create(user=stranger)  # no customer: not asked about
    billing_on.subscriptions.update({
        "sub_old": subscription("sub_old", "cus_1", "active", created=T - 90 * DAY, period_end=T + DAY),
        "sub_new": subscription("sub_new", "cus_1", "incomplete_expired", created=T - DAY, period_end=T + DAY),
        "sub_other": subscription("sub_other", "cus_2", "active", created=T, period_end=T + DAY),
    })
    output = sync()
    assert Subscription.objects.get(user=owner).subscription_id == "sub_old"
    assert "Synced 1 customers" in output and "stranger" not in output


def test_a_later_older_webhook_does_not_undo_the_sync(owner, billing_on, client):
    Subscription.objects.create(user=owner, customer_id="cus_1")
    billing_on.subscriptions["sub_1"] = subscription("sub_1", "cus_1", "active", created=T - DAY,
                                                     period_end=T + DAY, cancel_at_period_end=True)
    sync()
    assert post(client, sub_event("updated", "active", T - 10)).status_code == 200
    stored = Subscription.objects.get(user=owner)
    assert stored.cancel_at_period_end and stored.state_at == T


def test_a_customer_without_subscriptions_is_left_alone(owner, billing_on):
    Subscription.objects.create(user=owner, customer_id="cus_1")
    assert "owner@example.com: no subscription" in sync()
    assert Subscription.objects.get(user=owner).status == ""


def test_it_syncs_one_user(owner, stranger, billing_on):
    Subscription.objects.create(user=owner, customer_id="cus_1")
    Subscription.objects.create(user=stranger, customer_id="cus_2")
    billing_on.subscriptions["sub_2"] = subscription("sub_2", "cus_2", "active", created=T, period_end=T + DAY)
    output = sync("--user", "STRANGER@example.com")
    assert "stranger@example.com: sub_2 active (updated)" in output and "owner" not in output
    assert Subscription.objects.get(user=owner).status == ""
    with pytest.raises(CommandError, match="No user"):
        sync("--user", "nobody@example.com")


def test_it_refuses_when_billing_is_off(owner):
    with pytest.raises(CommandError, match="Billing is off"):
        sync()
