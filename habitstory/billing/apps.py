from django.apps import AppConfig


class BillingConfig(AppConfig):
    """Premium with Stripe, and the plan limits any domain asks about (docs/billing.md)."""

    name = "habitstory.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deploy check)
