"""Make a VAPID key pair for Web Push.

    manage.py vapid_keys            print a new pair as environment lines
    manage.py vapid_keys --ensure   keep a local pair in VAPID_KEYS_FILE (var/vapid.json),
                                    writing one only when the environment sets none and the
                                    file does not exist (what `make run` does)
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from habitstory.notifications import push


class Command(BaseCommand):
    help = "Print a new VAPID key pair for Web Push, or (--ensure) keep a local one in VAPID_KEYS_FILE."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--ensure",
            action="store_true",
            help="Write a pair to VAPID_KEYS_FILE unless keys are already set or the file exists.",
        )

    def handle(self, *args, ensure: bool = False, **options) -> None:
        if not ensure:
            keys = push.generate_keys()
            self.stdout.write(f"VAPID_PUBLIC_KEY={keys['public_key']}")
            self.stdout.write(f"VAPID_PRIVATE_KEY={keys['private_key']}")
            return
        if os.environ.get("VAPID_PUBLIC_KEY") or os.environ.get("VAPID_PRIVATE_KEY"):
            self.stdout.write("Web Push: VAPID keys come from the environment.")
            return
        path = os.environ.get("VAPID_KEYS_FILE", str(settings.VAR_DIR / "vapid.json"))
        if not path:
            self.stdout.write("Web Push: off (VAPID_KEYS_FILE is empty).")
            return
        target = Path(path)
        if target.exists():
            self.stdout.write(f"Web Push: using the local VAPID keys in {target}.")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        keys = push.generate_keys()
        descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(keys, handle, indent=2)
        self.stdout.write(self.style.SUCCESS(f"Web Push: wrote a new local VAPID key pair to {target}."))
