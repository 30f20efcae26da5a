"""The one way this app talks to Stripe: a `stripe.StripeClient` made from the settings
(docs/billing.md, "Configuration"). Tests point `STRIPE_API_BASE` at a local fake."""

from __future__ import annotations

import stripe
from django.conf import settings

NETWORK_RETRIES = 2  # the library retries a connection error or a 409/5xx, with the same idempotency key


def client() -> stripe.StripeClient:
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(settings.STRIPE_SECRET_KEY, base_addresses=base,
                               max_network_retries=NETWORK_RETRIES)
