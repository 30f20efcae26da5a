"""verification.crypto (AES-256-GCM at rest), key rotation, and the key commands."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from hypothesis import given, settings as hypothesis_settings, strategies as st

from habitstory.core.verification_keys import read_file
from habits.models import Habit, Occurrence
from verification import crypto, storage
from verification.crypto import MediaCorrupt, MediaKeyError, decrypt, encrypt, key_id_of
from verification.media import Prepared
from verification.models import Submission

OLD = ("old", bytes(range(32)))
NEW = ("new", bytes(range(1, 33)))
PLAIN = b"a photo of running shoes " * 20


def test_it_roundtrips_under_the_current_key():
    blob = encrypt(PLAIN)
    assert decrypt(blob) == PLAIN
    assert key_id_of(blob) == crypto.current_key_id() == "test1"
    assert blob.startswith(b"HSVE\x01\x05test1")
    assert PLAIN[:16] not in blob


@hypothesis_settings(max_examples=50, deadline=None)
@given(st.binary(max_size=4096))
def test_any_bytes_roundtrip(plain):
    assert decrypt(encrypt(plain)) == plain


def test_two_encryptions_differ():
    assert encrypt(PLAIN) != encrypt(PLAIN)


def test_another_key_cannot_decrypt_it():
    blob = encrypt(PLAIN)
    with override_settings(VERIFICATION_KEYS=[NEW]), pytest.raises(MediaKeyError):
        decrypt(blob)
    # the same id with another key: the tag does not match
    with override_settings(VERIFICATION_KEYS=[("test1", NEW[1])]), pytest.raises(MediaCorrupt):
        decrypt(blob)


@pytest.mark.parametrize("position", [0, 4, 6, 12, 20, -1])
def test_one_byte_changed_is_refused(position):
    blob = bytearray(encrypt(PLAIN))
    blob[position] ^= 0x01
    with pytest.raises((MediaCorrupt, MediaKeyError)):
        decrypt(bytes(blob))


@pytest.mark.parametrize("blob", [b"", b"HSVE", b"HSVE\x02\x01a" + bytes(40), b"HSVE\x01\x05te", b"plain text"])
def test_what_is_not_such_a_file_is_corrupt(blob):
    with pytest.raises(MediaCorrupt):
        decrypt(blob)


def test_without_keys_nothing_is_encrypted():
    with override_settings(VERIFICATION_KEYS=[]), pytest.raises(MediaKeyError):
        encrypt(PLAIN)


def test_an_old_key_second_still_decrypts():
    with override_settings(VERIFICATION_KEYS=[OLD]):
        blob = encrypt(PLAIN)
    with override_settings(VERIFICATION_KEYS=[NEW, OLD]):
        assert key_id_of(blob) == "old"
        assert decrypt(blob) == PLAIN
        assert key_id_of(encrypt(PLAIN)) == "new"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def stored_under(key: tuple[str, bytes], plain: bytes = PLAIN) -> str:
    with override_settings(VERIFICATION_KEYS=[key]):
        return default_storage.save("verification/old.bin", ContentFile(encrypt(plain)))


def test_reencrypt_moves_a_file_to_the_current_key(media_root):
    name = stored_under(OLD)
    with override_settings(VERIFICATION_KEYS=[NEW, OLD]):
        new_name, key_id = storage.reencrypt(name)
        assert key_id == "new"
        assert storage.read(new_name) == PLAIN
        assert storage.reencrypt(new_name) is None
    assert not default_storage.exists(name)
    with default_storage.open(new_name) as handle:
        assert key_id_of(handle.read()) == "new"


# --- the commands ------------------------------------------------------------------------------


@pytest.fixture
def keys_file(monkeypatch, tmp_path):
    path = tmp_path / "var" / "verification-keys.json"
    monkeypatch.delenv("VERIFICATION_KEYS", raising=False)
    monkeypatch.setenv("VERIFICATION_KEYS_FILE", str(path))
    return path


def test_the_command_prints_a_new_key(capsys):
    call_command("verification_keys")
    line = capsys.readouterr().out.strip()
    assert line.startswith("VERIFICATION_KEYS=k")
    key_id, _, key = line.removeprefix("VERIFICATION_KEYS=").partition(":")
    assert len(key) == 43


def test_ensure_writes_a_private_file_once(keys_file, capsys):
    call_command("verification_keys", "--ensure")
    assert "wrote a new local key" in capsys.readouterr().out
    assert stat.S_IMODE(os.stat(keys_file).st_mode) == 0o600
    first = keys_file.read_text()
    assert len(read_file(keys_file)) == 1
    call_command("verification_keys", "--ensure")
    assert "using the local keys" in capsys.readouterr().out
    assert keys_file.read_text() == first


def test_ensure_leaves_keys_from_the_environment(keys_file, monkeypatch, capsys):
    monkeypatch.setenv("VERIFICATION_KEYS", "test1:" + "A" * 43)
    call_command("verification_keys", "--ensure")
    assert "come from VERIFICATION_KEYS" in capsys.readouterr().out
    assert not keys_file.exists()


def test_rotate_puts_a_new_key_first(keys_file):
    call_command("verification_keys", "--ensure")
    [(first_id, first_key)] = read_file(keys_file)
    call_command("verification_keys", "--rotate")
    keys = read_file(keys_file)
    assert len(keys) == 2 and keys[1] == (first_id, first_key) and keys[0][0] != first_id
    assert stat.S_IMODE(os.stat(keys_file).st_mode) == 0o600
    assert json.loads(keys_file.read_text())["keys"][0]["id"] == keys[0][0]


def test_rotate_refuses_keys_from_the_environment(keys_file, monkeypatch):
    monkeypatch.setenv("VERIFICATION_KEYS", "test1:" + "A" * 43)
    with pytest.raises(CommandError, match="VERIFICATION_KEYS"):
        call_command("verification_keys", "--rotate")


@pytest.mark.django_db
def test_reencrypt_command_moves_old_files(media_root, owner, capsys):
    habit = Habit.objects.create(user=owner, name="Run", start_date=dt.date(2026, 11, 1))
    day = dt.date(2026, 11, 23)
    occurrence = Occurrence.objects.create(habit=habit, on=day, status="done")
    fields = dict(user=owner, occurrence=occurrence, habit=habit, on=day, kind="photo", claim="Ran 5 km",
                  content_type="image/jpeg", size=len(PLAIN), sha256="0" * 64, stored_sha256="0" * 64)
    old = Submission.objects.create(cycle=1, media=stored_under(OLD), key_id="old", **fields)
    with override_settings(VERIFICATION_KEYS=[NEW, OLD]):
        current_name, _ = storage.save(Prepared("photo", "image/jpeg", b"current", None, "0" * 64, "0" * 64, 0))
        current = Submission.objects.create(cycle=2, media=current_name, key_id="new", state="withdrawn", **fields)
        call_command("reencrypt_verification_media")
        assert "Re-encrypted 1 " in capsys.readouterr().out
        old.refresh_from_db()
        assert old.key_id == "new" and old.media != "verification/old.bin"
        assert storage.read(old.media) == PLAIN
        current.refresh_from_db()
        assert current.media == current_name
        call_command("reencrypt_verification_media")
        assert "Re-encrypted 0 " in capsys.readouterr().out
