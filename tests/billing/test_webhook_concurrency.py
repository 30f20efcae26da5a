"""Webhooks at the same moment on PostgreSQL (threads, transactions, row locks): one event
delivered five times at once is handled once; different events of one user at once all count."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from habitstory.billing import webhooks
from habitstory.billing.models import HandledEvent, Subscription
from tests.concurrency import run_together

from .conftest import WEBHOOK_SECRET
from .fake_stripe import event, invoice, sign, subscription

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL"),
]

T = 1_800_000_000


def deliver(payload: dict):
    body = json.dumps(payload).encode()
    return lambda: webhooks.handle(body, sign(body, WEBHOOK_SECRET))


def test_one_event_delivered_five_times_at_once_is_handled_once(owner, billing_on, monkeypatch):
    Subscription.objects.create(user=owner, customer_id="cus_1")
    applied = []
    real = webhooks.write_state
    monkeypatch.setattr(webhooks, "write_state", lambda row, state: (applied.append(state), real(row, state)))
    created = event("customer.subscription.created",
                    subscription("sub_1", "cus_1", "active", created=T, period_end=T + 86400), created=T)
    assert run_together([deliver(created)] * 5) == []
    assert len(applied) == 1 and HandledEvent.objects.count() == 1
    assert Subscription.objects.get(user=owner).status == "active"


def test_different_events_of_one_user_at_once_all_count(owner, billing_on):
    Subscription.objects.create(user=owner, customer_id="cus_1")
    events = [
        event("customer.subscription.updated",
              subscription("sub_1", "cus_1", "past_due", created=T, period_end=T + 86400), created=T + 10),
        event("invoice.payment_failed", invoice("in_1", "cus_1", "sub_1", "open", created=T + 9), created=T + 9),
        event("invoice.paid", invoice("in_0", "cus_1", "sub_1", "paid", created=T), created=T),
    ]
    assert run_together([deliver(one) for one in events]) == []
    stored = Subscription.objects.get(user=owner)
    assert stored.status == "past_due" and int(stored.past_due_since.timestamp()) == T + 9
    assert stored.payment_state_at == T and HandledEvent.objects.count() == 3
