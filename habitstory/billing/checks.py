"""`check --deploy`: Stripe's settings are all set or none (docs/billing.md, "Configuration")."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register

NAMES = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET",
         "STRIPE_PRICE_MONTHLY", "STRIPE_PRICE_YEARLY")


@register(Tags.security, deploy=True)
def stripe_settings(app_configs, **kwargs) -> list[Warning]:
    present = [name for name in NAMES if getattr(settings, name, "")]
    missing = [name for name in NAMES if name not in present]
    if not present or not missing:
        return []
    return [Warning(
        f"Billing is half configured: {', '.join(present)} set but {', '.join(missing)} missing.",
        hint="Set all of them to sell Premium, or none for a server without limits (docs/billing.md).",
        id="billing.W001",
    )]
