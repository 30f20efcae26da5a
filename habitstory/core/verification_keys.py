"""The keys that encrypt verification media at rest (verification.crypto), read by settings
at start: a list of (key id, 32 raw bytes), the first one current (new files use it; the
others still decrypt older files until `manage.py reencrypt_verification_media` moves them).

From VERIFICATION_KEYS ("id:base64url,id2:base64url"); without it, from
VERIFICATION_KEYS_FILE (`make run` writes a local key there with `manage.py
verification_keys --ensure`); with neither, there are no keys and uploads are refused
(verification unavailable). Imports nothing of Django's apps: settings import it."""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32  # AES-256-GCM
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def encode_key(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_key(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def parse(pairs: list[tuple[str, str]], source: str) -> list[tuple[str, bytes]]:
    """Checked (id, key) pairs: ids 1–32 of A–Z a–z 0–9 _ -, unique; keys 32 bytes."""
    keys: list[tuple[str, bytes]] = []
    for key_id, text in pairs:
        key_id = key_id.strip()
        if not KEY_ID.match(key_id):
            raise ImproperlyConfigured(f"{source}: the key id {key_id!r} must be 1-32 of A-Z a-z 0-9 _ -")
        if any(key_id == seen for seen, _ in keys):
            raise ImproperlyConfigured(f"{source}: the key id {key_id!r} is given twice")
        try:
            raw = decode_key(text)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != KEY_BYTES:
            raise ImproperlyConfigured(
                f"{source}: the key {key_id!r} must be {KEY_BYTES} bytes in base64url "
                "(generate one with `manage.py verification_keys`)"
            )
        keys.append((key_id, raw))
    return keys


def read_file(path: Path) -> list[tuple[str, bytes]]:
    source = f"VERIFICATION_KEYS_FILE ({path})"
    try:
        stored = json.loads(path.read_text())
        pairs = [(str(item["id"]), str(item["key"])) for item in stored["keys"]]
    except (ValueError, KeyError, TypeError) as error:
        raise ImproperlyConfigured(f"{source} is not a verification_keys file: {error}") from None
    return parse(pairs, source)


def keys_from_environment(default_file: Path | None = None) -> list[tuple[str, bytes]]:
    """The keys, current first; [] when none are configured."""
    text = os.environ.get("VERIFICATION_KEYS", "").strip()
    if text:
        pairs = []
        for item in text.split(","):
            key_id, sep, key = item.partition(":")
            if not sep:
                raise ImproperlyConfigured("VERIFICATION_KEYS must be id:base64url pairs, separated by commas")
            pairs.append((key_id, key))
        return parse(pairs, "VERIFICATION_KEYS")
    keys_file = os.environ.get("VERIFICATION_KEYS_FILE", str(default_file or ""))
    if keys_file and Path(keys_file).is_file():
        return read_file(Path(keys_file))
    return []
