"""Re-read subscriptions from Stripe, for recovery after missed webhooks (docs/billing.md,
"Recovery").

    manage.py sync_subscriptions                    every user with a Stripe customer
    manage.py sync_subscriptions --user a@b.example one user
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from habitstory.billing import limits, services


class Command(BaseCommand):
    help = "Re-read every customer's subscriptions from Stripe and store the one that counts, as of now."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", help="Only this user (e-mail).")

    def handle(self, *args, user: str | None = None, **options) -> None:
        if not limits.enabled():
            raise CommandError("Billing is off (no Stripe keys): nothing to sync.")
        chosen = None
        if user:
            chosen = get_user_model().objects.filter(email__iexact=user).first()
            if chosen is None:
                raise CommandError(f"No user {user}.")
        results = services.sync_all(chosen)
        for result in results:
            what = f"{result.subscription_id} {result.status}" if result.subscription_id else "no subscription"
            self.stdout.write(f"{result.user_email}: {what}{' (updated)' if result.changed else ''}")
        changed = sum(result.changed for result in results)
        self.stdout.write(self.style.SUCCESS(f"Synced {len(results)} customers, {changed} updated."))
