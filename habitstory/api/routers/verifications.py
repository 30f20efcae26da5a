"""/verifications: proofs of habit days (docs/verification.md). Upload one (multipart,
anonymised by the client: the capture page blurs faces and shifts voices), read its state
and decision, and fetch its media (the owner, staff and the reviewer holding its claim;
anyone else gets a 404). The rules are verification's and the story layer's."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import File, Form, Router, UploadedFile
from ninja.responses import Status

from habits.models import Habit, Occurrence
from habitstory.story import verification as story
from verification import media
from verification.models import Submission
from verification.views import media_response, viewable

from ..auth import user_of
from ..envelope import ApiError, Envelope, ErrorEnvelope, invalid, model_error_details, ok, responses
from ..verification_schemas import SubmissionOut, submission_data

router = Router(tags=["verifications"])

MEDIA_TYPES = sorted({kind for kinds in media.CONTENT_TYPES.values() for kind in kinds})


def _int(value: str | None, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid({field: "Must be a whole number."}) from None
    if not 0 < number < 2**63:
        raise invalid({field: "No such id."})
    return number


def _target(user, occurrence: str | None, habit: str | None, on: str | None) -> tuple[int, dt.date]:
    """(habit id, day) from `occurrence`, or from `habit` and `on`."""
    occurrence_id = _int(occurrence, "occurrence")
    if occurrence_id is not None:
        found = Occurrence.objects.filter(pk=occurrence_id, habit__user=user).values_list("habit_id", "on").first()
        if found is None:
            raise Http404("No such occurrence")
        return found
    habit_id = _int(habit, "habit")
    if habit_id is None or not on:
        raise invalid({"habit": "Send `occurrence`, or `habit` and `on` (YYYY-MM-DD)."})
    try:
        return habit_id, dt.date.fromisoformat(on)
    except ValueError:
        raise invalid({"on": "Use a date like 2026-12-06."}) from None


@router.post(
    "/verifications",
    response={201: Envelope[SubmissionOut], frozenset({400, 401, 403, 404, 413, 429, 503}): ErrorEnvelope},
    summary="Prove a habit's day",
)
def create_verification(request: HttpRequest, file: File[UploadedFile],
                        kind: Literal["photo", "video", "audio"] = Form(...), sha256: str = Form(...),
                        occurrence: str = Form(None), habit: str = Form(None), on: str = Form(None),
                        faces: int = Form(None, ge=0, le=1000)):
    """`multipart/form-data`: `occurrence` (an id) or `habit` and `on` (YYYY-MM-DD, your
    local date); `kind` (photo, video or audio); `file`; `sha256` (hex of the exact bytes
    sent); `faces` (how many faces your client blurred, optional).

    The day becomes done with its proof pending (streak and XP count at once). Refusals:
    413 `payload_too_large` (photo 5 MB, video 30 MB, audio 5 MB); 400 `unsupported_file`
    (the type is read from the content: JPEG/PNG/WebP, WebM/MP4, WebM/Ogg audio),
    `too_long` (video 15 s, audio 30 s), `hash_mismatch`, `face_visible` (a face could
    still be seen: nothing is stored), `already_submitted`; 403 `plan_limit` on the Free
    plan past its uploads this month (`details` {limit, used, kind}: nothing is stored);
    503 when proofs cannot be stored here. Metadata (EXIF, GPS, tags) is stripped before the file is encrypted."""
    user = user_of(request)
    habit_id, day = _target(user, occurrence, habit, on)
    try:
        submission = story.submit(user, habit_id, day, kind, file, sha256, faces=faces)
    except Habit.DoesNotExist:
        raise Http404("No such habit") from None
    except media.MediaError as error:
        code = "payload_too_large" if error.status == 413 else error.code
        raise ApiError(error.status, error.message, {error.field: [error.message]}, code=code) from None
    except story.Unavailable as error:
        raise ApiError(503, str(error), code="verification_unavailable") from None
    except ValidationError as error:
        code = getattr(error, "code", None) or "validation_error"
        raise ApiError(400, error.messages[0], model_error_details(error, {"date": "on"}), code=code) from None
    return Status(201, ok(submission_data(submission)))


def _own(user, pk: int) -> Submission:
    submission = Submission.objects.filter(pk=pk, user=user).first() if pk < 2**63 else None
    if submission is None:
        raise Http404("No such proof")
    return submission


@router.get("/verifications/{int:verification_id}", response=responses(SubmissionOut), summary="Read a proof's state")
def read_verification(request: HttpRequest, verification_id: int):
    """Your proof: its state (pending, escalated: with staff, approved, rejected,
    withdrawn) and, once decided, the decision."""
    return ok(submission_data(_own(user_of(request), verification_id)))


@router.get("/verifications/{int:verification_id}/media", response={frozenset({401, 404, 429}): ErrorEnvelope},
            summary="A proof's media", openapi_extra={"responses": {"200": {
                "description": "The anonymised media, decrypted",
                "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in MEDIA_TYPES}}}})
def verification_media(request: HttpRequest, verification_id: int):
    """For its owner, staff and the reviewer holding its claim (anyone else: 404), with
    `Cache-Control: private, no-store`; a 404 once the media is deleted (30 days after
    the decision)."""
    return media_response(viewable(user_of(request), verification_id))
