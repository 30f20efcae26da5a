"""Quest attachments: what a file is (read from its content), the limits, images cleaned
and thumbnailed, storing and deleting. The rules are in docs/quests.md, "Attachments"."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import struct
import unicodedata
import warnings
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Sum
from PIL import Image, ImageOps, ImageSequence

from habitstory.accounts.models import Profile
from habitstory.core.formatting import megabytes

from .models import Attachment, Quest

logger = logging.getLogger(__name__)

MB = 1024 * 1024
MAX_FILE_BYTES = 10 * MB  # one file
MAX_USER_BYTES = 100 * MB  # all of a user's files (their stored sizes)
MAX_PIXELS = 40_000_000  # one image frame (Pillow's own bomb limit is about 89 million)
MAX_ANIMATION_PIXELS = 200_000_000  # all the frames of an animated image together
MAX_FRAMES = 500
THUMBNAIL_PX = 320  # the longer side
NAME_MAX = 200  # Attachment.name

# The image formats taken, as filetype names them and as Pillow does.
IMAGE_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP", "image/gif": "GIF"}
# The name may not promise another kind than the content is: "photo.png" that is text is refused.
SUFFIXES = {
    Attachment.Kind.IMAGE: {".png", ".jpg", ".jpeg", ".jpe", ".jfif", ".webp", ".gif"},
    Attachment.Kind.PDF: {".pdf"},
    Attachment.Kind.TEXT: {"", ".txt", ".text", ".md", ".markdown", ".csv", ".tsv", ".log", ".rst", ".org"},
}
KIND_WORDS = {Attachment.Kind.IMAGE: "an image", Attachment.Kind.PDF: "a PDF", Attachment.Kind.TEXT: "text"}
PDF_HEADER = re.compile(rb"%PDF-[12]\.[0-9]")
# Text that a browser or a shell would run: a script's first line, or HTML/SVG/XML markup.
ACTIVE_TEXT = re.compile(r"#!|<\s*(\?xml|!doctype|html|head|body|script|svg|iframe|object|embed)\b", re.IGNORECASE)


class AttachmentError(ValidationError):
    """A file refused. `code`: unsupported_file, file_too_large, quota_exceeded or empty_file."""


@dataclass(frozen=True)
class Prepared:
    """A file as it will be stored: content type read from the content, images re-encoded."""

    name: str
    kind: str
    content_type: str
    content: bytes
    thumbnail: bytes | None


# --- limits on the way in -------------------------------------------------------------------


def used_bytes(user_id: int) -> int:
    return Attachment.objects.filter(user_id=user_id).aggregate(total=Sum("size"))["total"] or 0


# --- what a file is ---------------------------------------------------------------------------


def clean_name(name: str) -> str:
    """The file's own name without folders, control or format characters (bidi overrides
    included), at most NAME_MAX characters with its extension kept."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(char for char in name if unicodedata.category(char)[0] not in "CZ" or char == " ").strip(" .")
    if not name:
        return "attachment"
    stem, suffix = os.path.splitext(name)
    if len(name) > NAME_MAX:
        suffix = suffix[:20]
        name = stem[: NAME_MAX - len(suffix)] + suffix
    return name


def _refuse(message: str, code: str = "unsupported_file") -> AttachmentError:
    return AttachmentError(message, code=code)


def _check_pdf(data: bytes) -> None:
    if not PDF_HEADER.match(data[:16]) or b"%%EOF" not in data[-2048:]:
        raise _refuse("This file starts like a PDF but is not a complete one.")


def _text(data: bytes) -> str | None:
    """The content as text: valid UTF-8 without a NUL character; None otherwise."""
    if b"\x00" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _check_text(text: str | None) -> None:
    if text is None:
        raise _refuse("Only images (PNG, JPEG, WebP, GIF), PDF and plain text (UTF-8) files can be attached.")
    if ACTIVE_TEXT.match(text.lstrip("\ufeff \t\r\n")):
        raise _refuse("Scripts and web pages can't be attached; plain text can.")


def _kind_of(data: bytes) -> tuple[str, str]:
    """(kind, content type) read from the bytes alone."""
    guess = filetype.guess(data)
    if guess is not None and guess.mime in IMAGE_FORMATS:
        return Attachment.Kind.IMAGE, guess.mime
    if guess is not None and guess.mime == "application/pdf":
        _check_pdf(data)
        return Attachment.Kind.PDF, "application/pdf"
    text = _text(data)
    if guess is not None and text is None:  # text may start like another format: "BMW service"
        raise _refuse(
            f"This is a {guess.extension.upper()} file: only images (PNG, JPEG, WebP, GIF), PDF and "
            "plain text files can be attached."
        )
    _check_text(text)
    return Attachment.Kind.TEXT, "text/plain; charset=utf-8"


def _check_name(name: str, kind: str) -> None:
    suffix = os.path.splitext(name)[1].lower()
    if suffix not in SUFFIXES[kind]:
        raise _refuse(f"“{name}” is not what its name says: its content is {KIND_WORDS[kind]}.")


# --- images -------------------------------------------------------------------------------------


def _opened(data: bytes, pillow_format: str) -> Image.Image:
    """The image, decoded, or AttachmentError (not an image, or a decompression bomb)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[pillow_format])
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
            if width * height > MAX_PIXELS or frames > MAX_FRAMES or width * height * frames > MAX_ANIMATION_PIXELS:
                raise _refuse(f"This image is too large to take ({width} × {height} pixels, {frames} frames).")
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _refuse("This image is too large to take.") from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise _refuse("This file starts like an image but could not be read as one.") from None
    return image


def _clean(frame: Image.Image, pillow_format: str) -> Image.Image:
    """A copy carrying pixels only: no EXIF, GPS, XMP, ICC profile or comments (transparency
    kept), in a mode the format can write."""
    keep = {"transparency": frame.info["transparency"]} if "transparency" in frame.info else {}
    if pillow_format == "JPEG" and frame.mode not in ("RGB", "L", "CMYK"):
        frame = frame.convert("RGB")
    elif pillow_format == "WEBP" and frame.mode not in ("RGB", "RGBA"):
        frame = frame.convert("RGBA" if "A" in frame.getbands() or keep else "RGB")
        keep = {}
    else:
        frame = frame.copy()
    frame.info = keep
    return frame


def _encoded(image: Image.Image, pillow_format: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, format=pillow_format, **options)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB")
    thumb.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    thumb.info = {}
    return _encoded(thumb, "WEBP", quality=80)


def _reencoded(data: bytes, mime: str) -> tuple[bytes, bytes]:
    """(the image re-encoded in its own format with all metadata dropped and its EXIF
    orientation applied, a WebP thumbnail). An animation keeps its frames and timing."""
    pillow_format = IMAGE_FORMATS[mime]
    image = _opened(data, pillow_format)
    if getattr(image, "n_frames", 1) > 1:
        loop = image.info.get("loop", 0)
        frames, durations = [], []
        for frame in ImageSequence.Iterator(image):
            durations.append(frame.info.get("duration", 100))
            frames.append(_clean(frame.convert("RGBA"), pillow_format))
        content = _encoded(frames[0], pillow_format, save_all=True, append_images=frames[1:],
                           duration=durations, loop=loop, disposal=2)
        return content, _thumbnail(frames[0])
    upright = ImageOps.exif_transpose(image)
    clean = _clean(upright, pillow_format)
    options = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90}}.get(pillow_format, {})
    return _encoded(clean, pillow_format, **options), _thumbnail(clean)


# --- the whole way in ---------------------------------------------------------------------------


def prepare(upload: UploadedFile) -> Prepared:
    """The upload checked (size, type from the content, a name that does not lie) and made
    ready to store. Raises AttachmentError."""
    name = clean_name(upload.name or "")
    if upload.size is not None and upload.size > MAX_FILE_BYTES:
        raise _refuse(
            f"“{name}” is too large ({megabytes(upload.size)}): a file can be at most {megabytes(MAX_FILE_BYTES)}.",
            "file_too_large",
        )
    data = b"".join(upload.chunks())
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(f"A file can be at most {megabytes(MAX_FILE_BYTES)}.", "file_too_large")
    if not data:
        raise _refuse("This file is empty.", "empty_file")
    kind, content_type = _kind_of(data)
    _check_name(name, kind)
    thumbnail = None
    if kind == Attachment.Kind.IMAGE:
        data, thumbnail = _reencoded(data, content_type)
    return Prepared(name, kind, content_type, data, thumbnail)


def add_attachment(quest: Quest, upload: UploadedFile) -> Attachment:
    """Store `upload` on the quest (its owner's). The files are written first; the quota
    is then checked and the row saved under the owner's profile lock, so two uploads at
    once cannot both pass it. Raises AttachmentError, or Quest.DoesNotExist when the quest
    is gone. Call it outside a transaction: a rollback after it would leave the files."""
    prepared = prepare(upload)
    attachment = Attachment(
        quest=quest, user_id=quest.user_id, name=prepared.name, kind=prepared.kind,
        content_type=prepared.content_type, size=len(prepared.content),
        sha256=hashlib.sha256(prepared.content).hexdigest(),
    )
    attachment.file.save(prepared.name, ContentFile(prepared.content), save=False)
    try:
        if prepared.thumbnail is not None:
            attachment.thumbnail.save(prepared.name, ContentFile(prepared.thumbnail), save=False)
        with transaction.atomic():
            Profile.objects.select_for_update().filter(user_id=quest.user_id).first()
            if not Quest.objects.filter(pk=quest.pk, user_id=quest.user_id).exists():
                raise Quest.DoesNotExist("The quest was deleted.")
            used = used_bytes(quest.user_id)
            if used + attachment.size > MAX_USER_BYTES:
                raise _refuse(
                    f"Your attachments would take {megabytes(used + attachment.size)}; you can keep "
                    f"{megabytes(MAX_USER_BYTES)} in all. Delete some to make room.",
                    "quota_exceeded",
                )
            attachment.save()
    except BaseException:
        _delete_stored(attachment.file.storage, [attachment.file.name, attachment.thumbnail.name])
        raise
    return attachment


# --- the way out ------------------------------------------------------------------------------


def attachments_of(quest: Quest) -> list[Attachment]:
    return list(Attachment.objects.filter(quest=quest))


def delete_attachment(attachment: Attachment) -> None:
    """The row now; its files once the transaction commits (`remove_files`)."""
    attachment.delete()


def _delete_stored(storage, names: list[str]) -> None:
    for name in names:
        if not name:
            continue
        try:
            storage.delete(name)
        except Exception:  # a file left behind is logged, never an error for the user
            logger.warning("Could not delete the stored file %s", name, exc_info=True)


def remove_files(sender, instance: Attachment, **kwargs) -> None:
    """post_delete of Attachment (connected in QuestsConfig.ready): however the row goes (its
    quest or user deleted, or itself), its files go when the deletion commits."""
    names = [instance.file.name, instance.thumbnail.name]
    storage = instance.file.storage
    transaction.on_commit(lambda: _delete_stored(storage, names), robust=True)
