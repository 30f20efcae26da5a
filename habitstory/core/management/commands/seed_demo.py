from django.conf import settings
from django.core.management.base import BaseCommand

from habitstory.story.demo import HISTORY_DAYS, seed_demo


class Command(BaseCommand):
    help = f"Create the demo account with ~{HISTORY_DAYS} days of history and a staff user (idempotent)."

    def handle(self, *args, **options) -> None:
        created = seed_demo()
        for key, email, password in (
            ("demo", settings.DEMO_EMAIL, settings.DEMO_PASSWORD),
            ("staff", settings.STAFF_EMAIL, settings.STAFF_PASSWORD),
        ):
            state = "created" if created[key] else "already there"
            self.stdout.write(f"{key} account {state}: {email} / {password}")
