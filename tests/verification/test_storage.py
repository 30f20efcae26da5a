"""verification.storage: encrypted files in Django's default storage, named at random."""

from __future__ import annotations

import hashlib
import logging

import pytest
from django.core.files.storage import default_storage

from verification import crypto, storage
from verification.media import Prepared

CONTENT = b"\xff\xd8\xff" + b"the stripped photo " * 50


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def prepared(content: bytes = CONTENT) -> Prepared:
    digest = hashlib.sha256(content).hexdigest()
    return Prepared("photo", "image/jpeg", content, None, digest, digest, 0)


def test_it_saves_reads_and_deletes(media_root):
    name, key_id = storage.save(prepared())
    assert key_id == "test1"
    assert name.startswith("verification/") and name.endswith(".bin") and len(name) == len("verification/") + 36
    assert (media_root / name).is_file()
    assert storage.read(name) == CONTENT
    storage.delete(name)
    assert not default_storage.exists(name)


def test_the_stored_bytes_are_not_the_plaintext(media_root):
    name, _ = storage.save(prepared())
    raw = (media_root / name).read_bytes()
    assert raw != CONTENT
    assert b"the stripped photo" not in raw
    assert raw.startswith(b"HSVE\x01")
    assert crypto.decrypt(raw) == CONTENT


def test_each_file_gets_its_own_name():
    first, _ = storage.save(prepared())
    second, _ = storage.save(prepared())
    assert first != second


def test_reading_a_missing_file_raises():
    with pytest.raises(OSError):
        storage.read("verification/missing.bin")


def test_delete_never_raises(monkeypatch, caplog):
    def broken(name):
        raise OSError("disk gone")

    monkeypatch.setattr(default_storage, "delete", broken)
    with caplog.at_level(logging.WARNING, logger="verification.storage"):
        storage.delete("verification/x.bin")
    assert "verification/x.bin" in caplog.text
    storage.delete("")


def test_reencrypt_leaves_a_current_file():
    name, _ = storage.save(prepared())
    assert storage.reencrypt(name) is None
    assert storage.read(name) == CONTENT
