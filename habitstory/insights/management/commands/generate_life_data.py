import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from habitstory.insights.synth_db import create_users


class Command(BaseCommand):
    help = ("Create synthetic users with check-ins, life events, habits and their history "
            "(habitstory.insights.synth; docs/insights.md lists its effects).")

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=10)
        parser.add_argument("--days", type=int, default=120)
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--prefix", default="life", help="e-mails are PREFIX0@example.com, PREFIX1@...")
        parser.add_argument("--end", metavar="YYYY-MM-DD", help="the last day (default: today, UTC)")

    def handle(self, *args, users=10, days=120, seed=0, prefix="life", end=None, **options) -> None:
        if users < 1 or days < 1:
            raise CommandError("--users and --days must be 1 or more.")
        try:
            last = dt.date.fromisoformat(end) if end else None
        except ValueError:
            raise CommandError(f"--end: not a date: {end}") from None
        taken = get_user_model().objects.filter(email__istartswith=prefix, email__iendswith="@example.com").count()
        if taken:
            raise CommandError(f"{taken} users with the prefix {prefix!r} exist already: choose another --prefix.")

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"{done}/{total} users")

        create_users(users, days, seed, prefix=prefix, end=last, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Created {users} users with {days} days each."))
