"""Stripe's webhook events: verified, handled once by their id, and applied so that any
order of arrival leaves one final state, with no call back to Stripe (docs/billing.md,
"Webhooks" and "Order")."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import stripe
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from .limits import LIVE
from .models import HandledEvent, Subscription

log = logging.getLogger(__name__)

Status = Subscription.Status
TERMINAL = frozenset({Status.CANCELED, Status.INCOMPLETE_EXPIRED})  # never revived, whatever arrives later
PAID = frozenset({Status.ACTIVE, Status.TRIALING})  # a subscription in these has nothing unpaid

APPLIED, STALE, IGNORED, UNMATCHED = "applied", "stale", "ignored", "unmatched"
SUBSCRIPTION_EVENTS = frozenset({"customer.subscription.created", "customer.subscription.updated",
                                 "customer.subscription.deleted"})
INVOICE_EVENTS = frozenset({"invoice.paid", "invoice.payment_failed"})


class InvalidWebhook(Exception):
    """The signature (or the payload it signs) is not Stripe's: a 400, nothing else is read."""


@dataclass(frozen=True)
class State:
    """A subscription's state as one event (or a sync) tells it. `at` is the event's `created`
    (Unix seconds). `subscription_created` 0 marks Checkout's provisional state: the
    subscription object itself not seen yet."""

    subscription_id: str
    status: str
    at: int
    subscription_created: int = 0
    price_id: str = ""
    interval: str = ""
    current_period_end: dt.datetime | None = None
    cancel_at_period_end: bool = False
    canceled_at: dt.datetime | None = None

    @property
    def rank(self) -> tuple[bool, int]:
        """Between two subscriptions of one user: a live one, then the newer one."""
        return self.status in LIVE, self.subscription_created or self.at


def moment(seconds: int | None) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC) if seconds else None


def object_id(value) -> str:
    """An id whether Stripe sent it as a string or an expanded object."""
    if isinstance(value, dict):
        return value.get("id") or ""
    return value or ""


def subscription_state(obj: dict, at: int, *, deleted: bool = False) -> State:
    """The state a subscription object carries. Since API version 2025-03-31 the period is on
    its items; older versions have it on the subscription."""
    items = (obj.get("items") or {}).get("data") or [{}]
    item = items[0]
    price = item.get("price") or {}
    return State(
        subscription_id=obj["id"], status=Status.CANCELED if deleted else obj.get("status", ""), at=at,
        subscription_created=int(obj.get("created") or 0) or at, price_id=price.get("id", ""),
        interval=(price.get("recurring") or {}).get("interval", ""),
        current_period_end=moment(item.get("current_period_end") or obj.get("current_period_end")),
        cancel_at_period_end=bool(obj.get("cancel_at_period_end")), canceled_at=moment(obj.get("canceled_at")),
    )


def stored_state(row: Subscription) -> State | None:
    if not row.subscription_id:
        return None
    return State(subscription_id=row.subscription_id, status=row.status, at=row.state_at,
                 subscription_created=row.subscription_created)


def supersedes(state: State, row: Subscription) -> bool:
    """Whether `state` replaces what `row` stores (docs/billing.md, "Order")."""
    stored = stored_state(row)
    if stored is None:
        return True
    if stored.subscription_id != state.subscription_id:
        return state.rank > stored.rank
    if stored.status in TERMINAL:
        return state.status in TERMINAL and state.at > stored.at
    if state.status in TERMINAL:
        return True
    if not state.subscription_created:  # Checkout's: only while nothing is stored for that subscription
        return False
    if not stored.subscription_created:  # a provisional state gives way to the subscription object
        return True
    return state.at > stored.at


def write_state(row: Subscription, state: State) -> None:
    row.subscription_id, row.status, row.state_at = state.subscription_id, state.status, state.at
    row.subscription_created = state.subscription_created
    row.price_id, row.interval = state.price_id, state.interval
    row.current_period_end, row.cancel_at_period_end = state.current_period_end, state.cancel_at_period_end
    row.canceled_at = state.canceled_at


def payment_news(row: Subscription, at: int, *, paid: bool) -> bool:
    """Good news (an invoice paid, or the subscription active at `at`) ends a grace that began
    at or before it; bad news (a payment failed, or past_due at `at`) newer than the last good
    news starts one, or moves its start earlier. Returns whether anything changed."""
    before = (row.past_due_since, row.payment_state_at)
    when = moment(at)
    if paid:
        if at > row.payment_state_at:
            row.payment_state_at = at
            if row.past_due_since and row.past_due_since <= when:
                row.past_due_since = None
    elif at > row.payment_state_at and (row.past_due_since is None or when < row.past_due_since):
        row.past_due_since = when
    return (row.past_due_since, row.payment_state_at) != before


def apply_state(row: Subscription, state: State) -> bool:
    """Store `state` if it supersedes the stored one; its payment news counts either way."""
    applied = supersedes(state, row)
    if applied:
        write_state(row, state)
    if state.subscription_created and state.status in PAID:
        applied = payment_news(row, state.at, paid=True) or applied
    elif state.status == Status.PAST_DUE:
        applied = payment_news(row, state.at, paid=False) or applied
    return applied


def locked_row_of_customer(customer: str) -> Subscription | None:
    if not customer:
        return None
    return Subscription.objects.select_for_update().filter(customer_id=customer).first()


def locked_row_of_reference(reference: str | None) -> Subscription | None:
    """The row of the user a Checkout Session names in `client_reference_id` (made if missing)."""
    if not (reference and str(reference).isdigit()):
        return None
    user = get_user_model().objects.filter(pk=int(reference)).first()
    if user is None:
        return None
    Subscription.objects.get_or_create(user=user)
    return Subscription.objects.select_for_update().get(user=user)


def link_customer(row: Subscription, customer: str) -> bool:
    if not customer or row.customer_id == customer:
        return False
    if row.customer_id or Subscription.objects.filter(customer_id=customer).exists():
        log.warning("Checkout for user %s names customer %s, already linked elsewhere", row.user_id, customer)
        return False
    row.customer_id = customer
    return True


def on_checkout(row: Subscription, session: dict, at: int) -> bool:
    changed = link_customer(row, object_id(session.get("customer")))
    subscription_id = object_id(session.get("subscription"))
    if subscription_id and session.get("mode", "subscription") == "subscription":
        changed = apply_state(row, State(subscription_id=subscription_id, status=Status.ACTIVE, at=at)) or changed
    return changed


def invoice_subscription(invoice: dict) -> str:
    """The invoice's subscription: under parent.subscription_details since 2025, else top-level."""
    details = (invoice.get("parent") or {}).get("subscription_details") or {}
    return object_id(details.get("subscription") or invoice.get("subscription"))


def event_user_id(kind: str, obj: dict) -> str | None:
    """The user an event names itself: Checkout's client_reference_id, or the `user_id` our
    Checkout puts in the subscription's metadata (an invoice carries it in its parent)."""
    if kind == "checkout.session.completed":
        return obj.get("client_reference_id")
    if kind in INVOICE_EVENTS:
        details = (obj.get("parent") or {}).get("subscription_details") or {}
        return (details.get("metadata") or {}).get("user_id")
    return (obj.get("metadata") or {}).get("user_id")


def locked_row(kind: str, obj: dict) -> Subscription | None:
    """The row an event is about: by its customer once linked, else by the user it names (and
    then the customer is linked to that user)."""
    customer = object_id(obj.get("customer"))
    row = None if kind == "checkout.session.completed" else locked_row_of_customer(customer)
    if row is None:
        row = locked_row_of_reference(event_user_id(kind, obj))
        if row is not None and link_customer(row, customer):
            row.save(update_fields=["customer_id", "updated_at"])
    return row or locked_row_of_customer(customer)


def apply_to(row: Subscription, kind: str, obj: dict, at: int) -> bool:
    if kind == "checkout.session.completed":
        return on_checkout(row, obj, at)
    if kind in SUBSCRIPTION_EVENTS:
        return apply_state(row, subscription_state(obj, at, deleted=kind.endswith(".deleted")))
    return payment_news(row, at, paid=kind == "invoice.paid")


def apply_event(event: dict) -> tuple[str, Subscription | None]:
    """Apply one verified event to its user's row, under that row's lock: (outcome, row). An
    event whose customer no user has yet is `unmatched`: kept, and applied once Checkout links it."""
    kind, obj, at = event["type"], event["data"]["object"], int(event["created"])
    if kind not in SUBSCRIPTION_EVENTS | INVOICE_EVENTS | {"checkout.session.completed"}:
        return IGNORED, None
    if kind in INVOICE_EVENTS and not invoice_subscription(obj):
        return IGNORED, None  # not a subscription's invoice
    if kind in SUBSCRIPTION_EVENTS and not (isinstance(obj.get("id"), str) and obj["id"]):
        log.warning("Stripe event %s (%s) carries no subscription id: ignored", event["id"], kind)
        return IGNORED, None
    row = locked_row(kind, obj)
    if row is None:
        if kind != "checkout.session.completed" and object_id(obj.get("customer")):
            log.info("Stripe event %s (%s) for customer %s, not linked yet: kept", event["id"], kind, obj.get("customer"))
            return UNMATCHED, None
        log.warning("Stripe event %s (%s) names no known user: ignored", event["id"], kind)
        return IGNORED, None
    changed = apply_to(row, kind, obj, at)
    changed = replay_unmatched(row) or changed
    if changed:
        row.save()
    return (APPLIED if changed else STALE), row


def replay_unmatched(row: Subscription) -> bool:
    """Apply the events kept for this row's customer before it was linked, oldest first."""
    if not row.customer_id:
        return False
    changed = False
    for kept in HandledEvent.objects.select_for_update().filter(outcome=UNMATCHED, customer_id=row.customer_id
                                                                ).order_by("created", "id"):
        payload = kept.payload or {}
        applied = apply_to(row, kept.type, payload["data"]["object"], int(payload["created"]))
        kept.outcome, kept.user_id, kept.payload = (APPLIED if applied else STALE), row.user_id, None
        kept.save(update_fields=["outcome", "user", "payload"])
        changed = applied or changed
    return changed


def verify(payload: bytes, sig_header: str | None) -> dict:
    """The event, if Stripe signed this payload with STRIPE_WEBHOOK_SECRET within 300 s."""
    try:
        event = stripe.Webhook.construct_event(payload, sig_header, settings.STRIPE_WEBHOOK_SECRET)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise InvalidWebhook(str(exc)) from exc
    data = event.to_dict()
    if not (isinstance(data.get("id"), str) and isinstance(data.get("type"), str)
            and isinstance(data.get("created"), int) and isinstance((data.get("data") or {}).get("object"), dict)):
        raise InvalidWebhook("Not an event.")
    return data


def handle(payload: bytes, sig_header: str | None) -> HandledEvent:
    """Verify, then in one transaction: an event already handled is a no-op; otherwise apply it
    and record it. The event's row is inserted first, so a second delivery of it at the same
    moment waits for the first and then finds it. Errors propagate: nothing is recorded and
    Stripe retries."""
    event = verify(payload, sig_header)
    with transaction.atomic():
        handled, new = HandledEvent.objects.get_or_create(
            id=event["id"], defaults={"type": event["type"][:100], "created": moment(event["created"]) or moment(1),
                                      "outcome": "handling"})
        if not new:
            return handled
        outcome, row = apply_event(event)
        handled.outcome, handled.user_id = outcome, row.user_id if row else None
        if outcome == UNMATCHED:
            handled.customer_id, handled.payload = object_id(event["data"]["object"].get("customer")), event
        handled.save(update_fields=["outcome", "user", "customer_id", "payload"])
    log.info("Stripe event %s (%s): %s", handled.id, handled.type, handled.outcome)
    return handled
