"""Billing's actions: a user's one Stripe Customer, a Checkout Session, a Customer Portal
session, and re-reading subscriptions from Stripe (docs/billing.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import limits, stripe_api, webhooks
from .models import Subscription


class BillingOff(Exception):
    """No Stripe keys on this server: nothing to sell, nothing limited."""


class NoCustomer(Exception):
    """The user never started a Checkout, so Stripe has no customer (and no portal) for them."""


class AlreadySubscribed(Exception):
    """The user has a live subscription (even one in its grace): a change of plan or card is
    the portal's, not a second Checkout (which would bill twice)."""


def forget_cached(user) -> None:
    if hasattr(user, "_billing_subscription"):
        del user._billing_subscription


def ensure_customer(user) -> str:
    """The user's Stripe Customer id, created once: the row is locked while Stripe creates
    it, and the idempotency key makes a retry (or a crash before the commit) get the same one."""
    Subscription.objects.get_or_create(user=user)
    with transaction.atomic():
        row = Subscription.objects.select_for_update().get(user=user)
        if not row.customer_id:
            customer = stripe_api.client().v1.customers.create(
                {"email": user.email, "metadata": {"user_id": str(user.pk)}},
                {"idempotency_key": f"habitstory-customer-{user.pk}"},
            )
            row.customer_id = customer.id
            row.save(update_fields=["customer_id", "updated_at"])
    forget_cached(user)
    return row.customer_id


def price_for(interval: str) -> str:
    prices = {"month": settings.STRIPE_PRICE_MONTHLY, "year": settings.STRIPE_PRICE_YEARLY}
    if interval not in prices:
        raise ValidationError({"interval": "Choose monthly or yearly."})
    if not prices[interval]:
        raise ValidationError({"interval": f"The {interval}ly price is not offered on this server."})
    return prices[interval]


def with_session_id(url: str) -> str:
    return url + ("&" if "?" in url else "?") + "session_id={CHECKOUT_SESSION_ID}"


def start_checkout(user, interval: str, *, success_url: str, cancel_url: str) -> str:
    """A Checkout Session in subscription mode for `interval` ("month" or "year"); the URL of
    Stripe's hosted page. The webhook links it back through client_reference_id."""
    if not limits.enabled():
        raise BillingOff
    price = price_for(interval)
    if Subscription.objects.filter(user_id=user.pk, status__in=limits.LIVE).exists():
        raise AlreadySubscribed
    customer = ensure_customer(user)
    session = stripe_api.client().v1.checkout.sessions.create({
        "mode": "subscription",
        "customer": customer,
        "client_reference_id": str(user.pk),
        "line_items": [{"price": price, "quantity": 1}],
        "success_url": with_session_id(success_url),
        "cancel_url": cancel_url,
        "metadata": {"user_id": str(user.pk)},
        "subscription_data": {"metadata": {"user_id": str(user.pk)}},
    })
    return session.url


def portal_url(user, return_url: str) -> str:
    """A Customer Portal session (change plan, card, cancel; receipts) for the user's customer."""
    if not limits.enabled():
        raise BillingOff
    customer = Subscription.objects.filter(user_id=user.pk).values_list("customer_id", flat=True).first()
    if not customer:
        raise NoCustomer
    session = stripe_api.client().v1.billing_portal.sessions.create({"customer": customer, "return_url": return_url})
    return session.url


# --- recovery --------------------------------------------------------------------------


@dataclass(frozen=True)
class Synced:
    user_email: str
    subscription_id: str
    status: str
    changed: bool


def newest_subscription(subscriptions: list[dict]) -> dict | None:
    """The newest live subscription, else the newest of any status."""
    if not subscriptions:
        return None
    live = [sub for sub in subscriptions if sub.get("status") in limits.LIVE]
    return max(live or subscriptions, key=lambda sub: (sub.get("created") or 0, sub["id"]))


def observe(row: Subscription, obj: dict, now: dt.datetime) -> bool:
    """Store what Stripe says now, over whatever the webhooks stored (state_at = now)."""
    at = int(now.timestamp())
    state = webhooks.subscription_state(obj, at)
    before = [getattr(row, field.attname) for field in Subscription._meta.concrete_fields]
    webhooks.write_state(row, state)
    if state.status in webhooks.PAID:
        row.past_due_since, row.payment_state_at = None, max(row.payment_state_at, at)
    elif state.status == Subscription.Status.PAST_DUE:
        webhooks.payment_news(row, at, paid=False)
    return [getattr(row, field.attname) for field in Subscription._meta.concrete_fields] != before


def sync_subscription(row: Subscription, now: dt.datetime | None = None) -> Synced:
    """Re-read one customer's subscriptions from Stripe and store the one that counts."""
    now = now or timezone.now()
    listed = stripe_api.client().v1.subscriptions.list({"customer": row.customer_id, "status": "all", "limit": 100})
    found = newest_subscription([sub.to_dict() for sub in listed.auto_paging_iter()])
    with transaction.atomic():
        row = Subscription.objects.select_for_update().select_related("user").get(pk=row.pk)
        changed = found is not None and observe(row, found, now)
        if changed:
            row.save()
    return Synced(row.user.email, row.subscription_id, row.status, changed)


def sync_all(user=None, now: dt.datetime | None = None) -> list[Synced]:
    rows = Subscription.objects.exclude(customer_id=None).exclude(customer_id="").order_by("pk")
    if user is not None:
        rows = rows.filter(user=user)
    return [sync_subscription(row, now) for row in rows]
