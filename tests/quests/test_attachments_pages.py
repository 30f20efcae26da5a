"""The quest page's attachments: upload and delete (plain POST and htmx), the owner-only
download and thumbnail views and their headers, a signed URL on S3."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.urls import reverse
from storages.backends.s3 import S3Storage

from quests.attachments import add_attachment
from quests.models import Attachment, Quest

from .test_attachments import PDF, image_bytes, jpeg_with_gps

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def quest(owner):
    return Quest.objects.create(user=owner, title="Plan the trip", xp_reward=50)


@pytest.fixture
def photo(quest):
    return add_attachment(quest, SimpleUploadedFile("beach photo.jpg", jpeg_with_gps()))


@pytest.fixture
def pdf(quest):
    return add_attachment(quest, SimpleUploadedFile("plan «v2».pdf", PDF))


def url(name: str, attachment: Attachment) -> str:
    return reverse(f"quests:{name}", args=[attachment.quest_id, attachment.pk])


def upload_url(quest: Quest) -> str:
    return reverse("quests:attachment-upload", args=[quest.pk])


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- downloads ----------------------------------------------------------------------------------


def test_it_downloads_a_pdf_as_an_attachment_with_safe_headers(owner_client, pdf):
    response = owner_client.get(url("attachment", pdf))
    assert response.status_code == 200 and body(response) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''plan%20%C2%ABv2%C2%BB.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"] and "default-src 'none'" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"


def test_it_shows_an_image_inline_and_its_thumbnail(owner_client, photo):
    response = owner_client.get(url("attachment", photo))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'inline; filename="beach photo.jpg"'
    assert b"SpyCam" not in body(response)
    thumbnail = owner_client.get(url("attachment-thumbnail", photo))
    assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/webp"
    assert thumbnail["X-Content-Type-Options"] == "nosniff"


def test_text_downloads_as_text(owner_client, quest):
    note = add_attachment(quest, SimpleUploadedFile("notes.md", b"# Packing\n- boots\n"))
    response = owner_client.get(url("attachment", note))
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="notes.md"'


def test_a_pdf_has_no_thumbnail(owner_client, pdf):
    assert owner_client.get(url("attachment-thumbnail", pdf)).status_code == 404


def test_another_users_file_is_a_404(client, stranger, photo):
    client.force_login(stranger)
    for name in ("attachment", "attachment-thumbnail"):
        assert client.get(url(name, photo)).status_code == 404
    assert client.post(url("attachment-delete", photo)).status_code == 404
    assert client.post(upload_url(photo.quest), {"file": SimpleUploadedFile("a.pdf", PDF)}).status_code == 404
    assert Attachment.objects.count() == 1


def test_a_file_under_another_quests_id_is_a_404(owner_client, owner, photo):
    other = Quest.objects.create(user=owner, title="Other", xp_reward=50)
    response = owner_client.get(reverse("quests:attachment", args=[other.pk, photo.pk]))
    assert response.status_code == 404


def test_signing_in_comes_first(client, photo):
    response = client.get(url("attachment", photo))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_wrong_methods_are_refused(owner_client, photo):
    assert owner_client.post(url("attachment", photo)).status_code == 405
    assert owner_client.get(upload_url(photo.quest)).status_code == 405
    assert owner_client.get(url("attachment-delete", photo)).status_code == 405


def test_on_s3_it_redirects_to_a_url_signed_for_minutes(owner_client, pdf, monkeypatch):
    bucket = S3Storage(bucket_name="hs-files", access_key="AKIDEXAMPLE", secret_key="secret",
                       region_name="eu-west-1", querystring_expire=300, signature_version="s3v4")
    monkeypatch.setattr(Attachment._meta.get_field("file"), "storage", bucket)
    response = owner_client.get(url("attachment", Attachment.objects.get(pk=pdf.pk)))
    assert response.status_code == 302 and response["Cache-Control"] == "private, no-store"
    signed = urlparse(response["Location"])
    query = parse_qs(signed.query)
    assert signed.scheme == "https" and pdf.file.name in signed.path
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    assert query["response-content-type"] == ["application/pdf"]
    assert query["response-content-disposition"][0].startswith("attachment;")


# --- upload and delete ----------------------------------------------------------------------------


def test_an_upload_redirects_to_the_quest_with_a_message(owner_client, quest):
    response = owner_client.post(upload_url(quest), {"file": SimpleUploadedFile("plan.pdf", PDF)})
    assert response.status_code == 302 and response["Location"] == reverse("quests:detail", args=[quest.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["Attached “plan.pdf”."]
    assert Attachment.objects.get().name == "plan.pdf"


def test_a_refused_upload_names_the_field(owner_client, quest):
    fake = SimpleUploadedFile("cat.png", b"#!/bin/sh\nrm -rf ~\n", content_type="image/png")
    response = owner_client.post(upload_url(quest), {"file": fake})
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Attach a file: ") and "Scripts" in message
    assert not Attachment.objects.exists()


def test_htmx_upload_answers_with_the_region(owner_client, quest):
    response = owner_client.post(
        upload_url(quest), {"file": SimpleUploadedFile("shot.png", image_bytes())}, HTTP_HX_REQUEST="true"
    )
    attachment = Attachment.objects.get()
    html = response.content.decode()
    assert response.status_code == 200 and 'id="attachments"' in html
    assert "Attached “shot.png”." in html and url("attachment-thumbnail", attachment) in html


def test_htmx_upload_errors_stay_in_the_form(owner_client, quest):
    big = SimpleUploadedFile("notes.txt", b"a" * (10 * 1024 * 1024 + 1))
    response = owner_client.post(upload_url(quest), {"file": big}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and 'aria-invalid="true"' in html
    assert "“notes.txt” is too large (10.1 MB): a file can be at most 10 MB." in html
    missing = owner_client.post(upload_url(quest), {}, HTTP_HX_REQUEST="true").content.decode()
    assert "This field is required." in missing


def test_deleting_a_file(owner_client, photo, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(url("attachment-delete", photo), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "Deleted “beach photo.jpg”." in response.content.decode()
    assert not Attachment.objects.exists()
    assert not [path for path in media.rglob("*") if path.is_file()]


def test_the_region_lists_files_for_the_page(quest, photo, pdf):
    html = render_to_string("quests/_attachments.html", {"quest": quest})
    assert "beach photo.jpg" in html and "plan «v2».pdf" in html
    assert html.count("<img ") == 1 and f'href="{url("attachment", pdf)}" download' in html


def test_a_huge_id_is_a_404(owner_client, photo):
    huge = 10**30
    assert owner_client.get(reverse("quests:attachment", args=[huge, photo.pk])).status_code == 404
    assert owner_client.get(reverse("quests:attachment", args=[photo.quest_id, huge])).status_code == 404
