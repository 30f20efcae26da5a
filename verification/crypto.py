"""Verification media at rest: AES-256-GCM with the keys of settings.VERIFICATION_KEYS
(habitstory/core/verification_keys.py), the first one current.

A file is b"HSVE", the format version (1), the key id's length and the key id (ASCII),
a random 12-byte nonce, then the ciphertext and its 16-byte tag. Everything before the
nonce is authenticated too (the AAD), so a header changed is a file refused."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

MAGIC = b"HSVE"
VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16


class MediaKeyError(Exception):
    """No key is configured, or a file's key id is not among VERIFICATION_KEYS."""


class MediaCorrupt(Exception):
    """Not a verification media file, or one changed since it was written (or another key's)."""


def _keys() -> dict[str, bytes]:
    return dict(settings.VERIFICATION_KEYS)


def current_key_id() -> str:
    keys = settings.VERIFICATION_KEYS
    if not keys:
        raise MediaKeyError("No VERIFICATION_KEYS are configured: run `manage.py verification_keys --ensure`.")
    return keys[0][0]


def _key(key_id: str) -> bytes:
    key = _keys().get(key_id)
    if key is None:
        raise MediaKeyError(f"The verification key {key_id!r} is not in VERIFICATION_KEYS.")
    return key


def _header(key_id: str) -> bytes:
    raw_id = key_id.encode("ascii")
    return MAGIC + bytes([VERSION, len(raw_id)]) + raw_id


def _split(blob: bytes) -> tuple[bytes, str, bytes, bytes]:
    """(header, key id, nonce, ciphertext with its tag) or MediaCorrupt."""
    if len(blob) < len(MAGIC) + 2 or not blob.startswith(MAGIC) or blob[len(MAGIC)] != VERSION:
        raise MediaCorrupt("This is not a verification media file (version 1).")
    id_end = len(MAGIC) + 2 + blob[len(MAGIC) + 1]
    if len(blob) < id_end + NONCE_BYTES + TAG_BYTES:
        raise MediaCorrupt("This verification media file is cut short.")
    try:
        key_id = blob[len(MAGIC) + 2: id_end].decode("ascii")
    except UnicodeDecodeError:
        raise MediaCorrupt("This verification media file's key id is not ASCII.") from None
    return blob[:id_end], key_id, blob[id_end: id_end + NONCE_BYTES], blob[id_end + NONCE_BYTES:]


def encrypt(plain: bytes, key_id: str | None = None) -> bytes:
    """`plain` encrypted with `key_id`'s key (the current one by default)."""
    key_id = key_id or current_key_id()
    header = _header(key_id)
    nonce = os.urandom(NONCE_BYTES)
    return header + nonce + AESGCM(_key(key_id)).encrypt(nonce, plain, header)


def decrypt(blob: bytes) -> bytes:
    """The plain bytes. MediaKeyError when its key is unknown; MediaCorrupt when it is not
    such a file or was changed."""
    header, key_id, nonce, sealed = _split(blob)
    try:
        return AESGCM(_key(key_id)).decrypt(nonce, sealed, header)
    except InvalidTag:
        raise MediaCorrupt("This verification media file was changed, or encrypted with another key.") from None


def key_id_of(blob: bytes) -> str:
    return _split(blob)[1]
