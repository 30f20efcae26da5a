"""`manage.py create_token EMAIL [--name NAME]`: print a new API token for a user (for
scripts and checks). Only the token goes to stdout, so `TOKEN=$(… create_token …)` works."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ... import services
from ...models import ApiToken


class Command(BaseCommand):
    help = "Create an API token for the user with this e-mail address and print it (shown once)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")
        parser.add_argument("--name", default="Command line", help="What the token is for.")

    def handle(self, *args, email: str, name: str, **options) -> None:
        user = get_user_model().objects.filter(email__iexact=email.strip()).first()
        if user is None:
            raise CommandError(f"No user has the e-mail address {email!r}.")
        name = name.strip()
        limit = ApiToken._meta.get_field("name").max_length
        if not name or len(name) > limit:
            raise CommandError(f"--name must be 1 to {limit} characters.")
        try:
            token, raw = services.issue_token(user, name)
        except ValidationError as error:
            raise CommandError(f"--name: {' '.join(error.messages)}") from error
        self.stdout.write(raw)
        self.stderr.write(f"Created token “{token.name}” ({token.prefix}…) for {user.email}. It is not shown again.")
