"""Billing on (Stripe settings set, pointing at the local fake) and Premium users."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from habitstory.billing.models import DEFAULT_FREE_LIMITS, PlanLimit, Subscription

from .fake_stripe import FakeStripe

WEBHOOK_SECRET = "whsec_test_secret"


@pytest.fixture
def fake_stripe():
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def seeded_limits(db):
    """The Free limits' rows as migration 0002 seeds them (a transactional test's flush empties the table)."""
    for kind, limit in DEFAULT_FREE_LIMITS.items():
        PlanLimit.objects.get_or_create(kind=kind, defaults={"free_limit": limit})


@pytest.fixture
def billing_on(settings, fake_stripe, seeded_limits):
    """Billing configured as in production, against the local fake Stripe, with the Free limits' rows."""
    settings.STRIPE_SECRET_KEY = "sk_test_fake"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_PRICE_MONTHLY = "price_monthly"
    settings.STRIPE_PRICE_YEARLY = "price_yearly"
    settings.STRIPE_API_BASE = fake_stripe.url
    return fake_stripe


@pytest.fixture
def make_premium():
    """Make a user Premium as a webhook would (an active monthly subscription)."""

    def make(user, **fields) -> Subscription:
        values = {"customer_id": f"cus_{user.pk}", "subscription_id": f"sub_{user.pk}", "status": "active",
                  "price_id": "price_monthly", "interval": "month",
                  "current_period_end": timezone.now() + dt.timedelta(days=30), "state_at": 1, **fields}
        sub, _ = Subscription.objects.update_or_create(user=user, defaults=values)
        if hasattr(user, "_billing_subscription"):
            del user._billing_subscription
        return sub

    return make
