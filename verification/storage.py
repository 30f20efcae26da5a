"""Verification media in Django's default storage (the filesystem, or S3 in production),
encrypted (verification.crypto). A file's name is random ("verification/<uuid>.bin"): it
says nothing of its owner, habit or day."""

from __future__ import annotations

import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from . import crypto
from .media import Prepared

logger = logging.getLogger(__name__)

FOLDER = "verification"


def _write(plain: bytes, key_id: str) -> str:
    name = f"{FOLDER}/{uuid.uuid4().hex}.bin"
    return default_storage.save(name, ContentFile(crypto.encrypt(plain, key_id)))


def _raw(name: str) -> bytes:
    with default_storage.open(name, "rb") as stored:
        return stored.read()


def save(prepared: Prepared) -> tuple[str, str]:
    """Store the prepared media encrypted under the current key: (storage name, key id)."""
    key_id = crypto.current_key_id()
    return _write(prepared.content, key_id), key_id


def read(name: str) -> bytes:
    """The media, decrypted. Raises OSError (missing), MediaKeyError or MediaCorrupt."""
    return crypto.decrypt(_raw(name))


def delete(name: str) -> None:
    """Delete a stored file; a failure is logged, never raised (nothing is left to decide)."""
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception:  # a file left behind is logged, never an error for the user
        logger.warning("Could not delete the verification media %s", name, exc_info=True)


def reencrypt(name: str) -> tuple[str, str] | None:
    """Move a file under the current key: the new file is written, then the old one
    deleted. (new name, key id), or None when it is already under the current key."""
    blob = _raw(name)
    key_id = crypto.current_key_id()
    if crypto.key_id_of(blob) == key_id:
        return None
    new_name = _write(crypto.decrypt(blob), key_id)
    delete(name)
    return new_name, key_id
