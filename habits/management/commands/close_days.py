import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from habitstory.core.health import record_success
from habitstory.story.closing import close_days


class Command(BaseCommand):
    help = (
        "Close ended local days now (what the hourly job does): open expected days become missed "
        "(an \"at most\" habit's within its limit: done, with its XP). Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this user")
        parser.add_argument("--until", metavar="YYYY-MM-DD", help="close no day after this one")

    def handle(self, *args, user=None, until=None, **options) -> None:
        users = None
        if user:
            users = get_user_model().objects.filter(email__iexact=user)
            if not users.exists():
                raise CommandError(f"No user with e-mail {user}")
        if until:
            try:
                until = dt.date.fromisoformat(until)
            except ValueError:
                raise CommandError(f"--until must be a date such as 2026-11-23, not {until!r}") from None
        summary = close_days(users=users, until=until)
        if users is None and until is None:
            record_success("habits.close_days")
        self.stdout.write(
            f"Closed {summary['days']} days for {summary['users']} users: "
            f"{summary['missed']} occurrences marked missed, {summary['done']} marked done, "
            f"{summary['at_risk']} at-risk alerts."
        )
        if summary["failed"]:
            self.stderr.write(f"Failed for users {summary['failed']}; they are retried on the next run.")
