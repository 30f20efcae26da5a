from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gamification.services import rebuild_xp


class Command(BaseCommand):
    help = "Rewrite profiles' and pets' XP and level from the XP ledger (backfills). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this user")

    def handle(self, *args, user=None, **options) -> None:
        users = get_user_model().objects.select_related("profile").order_by("pk")
        if user:
            users = users.filter(email__iexact=user)
            if not users.exists():
                raise CommandError(f"No user with e-mail {user}")

        def progress(done: int, total: int) -> None:
            if done == total or done % 100 == 0:
                self.stdout.write(f"{done}/{total} users")

        count = rebuild_xp(users, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Rebuilt XP for {count} users."))
