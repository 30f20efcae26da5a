"""Billing's tables: the Free plan's limits (staff edit them), each user's Stripe customer and
subscription as the webhooks last told it, and the webhook events already handled."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Kind(models.TextChoices):
    """What a Free plan limits. Each domain counts its own (limits.register)."""

    PILLARS = "pillars", "Pillars"
    HABITS = "habits", "Active habits"
    GOALS = "goals", "Active goals"
    QUESTS = "quests", "Open quests"
    UPLOADS = "uploads", "Verification uploads this month"


# The suggested Free limits; migration 0002 writes them as rows staff edit, and a kind
# without a row falls back to them (limits.free_limits).
DEFAULT_FREE_LIMITS = {Kind.PILLARS: 3, Kind.HABITS: 10, Kind.GOALS: 3, Kind.QUESTS: 10, Kind.UPLOADS: 10}


class Feature(models.TextChoices):
    """What only Premium has (when billing is on)."""

    FORECASTS = "forecasts", "Insight forecasts"
    WHAT_IF = "what_if", "What-if on your day"
    PET_SPECIES = "pet_species", "Extra pet species"
    CUP_HISTORY = "cup_history", "House cup history"


class PlanLimit(models.Model):
    """How many of one kind a Free account may have; empty means no limit. Premium has none."""

    kind = models.CharField(max_length=20, choices=Kind.choices, unique=True)
    free_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no limit on Free.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]

    def __str__(self) -> str:
        limit = "no limit" if self.free_limit is None else self.free_limit
        return f"{self.get_kind_display()}: {limit}"


class Subscription(models.Model):
    """A user's Stripe customer and their subscription's state, as the newest event (or a
    sync) told it. `state_at` is that event's `created` (Unix seconds): an older event never
    overwrites a newer state (docs/billing.md, "Order")."""

    class Status(models.TextChoices):
        NONE = "", "None"
        INCOMPLETE = "incomplete", "Incomplete"
        INCOMPLETE_EXPIRED = "incomplete_expired", "Incomplete, expired"
        TRIALING = "trialing", "Trialing"
        ACTIVE = "active", "Active"
        PAST_DUE = "past_due", "Past due"
        CANCELED = "canceled", "Canceled"
        UNPAID = "unpaid", "Unpaid"
        PAUSED = "paused", "Paused"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscription")
    customer_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    subscription_id = models.CharField(max_length=255, blank=True, db_index=True)
    subscription_created = models.BigIntegerField(default=0)  # the subscription's own `created`
    status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    price_id = models.CharField(max_length=255, blank=True)
    interval = models.CharField(max_length=10, blank=True)  # "month" or "year"
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    canceled_at = models.DateTimeField(null=True, blank=True)
    past_due_since = models.DateTimeField(null=True, blank=True)  # an unpaid invoice failed: grace runs from here
    state_at = models.BigIntegerField(default=0)
    payment_state_at = models.BigIntegerField(default=0)  # the newest invoice event applied
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} · {self.status or 'no subscription'}"


class HandledEvent(models.Model):
    """A webhook event handled once: its id is the key, so a retry or a replay is a no-op."""

    id = models.CharField(max_length=255, primary_key=True)
    type = models.CharField(max_length=100)
    created = models.DateTimeField()  # the event's own time
    handled_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(max_length=20)  # applied, stale, ignored, or unmatched (kept for its customer)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    # An event that came before its customer was linked to a user is kept whole, and applied
    # when Checkout's event links that customer (webhooks.replay_unmatched).
    customer_id = models.CharField(max_length=255, blank=True, db_index=True)
    payload = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"
