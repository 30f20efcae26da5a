"""Stripe's webhooks at /billing/webhook/: signed with Stripe's scheme (the real `stripe`
library verifies them), handled once by event id, and applied in any order to one final
state (docs/billing.md, "Webhooks" and "Order")."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from habitstory.billing import limits, webhooks
from habitstory.billing.models import HandledEvent, Subscription

from .conftest import WEBHOOK_SECRET
from .fake_stripe import event, invoice, sign, subscription

pytestmark = pytest.mark.django_db

URL = "/billing/webhook/"
NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
T = int(NOW.timestamp())
DAY = 86400


@pytest.fixture(autouse=True)
def _frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def customer(owner, billing_on):
    Subscription.objects.create(user=owner, customer_id="cus_1")
    return "cus_1"


def post(client, payload: dict | bytes, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None,
         header: str | None = None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    header = sign(body, secret, timestamp) if header is None else header
    return client.post(URL, body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def row(user) -> Subscription:
    return Subscription.objects.get(user=user)


def sub_event(kind: str, status: str, at: int, *, sub_id: str = "sub_1", created: int = T - DAY,
              period_end: int = T + 30 * DAY, **extra) -> dict:
    obj = subscription(sub_id, "cus_1", status, created=created, period_end=period_end, **extra)
    return event(f"customer.subscription.{kind}", obj, created=at)


def checkout_event(user, at: int, sub_id: str = "sub_1", customer: str = "cus_1") -> dict:
    session = {"id": "cs_1", "object": "checkout.session", "mode": "subscription", "customer": customer,
               "client_reference_id": str(user.pk), "subscription": sub_id, "status": "complete"}
    return event("checkout.session.completed", session, created=at)


def invoice_event(kind: str, at: int, sub_id: str = "sub_1") -> dict:
    status = "paid" if kind == "paid" else "open"
    return event(f"invoice.{kind}", invoice(f"in_{at}", "cus_1", sub_id, status, created=at), created=at)


# --- signatures ----------------------------------------------------------------------------


def test_it_applies_a_signed_subscription_event(client, owner, customer):
    response = post(client, sub_event("created", "active", T))
    assert response.status_code == 200 and response.json() == {"received": True}
    stored = row(owner)
    assert (stored.subscription_id, stored.status, stored.price_id, stored.interval) == (
        "sub_1", "active", "price_monthly", "month")
    assert stored.current_period_end == NOW + dt.timedelta(days=30) and stored.state_at == T
    assert limits.is_premium(owner)
    assert HandledEvent.objects.get().outcome == "applied" and HandledEvent.objects.get().user == owner


@pytest.mark.parametrize("header", [
    "", "t=1,v1=abc", "garbage", "t=notanumber,v1=00",
])
def test_it_refuses_a_bad_signature_header(client, owner, customer, header):
    response = post(client, sub_event("created", "active", T), header=header)
    assert response.status_code == 400 and "error" in response.json()
    assert row(owner).status == "" and not HandledEvent.objects.exists()


def test_it_refuses_another_secret(client, owner, customer):
    assert post(client, sub_event("created", "active", T), secret="whsec_other").status_code == 400
    assert row(owner).status == "" and not HandledEvent.objects.exists()


def test_it_refuses_a_tampered_payload(client, owner, customer):
    body = json.dumps(sub_event("created", "active", T)).encode()
    header = sign(body, WEBHOOK_SECRET)
    tampered = body.replace(b'"active"', b'"trialing"')
    response = client.post(URL, tampered, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400
    assert row(owner).status == "" and not HandledEvent.objects.exists()


def test_it_refuses_a_timestamp_beyond_the_tolerance(client, owner, customer):
    assert post(client, sub_event("created", "active", T), timestamp=T - 301).status_code == 400
    assert row(owner).status == "" and not HandledEvent.objects.exists()
    assert post(client, sub_event("created", "active", T), timestamp=T - 299).status_code == 200


def test_it_refuses_signed_json_that_is_not_an_event(client, owner, customer):
    assert post(client, {"hello": "world"}).status_code == 400
    assert post(client, b"not json").status_code == 400
    assert not HandledEvent.objects.exists()


def test_it_refuses_everything_when_billing_is_off(client, owner):
    assert post(client, sub_event("created", "active", T)).status_code == 400
    assert not Subscription.objects.exists()


def test_it_takes_only_post(client, billing_on):
    assert client.get(URL).status_code == 405


def test_it_needs_no_csrf_token(owner, customer):
    response = post(Client(enforce_csrf_checks=True), sub_event("created", "active", T))
    assert response.status_code == 200


# --- once ----------------------------------------------------------------------------------


def test_the_same_event_twice_is_handled_once(client, owner, customer):
    created = sub_event("created", "active", T)
    assert post(client, created).status_code == 200
    Subscription.objects.filter(user=owner).update(status="unpaid")  # so a second application would show
    assert post(client, created).status_code == 200
    assert row(owner).status == "unpaid" and HandledEvent.objects.count() == 1


def test_a_processing_error_is_a_500_not_recorded_and_a_retry_succeeds(client, owner, customer, monkeypatch):
    broken = {"calls": 0}
    real = webhooks.write_state

    def fail_once(row, state):
        broken["calls"] += 1
        if broken["calls"] == 1:
            raise RuntimeError("database hiccup")
        real(row, state)

    monkeypatch.setattr(webhooks, "write_state", fail_once)
    created = sub_event("created", "active", T)
    client.raise_request_exception = False
    assert post(client, created).status_code == 500
    assert row(owner).status == "" and not HandledEvent.objects.exists()
    assert post(client, created).status_code == 200
    assert row(owner).status == "active" and HandledEvent.objects.get().outcome == "applied"


def test_an_unknown_event_is_accepted_and_ignored(client, owner, customer):
    response = post(client, event("customer.created", {"id": "cus_1", "object": "customer"}, created=T))
    assert response.status_code == 200
    assert HandledEvent.objects.get().outcome == "ignored" and row(owner).status == ""


def test_an_event_for_a_customer_not_linked_yet_is_kept_not_lost(client, owner, customer):
    obj = subscription("sub_9", "cus_unknown", "active", created=T, period_end=T + DAY)
    sent = event("customer.subscription.created", obj, created=T)
    assert post(client, sent).status_code == 200
    kept = HandledEvent.objects.get()
    assert (kept.outcome, kept.customer_id, kept.payload["id"]) == ("unmatched", "cus_unknown", sent["id"])
    assert row(owner).status == ""
    assert post(client, sent).status_code == 200 and HandledEvent.objects.count() == 1  # a replay: still once


def test_kept_events_are_applied_when_checkout_links_their_customer(client, make_user, billing_on):
    buyer = make_user("buyer@example.com")
    created = subscription("sub_7", "cus_7", "active", created=T, period_end=T + 30 * DAY)
    deleted = subscription("sub_7", "cus_7", "canceled", created=T, period_end=T + 30 * DAY, canceled_at=T + 20)
    post(client, event("customer.subscription.created", created, created=T + 10))
    post(client, event("customer.subscription.deleted", deleted, created=T + 20))
    assert not Subscription.objects.filter(user=buyer).exists()
    post(client, checkout_event(buyer, T + 5, sub_id="sub_7", customer="cus_7"))
    stored = row(buyer)
    assert (stored.customer_id, stored.subscription_id, stored.status) == ("cus_7", "sub_7", "canceled")
    assert set(HandledEvent.objects.values_list("outcome", flat=True)) <= {"applied", "stale"}
    assert not HandledEvent.objects.exclude(payload=None).exists()  # the kept payloads are dropped once applied


def test_the_user_id_in_the_subscriptions_metadata_links_it_without_checkout(client, make_user, billing_on):
    buyer = make_user("buyer@example.com")
    obj = subscription("sub_8", "cus_8", "active", created=T, period_end=T + 30 * DAY)
    obj["metadata"] = {"user_id": str(buyer.pk)}
    post(client, event("customer.subscription.created", obj, created=T))
    assert (row(buyer).customer_id, row(buyer).status) == ("cus_8", "active")


def test_an_event_naming_no_customer_at_all_is_ignored(client, owner, customer, caplog):
    obj = subscription("sub_9", "", "active", created=T, period_end=T + DAY)
    assert post(client, event("customer.subscription.created", obj, created=T)).status_code == 200
    assert HandledEvent.objects.get().outcome == "ignored" and "no known user" in caplog.text


def test_a_subscription_event_without_its_id_is_ignored(client, owner, customer):
    obj = subscription("sub_1", "cus_1", "active", created=T, period_end=T + DAY)
    del obj["id"]
    assert post(client, event("customer.subscription.updated", obj, created=T)).status_code == 200
    assert HandledEvent.objects.get().outcome == "ignored" and row(owner).status == ""


def test_an_invoice_without_a_subscription_is_ignored(client, owner, customer):
    obj = {"id": "in_1", "object": "invoice", "customer": "cus_1", "status": "open", "parent": None}
    assert post(client, event("invoice.payment_failed", obj, created=T)).status_code == 200
    assert HandledEvent.objects.get().outcome == "ignored" and row(owner).past_due_since is None


# --- checkout ------------------------------------------------------------------------------


def test_checkout_links_the_customer_and_is_premium_at_once(client, owner, billing_on):
    assert post(client, checkout_event(owner, T, customer="cus_new")).status_code == 200
    stored = row(owner)
    assert (stored.customer_id, stored.subscription_id, stored.status, stored.state_at) == (
        "cus_new", "sub_1", "active", T)
    assert stored.subscription_created == 0 and limits.is_premium(owner)


def test_the_subscription_object_replaces_checkouts_provisional_state_even_if_older(client, owner, customer):
    post(client, checkout_event(owner, T))
    post(client, sub_event("created", "active", T - 1))
    assert row(owner).price_id == "price_monthly" and row(owner).subscription_created == T - DAY


def test_checkout_after_the_subscription_object_changes_nothing(client, owner, customer):
    post(client, sub_event("updated", "past_due", T))
    post(client, checkout_event(owner, T + 5))
    assert row(owner).status == "past_due" and HandledEvent.objects.filter(outcome="stale").count() == 1


def test_checkout_naming_nobody_known_is_ignored(client, owner, billing_on):
    session = {"id": "cs_1", "object": "checkout.session", "mode": "subscription", "customer": "cus_x",
               "client_reference_id": "999999", "subscription": "sub_1"}
    assert post(client, event("checkout.session.completed", session, created=T)).status_code == 200
    assert HandledEvent.objects.get().outcome == "ignored" and not Subscription.objects.exists()


# --- order ---------------------------------------------------------------------------------


def test_updated_after_deleted_is_still_canceled(client, owner, customer):
    post(client, sub_event("deleted", "canceled", T, canceled_at=T))
    post(client, sub_event("updated", "active", T + 10))
    assert row(owner).status == "canceled" and not limits.is_premium(owner)
    assert row(owner).state_at == T and row(owner).canceled_at == NOW


def test_a_late_deleted_wins_over_a_newer_update(client, owner, customer):
    post(client, sub_event("updated", "active", T + 10))
    post(client, sub_event("deleted", "canceled", T, canceled_at=T))
    assert row(owner).status == "canceled"


def test_an_older_update_does_not_overwrite_a_newer_one(client, owner, customer):
    post(client, sub_event("updated", "active", T + 10, cancel_at_period_end=True))
    post(client, sub_event("updated", "active", T))
    assert row(owner).cancel_at_period_end is True


def test_a_new_subscription_replaces_a_canceled_one_and_not_the_reverse(client, owner, customer):
    post(client, sub_event("deleted", "canceled", T, canceled_at=T))
    post(client, sub_event("created", "active", T + 50, sub_id="sub_2", created=T + 50))
    post(client, sub_event("updated", "active", T + 60))  # a late one about the old subscription
    assert (row(owner).subscription_id, row(owner).status) == ("sub_2", "active")


def test_a_newer_abandoned_subscription_does_not_hide_a_live_one(client, owner, customer):
    post(client, sub_event("created", "active", T))
    post(client, sub_event("created", "incomplete", T + 50, sub_id="sub_2", created=T + 50))
    assert (row(owner).subscription_id, row(owner).status) == ("sub_1", "active")


# --- grace and period end ------------------------------------------------------------------


def test_a_failed_payment_keeps_premium_for_seven_days_then_free(client, owner, customer, time_machine):
    post(client, sub_event("created", "active", T - 100))
    post(client, invoice_event("payment_failed", T))
    post(client, sub_event("updated", "past_due", T + 1))
    stored = row(owner)
    assert stored.past_due_since == NOW and limits.grace_until(stored) == NOW + dt.timedelta(days=7) and limits.is_premium(owner)
    time_machine.move_to(NOW + dt.timedelta(days=7) - dt.timedelta(seconds=1), tick=False)
    assert limits.premium_state(stored) and limits.grace_until(stored) is not None
    time_machine.move_to(NOW + dt.timedelta(days=7), tick=False)
    assert not limits.premium_state(stored) and limits.grace_until(stored) is None


def test_invoice_paid_ends_the_grace(client, owner, customer):
    post(client, sub_event("created", "active", T - 100))
    post(client, invoice_event("payment_failed", T))
    post(client, invoice_event("paid", T + 3 * DAY))
    assert row(owner).past_due_since is None and limits.grace_until(row(owner)) is None


def test_a_late_failure_older_than_the_payment_changes_nothing(client, owner, customer):
    post(client, invoice_event("paid", T + 3 * DAY))
    post(client, invoice_event("payment_failed", T))
    assert row(owner).past_due_since is None
    assert HandledEvent.objects.get(type="invoice.payment_failed").outcome == "stale"


def test_past_due_without_an_invoice_event_starts_the_grace(client, owner, customer):
    post(client, sub_event("updated", "past_due", T))
    assert row(owner).past_due_since == NOW


def test_cancel_at_period_end_keeps_premium_until_the_period_ends(client, owner, customer, time_machine):
    post(client, sub_event("updated", "active", T, cancel_at_period_end=True, period_end=T + 5 * DAY))
    assert limits.is_premium(owner)
    time_machine.move_to(NOW + dt.timedelta(days=5), tick=False)
    assert not limits.premium_state(row(owner))


# --- any order, one final state ------------------------------------------------------------


def lifecycle(user) -> list[dict]:
    """Checkout, a paid month, a failed renewal with its grace, paid again, then cancelled at
    the period's end and deleted."""
    return [
        checkout_event(user, T),
        sub_event("created", "incomplete", T - 2),
        sub_event("updated", "active", T - 1),
        invoice_event("paid", T - 1),
        invoice_event("payment_failed", T + 30 * DAY),
        sub_event("updated", "past_due", T + 30 * DAY + 1),
        invoice_event("payment_failed", T + 33 * DAY),
        invoice_event("paid", T + 35 * DAY),
        sub_event("updated", "active", T + 35 * DAY + 1, period_end=T + 60 * DAY),
        sub_event("updated", "active", T + 40 * DAY, period_end=T + 60 * DAY, cancel_at_period_end=True),
        sub_event("deleted", "canceled", T + 60 * DAY, period_end=T + 60 * DAY, canceled_at=T + 60 * DAY),
    ]


def grace_story(user) -> list[dict]:
    """Failures that are not yet paid: the grace runs from the first."""
    return [
        sub_event("created", "active", T - 100),
        invoice_event("paid", T - 100),
        invoice_event("payment_failed", T),
        sub_event("updated", "past_due", T + 1),
        invoice_event("payment_failed", T + 3 * DAY),
        sub_event("updated", "past_due", T + 3 * DAY, cancel_at_period_end=True),
    ]


FIELDS = ["customer_id", "subscription_id", "subscription_created", "status", "price_id", "interval",
          "current_period_end", "cancel_at_period_end", "canceled_at", "past_due_since", "state_at",
          "payment_state_at"]


def final_state(user, events, client) -> tuple:
    Subscription.objects.filter(user=user).delete()
    HandledEvent.objects.all().delete()
    Subscription.objects.create(user=user, customer_id="cus_1")
    for one in events:
        assert post(client, one).status_code == 200
    return tuple(Subscription.objects.filter(user=user).values_list(*FIELDS).get())


def test_lifecycle_in_order_ends_canceled(client, owner, customer):
    state = dict(zip(FIELDS, final_state(owner, lifecycle(owner), client), strict=True))
    assert state["status"] == "canceled" and state["past_due_since"] is None
    assert state["payment_state_at"] == T + 40 * DAY  # the last active state is good news too


@pytest.mark.parametrize("story", [grace_story])
def test_every_order_of_the_grace_story_gives_one_state(client, owner, customer, story):
    events = story(owner)
    expected = final_state(owner, events, client)
    assert dict(zip(FIELDS, expected, strict=True))["past_due_since"] == NOW
    for order in itertools.permutations(events):
        assert final_state(owner, order, client) == expected, [e["type"] for e in order]


def test_replays_and_duplicates_change_nothing(client, owner, customer):
    events = lifecycle(owner)
    expected = final_state(owner, events, client)
    for one in reversed(events):
        assert post(client, one).status_code == 200
    assert tuple(Subscription.objects.filter(user=owner).values_list(*FIELDS).get()) == expected


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_order_with_duplicates_of_the_lifecycle_reaches_the_in_order_state(client, owner, customer, data):
    events = lifecycle(owner)
    expected = final_state(owner, events, client)
    extra = data.draw(st.lists(st.sampled_from(events), max_size=4))
    shuffled = data.draw(st.permutations(events + extra))
    assert final_state(owner, shuffled, client) == expected


def unlinked_final_state(user, events, client) -> tuple:
    """As final_state, but nobody knows the customer until Checkout's event says whose it is."""
    Subscription.objects.filter(user=user).delete()
    HandledEvent.objects.all().delete()
    for one in events:
        assert post(client, one).status_code == 200
    return tuple(Subscription.objects.filter(user=user).values_list(*FIELDS).get())


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_order_before_the_customer_is_known_reaches_the_in_order_state(client, owner, billing_on, data):
    events = lifecycle(owner)
    expected = unlinked_final_state(owner, events, client)
    assert dict(zip(FIELDS, expected, strict=True))["status"] == "canceled"
    extra = data.draw(st.lists(st.sampled_from(events), max_size=3))
    shuffled = data.draw(st.permutations(events + extra))
    assert unlinked_final_state(owner, shuffled, client) == expected
    assert not HandledEvent.objects.filter(outcome="unmatched").exists()
