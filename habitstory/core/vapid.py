"""The Web Push (VAPID) keys, read by settings at start: base64url, the raw 32-byte private
key and the 65-byte public point. From VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY; without them,
from VAPID_KEYS_FILE (`make run` writes a local pair there with `manage.py vapid_keys
--ensure`); with neither, push is off and recorded as skipped. Imports nothing of Django's
apps: settings import it."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.exceptions import ImproperlyConfigured


def keys_from_environment(default_file: Path | None = None) -> tuple[str, str]:
    """(public, private) base64url keys, or ("", "") for none (push is then off).
    Refuses, naming the source, a file that is not a vapid_keys file, one key without
    the other, or keys that are not a matching P-256 pair."""
    public, private = os.environ.get("VAPID_PUBLIC_KEY", ""), os.environ.get("VAPID_PRIVATE_KEY", "")
    source = "VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY"
    keys_file = os.environ.get("VAPID_KEYS_FILE", str(default_file or ""))
    if not public and not private and keys_file and Path(keys_file).is_file():
        try:
            stored = json.loads(Path(keys_file).read_text())
            public, private = stored["public_key"], stored["private_key"]
        except (ValueError, KeyError, TypeError) as error:
            raise ImproperlyConfigured(f"VAPID_KEYS_FILE {keys_file} is not a vapid_keys file: {error}") from None
        source = f"VAPID_KEYS_FILE ({keys_file})"
    if not public and not private:
        return "", ""
    if not (public and private):
        raise ImproperlyConfigured("VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY must be set together")

    def raw(value: str) -> bytes:
        return base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))

    try:
        key = ec.derive_private_key(int.from_bytes(raw(private), "big"), ec.SECP256R1())
        derived = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        valid = len(raw(private)) == 32 and derived == raw(public)
    except (ValueError, TypeError):
        valid = False
    if not valid:
        raise ImproperlyConfigured(
            f"{source}: the VAPID keys must be a matching P-256 pair in base64url "
            "(generate one with `manage.py vapid_keys`)"
        )
    return public.strip(), private.strip()
