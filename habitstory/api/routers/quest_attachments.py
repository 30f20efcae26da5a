"""/quests/{id}/attachments: a quest's private files. Upload (multipart), list, read,
download, thumbnail, delete. The rules (types read from the content, 10 MB a file, 100 MB a
user, images re-encoded without metadata) are quests.attachments'."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import Http404, HttpRequest
from ninja import File, Router, UploadedFile
from ninja.responses import Status

from quests import attachments
from quests.file_views import serve
from quests.models import Attachment, Quest

from ..auth import user_of
from ..envelope import ApiError, Envelope, ErrorEnvelope, Out, ok, responses

router = Router(tags=["quest attachments"])

# A refusal's status: too large (the file, or all of the user's files together) is a 413.
STATUS = {"file_too_large": 413, "quota_exceeded": 413}
CODES = {"file_too_large": "payload_too_large", "quota_exceeded": "payload_too_large"}
FILE_TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf", "text/plain"]


class AttachmentOut(Out):
    id: int
    quest: int
    name: str
    kind: Literal["image", "pdf", "text"]
    content_type: str
    size: int
    sha256: str
    created_at: dt.datetime
    download: str
    thumbnail: str | None


def _data(attachment: Attachment) -> dict:
    base = f"/api/v1/quests/{attachment.quest_id}/attachments/{attachment.pk}"
    return {
        "id": attachment.pk,
        "quest": attachment.quest_id,
        "name": attachment.name,
        "kind": attachment.kind,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "created_at": attachment.created_at,
        "download": f"{base}/download",
        "thumbnail": f"{base}/thumbnail" if attachment.thumbnail else None,
    }


def _quest(user, pk: int) -> Quest:
    quest = Quest.objects.filter(pk=pk, user=user).first()
    if quest is None:
        raise Http404("No such quest")
    return quest


def _attachment(user, quest_id: int, pk: int) -> Attachment:
    # The quest first: a lookup by pk answers nothing for an id past the column's range,
    # where one through a foreign key would fail.
    attachment = Attachment.objects.filter(pk=pk, quest=_quest(user, quest_id)).first()
    if attachment is None:
        raise Http404("No such attachment")
    return attachment


def _file_responses(types: list[str]) -> dict:
    """The OpenAPI answer of an operation that sends a file (or, on S3, a redirect to it)."""
    return {"responses": {
        "200": {"description": "The file", "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in types}},
        "302": {"description": "On S3: a signed URL to the file, valid for a few minutes"},
    }}


@router.get("/quests/{int:quest_id}/attachments", response=responses(list[AttachmentOut]),
            summary="List a quest's attachments")
def list_quest_attachments(request: HttpRequest, quest_id: int):
    """Oldest first."""
    quest = _quest(user_of(request), quest_id)
    return ok([_data(attachment) for attachment in attachments.attachments_of(quest)])


@router.post(
    "/quests/{int:quest_id}/attachments",
    response={201: Envelope[AttachmentOut], frozenset({400, 401, 403, 404, 413, 429}): ErrorEnvelope},
    summary="Attach a file",
)
def add_quest_attachment(request: HttpRequest, quest_id: int, file: File[UploadedFile]):
    """Send the file as `multipart/form-data`, in the field `file`. Taken: images (PNG,
    JPEG, WebP, GIF), PDF and plain UTF-8 text, the type read from the content (never the
    name or the Content-Type sent); a name whose extension says otherwise ("notes.png"
    holding text) is refused too, as are scripts and web pages. Images are re-encoded: their
    metadata (EXIF, GPS, XMP, ICC) is dropped, their EXIF orientation applied, and a
    320 px WebP thumbnail is made. `size` and `sha256` are of the file as stored.

    At most 10 MB a file and 100 MB for all of your attachments: past either, a 413
    (`payload_too_large`); a type not taken is a 400 with code `unsupported_file`."""
    quest = _quest(user_of(request), quest_id)
    try:
        attachment = attachments.add_attachment(quest, file)
    except attachments.AttachmentError as error:
        raise ApiError(
            STATUS.get(error.code, 400), error.messages[0], {"file": error.messages},
            code=CODES.get(error.code, "unsupported_file"),
        ) from None
    except Quest.DoesNotExist:
        raise Http404("No such quest") from None
    return Status(201, ok(_data(attachment)))


@router.get("/quests/{int:quest_id}/attachments/{int:attachment_id}", response=responses(AttachmentOut),
            summary="Read an attachment's details")
def read_quest_attachment(request: HttpRequest, quest_id: int, attachment_id: int):
    return ok(_data(_attachment(user_of(request), quest_id, attachment_id)))


@router.delete("/quests/{int:quest_id}/attachments/{int:attachment_id}", response=responses(None),
               summary="Delete an attachment")
def delete_quest_attachment(request: HttpRequest, quest_id: int, attachment_id: int):
    """The file and its thumbnail go with it. Answers 200 with `data: null`."""
    attachments.delete_attachment(_attachment(user_of(request), quest_id, attachment_id))
    return ok(None)


@router.get("/quests/{int:quest_id}/attachments/{int:attachment_id}/download", response={frozenset({401, 404, 429}): ErrorEnvelope},
            summary="Download an attachment", openapi_extra=_file_responses(FILE_TYPES))
def download_quest_attachment(request: HttpRequest, quest_id: int, attachment_id: int):
    """The file as stored, with its type; images `inline`, PDF and text as an `attachment`
    (Content-Disposition), `X-Content-Type-Options: nosniff`. On S3, a 302 to a signed URL
    that expires after a few minutes."""
    return serve(request, _attachment(user_of(request), quest_id, attachment_id))


@router.get("/quests/{int:quest_id}/attachments/{int:attachment_id}/thumbnail", response={frozenset({401, 404, 429}): ErrorEnvelope},
            summary="An image attachment's thumbnail", openapi_extra=_file_responses(["image/webp"]))
def quest_attachment_thumbnail(request: HttpRequest, quest_id: int, attachment_id: int):
    """A WebP at most 320 px on its longer side; a 404 for a PDF or text."""
    return serve(request, _attachment(user_of(request), quest_id, attachment_id), thumbnail=True)
