import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from habitstory.story.digest import send_digests

EXAMPLE = "2026-03-09T08:30+00:00"


class Command(BaseCommand):
    help = (
        "Send the weekly digests that are due now (what the hourly job does). Idempotent: "
        "a digest already sent for that week is not sent again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--user", metavar="EMAIL", help="only this user")
        parser.add_argument(
            "--now", metavar="ISO", help=f"act as if it were this moment, e.g. {EXAMPLE}"
        )

    def handle(self, *args, user=None, now=None, **options) -> None:
        users = None
        if user:
            users = get_user_model().objects.filter(email__iexact=user)
            if not users.exists():
                raise CommandError(f"No user with e-mail {user}")
        if now:
            try:
                now = dt.datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now must be a time such as {EXAMPLE}, not {now!r}") from None
            if now.tzinfo is None:
                raise CommandError("--now needs a UTC offset, such as +00:00")
        summary = send_digests(now, users=users)
        self.stdout.write(
            f"Sent {summary['sent']} digests ({summary['due']} due, "
            f"{summary['checked']} users with habits checked)."
        )
        if summary["failed"]:
            self.stderr.write(f"Failed for users {summary['failed']}; they are retried on the next run.")
