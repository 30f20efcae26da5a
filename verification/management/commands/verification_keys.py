"""Keys that encrypt verification media at rest (habitstory/core/verification_keys.py).

    manage.py verification_keys            print a new key as an environment line
    manage.py verification_keys --ensure   keep a local key in VERIFICATION_KEYS_FILE
                                           (var/verification-keys.json), writing one only
                                           when the environment sets none and the file
                                           does not exist (what `make run` does)
    manage.py verification_keys --rotate   put a new key first in that file, keeping the
                                           old ones (then restart, and run
                                           reencrypt_verification_media)
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from habitstory.core import verification_keys


def new_key(taken: set[str] = frozenset()) -> tuple[str, str]:
    """(key id, base64url key): an id made of today's date and a random part."""
    while True:
        key_id = f"k{timezone.now():%Y%m%d}-{secrets.token_hex(3)}"
        if key_id not in taken:
            return key_id, verification_keys.encode_key(secrets.token_bytes(verification_keys.KEY_BYTES))


def keys_file() -> Path | None:
    path = os.environ.get("VERIFICATION_KEYS_FILE", str(settings.VAR_DIR / "verification-keys.json"))
    return Path(path) if path else None


def write_keys(target: Path, pairs: list[tuple[str, str]], replace: bool) -> None:
    """Write the keys file (mode 0600): a new one, or (`replace`) over the old atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    written = target.with_name(target.name + ".new") if replace else target
    descriptor = os.open(written, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump({"keys": [{"id": key_id, "key": key} for key_id, key in pairs]}, handle, indent=2)
    if replace:
        os.replace(written, target)


class Command(BaseCommand):
    help = "Print a new verification media key, or keep (--ensure) or rotate (--rotate) them in VERIFICATION_KEYS_FILE."

    def add_arguments(self, parser) -> None:
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--ensure", action="store_true",
                           help="Write a key to VERIFICATION_KEYS_FILE unless keys are already set or the file exists.")
        group.add_argument("--rotate", action="store_true",
                           help="Put a new key first in VERIFICATION_KEYS_FILE, keeping the old ones.")

    def handle(self, *args, ensure: bool = False, rotate: bool = False, **options) -> None:
        if not (ensure or rotate):
            key_id, key = new_key()
            self.stdout.write(f"VERIFICATION_KEYS={key_id}:{key}")
            return
        from_environment = bool(os.environ.get("VERIFICATION_KEYS", "").strip())
        target = keys_file()
        if rotate:
            self.rotate(target, from_environment)
        elif from_environment:
            self.stdout.write("Verification media: the keys come from VERIFICATION_KEYS.")
        elif target is None:
            self.stdout.write("Verification media: off (VERIFICATION_KEYS_FILE is empty).")
        elif target.exists():
            self.stdout.write(f"Verification media: using the local keys in {target}.")
        else:
            write_keys(target, [new_key()], replace=False)
            self.stdout.write(self.style.SUCCESS(f"Verification media: wrote a new local key to {target}."))

    def rotate(self, target: Path | None, from_environment: bool) -> None:
        if from_environment or target is None:
            key_id, key = new_key()
            raise CommandError(
                "The keys come from VERIFICATION_KEYS, not a file: put a new pair first there, "
                f"e.g. {key_id}:{key}, then restart and run `manage.py reencrypt_verification_media`."
            )
        old = verification_keys.read_file(target) if target.exists() else []
        pairs = [(key_id, verification_keys.encode_key(raw)) for key_id, raw in old]
        key_id, key = new_key({key_id for key_id, _ in old})
        write_keys(target, [(key_id, key), *pairs], replace=target.exists())
        self.stdout.write(self.style.SUCCESS(
            f"Verification media: {key_id} is now the current key in {target} ({len(old)} older kept). "
            "Restart the app, then run `manage.py reencrypt_verification_media`."
        ))
