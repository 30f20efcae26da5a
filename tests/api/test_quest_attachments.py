"""/quests/{id}/attachments: multipart upload, list, read, download, thumbnail, delete;
413 past the limits, 400 unsupported_file, another user's ids a 404."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from quests import attachments
from quests.attachments import add_attachment
from quests.models import Attachment, Quest
from tests.quests.test_attachments import PDF, image_bytes, jpeg_with_gps

from .conftest import csrf_headers

pytestmark = pytest.mark.django_db

KEYS = {"id", "quest", "name", "kind", "content_type", "size", "sha256", "created_at", "download", "thumbnail"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def quest(owner):
    return Quest.objects.create(user=owner, title="Plan the trip", xp_reward=50)


@pytest.fixture
def stranger_quest(stranger):
    return Quest.objects.create(user=stranger, title="Theirs", xp_reward=50)


def base(quest: Quest) -> str:
    return f"/api/v1/quests/{quest.pk}/attachments"


def send(api, quest: Quest, content: bytes, name: str, content_type: str = "application/octet-stream", **headers):
    """A multipart upload, as a client sends it (the token, or the session and its CSRF header)."""
    if api.token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {api.token}"
    return api.client.post(base(quest), {"file": SimpleUploadedFile(name, content, content_type)}, **headers)


def error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    return response.json()["error"]


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_it_takes_an_image_and_strips_its_metadata(api, quest):
    response = send(api, quest, jpeg_with_gps(), "IMG_0001.jpg", "image/jpeg")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert set(data) == KEYS
    assert (data["quest"], data["name"], data["kind"], data["content_type"]) == (quest.pk, "IMG_0001.jpg", "image", "image/jpeg")
    download = api.get(data["download"])
    content = body(download)
    assert download.status_code == 200 and b"SpyCam" not in content and b"Exif" not in content
    assert data["size"] == len(content) and data["sha256"] == hashlib.sha256(content).hexdigest()
    thumbnail = api.get(data["thumbnail"])
    assert thumbnail.status_code == 200 and Image.open(io.BytesIO(body(thumbnail))).format == "WEBP"


def test_the_browser_session_uploads_with_its_csrf_header(session_api, quest):
    response = send(session_api, quest, PDF, "plan.pdf", **csrf_headers(session_api))
    assert response.status_code == 201 and response.json()["data"]["thumbnail"] is None
    refused = send(session_api, quest, PDF, "plan.pdf")
    error(refused, 403, "csrf_failed")


def test_a_file_over_10_mb_is_a_413(api, quest):
    big = b"a" * (attachments.MAX_FILE_BYTES + 1)
    failure = error(send(api, quest, big, "notes.txt", "text/plain"), 413, "payload_too_large")
    assert failure["details"] == {"file": ["“notes.txt” is too large (10.1 MB): a file can be at most 10 MB."]}
    assert not Attachment.objects.exists()


def test_the_per_user_quota_is_a_413(api, quest, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_USER_BYTES", len(PDF) * 2)
    assert send(api, quest, PDF, "a.pdf").status_code == 201
    assert send(api, quest, PDF, "b.pdf").status_code == 201
    failure = error(send(api, quest, PDF, "c.pdf"), 413, "payload_too_large")
    assert "Delete some to make room" in failure["details"]["file"][0]
    assert Attachment.objects.count() == 2


@pytest.mark.parametrize("content,name,content_type", [
    (b"#!/bin/sh\nrm -rf /\n", "cat.png", "image/png"),  # a script calling itself a PNG
    (b"plain words", "photo.jpg", "image/jpeg"),  # text calling itself an image
    (b"\x7fELF\x02\x01\x01" + b"\x00" * 60, "tool.txt", "text/plain"),
    (b"<html><script>alert(1)</script></html>", "page.txt", "text/plain"),
])
def test_a_type_not_taken_is_a_400_unsupported_file(api, quest, content, name, content_type):
    failure = error(send(api, quest, content, name, content_type), 400, "unsupported_file")
    assert list(failure["details"]) == ["file"]
    assert not Attachment.objects.exists()


def test_no_file_is_a_400_naming_the_field(api, quest):
    failure = error(api.client.post(base(quest), {}, HTTP_AUTHORIZATION=f"Bearer {api.token}"), 400, "validation_error")
    assert "file" in failure["details"]
    error(api.post(base(quest), {"file": "not a file"}), 400, "validation_error")


def test_it_lists_reads_and_deletes(api, quest, media, django_capture_on_commit_callbacks):
    first = add_attachment(quest, SimpleUploadedFile("a.png", image_bytes()))
    second = add_attachment(quest, SimpleUploadedFile("b.pdf", PDF))
    listed = api.get(base(quest)).json()["data"]
    assert [item["id"] for item in listed] == [first.pk, second.pk]
    read = api.get(f"{base(quest)}/{second.pk}").json()["data"]
    assert read["name"] == "b.pdf" and read["download"] == f"{base(quest)}/{second.pk}/download"
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete(f"{base(quest)}/{first.pk}")
    assert response.status_code == 200 and response.json()["data"] is None
    assert list(Attachment.objects.values_list("pk", flat=True)) == [second.pk]
    assert {path.name for path in media.rglob("*") if path.is_file()} == {second.file.name.rsplit("/", 1)[1]}


def test_a_download_carries_its_disposition_and_nosniff(api, quest):
    pdf = add_attachment(quest, SimpleUploadedFile("plan.pdf", PDF))
    response = api.get(f"{base(quest)}/{pdf.pk}/download")
    assert response.status_code == 200 and body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff" and "sandbox" in response["Content-Security-Policy"]
    error(api.get(f"{base(quest)}/{pdf.pk}/thumbnail"), 404, "not_found")


def test_another_users_quest_and_file_ids_are_404s(api, stranger_api, quest, stranger_quest):
    theirs = add_attachment(stranger_quest, SimpleUploadedFile("theirs.pdf", PDF))
    mine = add_attachment(quest, SimpleUploadedFile("mine.pdf", PDF))
    error(send(api, stranger_quest, PDF, "x.pdf"), 404, "not_found")
    error(api.get(base(stranger_quest)), 404, "not_found")
    for path in ("", "/download", "/thumbnail"):
        error(api.get(f"{base(stranger_quest)}/{theirs.pk}{path}"), 404, "not_found")
        error(api.get(f"{base(quest)}/{theirs.pk}{path}"), 404, "not_found")  # their file under my quest
    error(api.delete(f"{base(stranger_quest)}/{theirs.pk}"), 404, "not_found")
    error(stranger_api.delete(f"{base(quest)}/{mine.pk}"), 404, "not_found")
    assert Attachment.objects.count() == 2


def test_anonymous_is_a_401(anon, quest):
    error(anon.get(base(quest)), 401, "unauthorized")
    error(anon.client.post(base(quest), {"file": SimpleUploadedFile("a.pdf", PDF)}), 401, "unauthorized")


def test_a_huge_id_is_a_404_and_a_broken_multipart_body_a_400(api, quest):
    huge = 10**30
    for path in (f"/api/v1/quests/{huge}/attachments", f"/api/v1/quests/{huge}/attachments/1",
                 f"{base(quest)}/{huge}", f"{base(quest)}/{huge}/download"):
        error(api.get(path), 404, "not_found")
    no_boundary = api.client.post(base(quest), b"--x--", content_type="multipart/form-data",
                                  HTTP_AUTHORIZATION=f"Bearer {api.token}")
    error(no_boundary, 400, "bad_request")
