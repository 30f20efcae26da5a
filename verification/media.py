"""What a verification upload is, checked and stripped: its size, the browser's SHA-256
of its bytes, its type read from the content, a clip's length, its metadata removed
(images re-encoded with Pillow, clips re-muxed with PyAV without re-encoding) and the
face backstop (verification.faces). Nothing here writes to storage or the database.
The rules are in docs/verification.md."""

from __future__ import annotations

import hashlib
import io
import math
import re
import struct
import warnings
from dataclasses import dataclass

import av
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps

from habitstory.core.formatting import megabytes

from . import faces

MB = 1024 * 1024
MAX_BYTES = {"photo": 5 * MB, "video": 30 * MB, "audio": 5 * MB}
MAX_SECONDS = {"video": 15.0, "audio": 30.0}  # a clip up to 0.5 s over is rounding, taken
ROUNDING_SECONDS = 0.5
CONTENT_TYPES = {
    "photo": ("image/jpeg", "image/png", "image/webp"),
    "video": ("video/webm", "video/mp4"),
    "audio": ("audio/webm", "audio/ogg"),
}
MAX_PIXELS = 40_000_000  # one photo (Pillow's own bomb limit is about 89 million)
PILLOW_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Containers read from their first bytes: (demuxer PyAV opens it with, muxer it is re-muxed into).
CONTAINERS = {"matroska": ("matroska", "webm"), "mp4": ("mp4", "mp4"), "ogg": ("ogg", "ogg")}
CLIP_CONTAINERS = {"video": ("matroska", "mp4"), "audio": ("matroska", "ogg")}
WEBM_CODECS = {"vp8", "vp9", "av1", "opus", "vorbis"}  # what the WebM muxer takes; others: Matroska
SHA256_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
KIND_WORDS = {"photo": "a photo (JPEG, PNG or WebP)", "video": "a video (WebM or MP4)",
              "audio": "a voice clip (WebM or Ogg)"}
FACE_VISIBLE = "We could still see a face — retake it with your face out of the frame or let the page blur it."


class MediaError(Exception):
    """An upload refused. `code`: too_large (413), empty_file, unsupported_file, too_long,
    hash_mismatch or face_visible; `field`: the form field it is about."""

    def __init__(self, code: str, message: str, status: int = 400, field: str = "file"):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.field = field


@dataclass(frozen=True)
class Prepared:
    """An upload as it will be stored: checked, its metadata stripped, no face found."""

    kind: str
    content_type: str
    content: bytes
    duration: float | None
    uploaded_sha256: str  # of the bytes received (== the client's)
    sha256: str  # of `content` (what is stored, before encryption)
    faces_found: int  # the backstop's count (0, or it raised face_visible)


def _unsupported(message: str) -> MediaError:
    return MediaError("unsupported_file", message)


# --- the bytes ---------------------------------------------------------------------------------


def _received(upload: UploadedFile, kind: str) -> bytes:
    limit = MAX_BYTES[kind]
    if upload.size is not None and upload.size > limit:
        raise MediaError("too_large", f"This file is too large ({megabytes(upload.size)}): a {kind} can be "
                         f"at most {megabytes(limit)}.", status=413)
    content = b"".join(upload.chunks())
    if len(content) > limit:
        raise MediaError("too_large", f"This file is too large: a {kind} can be at most {megabytes(limit)}.",
                         status=413)
    if not content:
        raise MediaError("empty_file", "This file is empty: take the photo or clip again.")
    return content


def _checked_hash(content: bytes, sha256: str) -> str:
    claimed = (sha256 or "").strip().lower()
    if not SHA256_HEX.match(claimed):
        raise MediaError("validation_error", "The file's SHA-256 must be 64 hexadecimal characters.", field="sha256")
    actual = hashlib.sha256(content).hexdigest()
    if actual != claimed:
        raise MediaError("hash_mismatch", "The file we received is not the one the page hashed: it was changed "
                         "or cut on the way. Upload it again.", field="sha256")
    return actual


def _container_of(content: bytes) -> str | None:
    """"jpeg", "png", "webp", "matroska", "mp4" or "ogg", from the first bytes; None otherwise."""
    head = content[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"OggS"):
        return "ogg"
    return None


# --- photos -------------------------------------------------------------------------------------


def _opened_image(content: bytes, pillow_format: str) -> Image.Image:
    """The photo decoded, or unsupported_file (not one, or a decompression bomb)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(content), formats=[pillow_format])
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise _unsupported(f"This photo is too large to take ({width} × {height} pixels).")
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _unsupported("This photo is too large to take.") from None
        except (OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise _unsupported("This file starts like a photo but could not be read as one.") from None
    return image


def _stripped_image(content: bytes, content_type: str) -> bytes:
    """The photo re-encoded in its own format, upright (EXIF orientation applied), with no
    EXIF, GPS, XMP, ICC profile or comment: pixels only. An animation keeps its first frame."""
    pillow_format = PILLOW_FORMATS[content_type]
    image = ImageOps.exif_transpose(_opened_image(content, pillow_format))
    keep_alpha = pillow_format != "JPEG" and ("A" in image.getbands() or "transparency" in image.info)
    clean = image.convert("RGBA" if keep_alpha else "RGB")
    clean.info = {}
    out = io.BytesIO()
    options = {"JPEG": {"quality": 90}, "WEBP": {"quality": 90}}.get(pillow_format, {})
    clean.save(out, format=pillow_format, **options)
    return out.getvalue()


# --- clips ---------------------------------------------------------------------------------------


def _opened_clip(content: bytes, demuxer: str):
    try:
        return av.open(io.BytesIO(content), format=demuxer)
    except (av.FFmpegError, ValueError, OSError):
        raise _unsupported("This file starts like a video or voice clip but could not be read as one.") from None


def _media_streams(container) -> list:
    """The clip's video and sound streams (a cover picture, subtitles and data are dropped)."""
    cover = av.stream.Disposition.attached_pic
    return [stream for stream in container.streams
            if stream.type == "audio" or (stream.type == "video" and not stream.disposition & cover)]


def _clip_kind(streams: list) -> str:
    """"video" with a picture, "audio" with sound only."""
    if any(stream.type == "video" for stream in streams):
        return "video"
    if any(stream.type == "audio" for stream in streams):
        return "audio"
    raise _unsupported("This clip has neither a picture nor sound we can read.")


def _duration(container, streams: list) -> float:
    """Seconds from the first packet to the end of the last, read from the packets without
    decoding (MediaRecorder's WebM has no duration in its header)."""
    start, end = math.inf, -math.inf
    try:
        for packet in container.demux(streams):
            timestamp = packet.pts if packet.pts is not None else packet.dts
            if timestamp is None or packet.time_base is None:
                continue
            start = min(start, float(timestamp * packet.time_base))
            end = max(end, float((timestamp + (packet.duration or 0)) * packet.time_base))
    except (av.FFmpegError, ValueError, OSError):
        raise _unsupported("This clip is damaged: we could not read it to its end.") from None
    if end == -math.inf:
        raise _unsupported("This clip has no picture or sound in it.")
    return max(0.0, end - start)


def _remuxed(content: bytes, demuxer: str, muxer: str) -> bytes:
    """The clip's video and sound packets copied (not re-encoded) into a new container of
    the same type, without its container or stream metadata (title, encoder, creation
    time, location, comments...) and without its other streams."""
    source = _opened_clip(content, demuxer)
    out = io.BytesIO()
    try:
        with source:
            streams = _media_streams(source)
            if muxer == "webm" and any(stream.codec_context.name not in WEBM_CODECS for stream in streams):
                muxer = "matroska"  # Chrome's "video/webm;codecs=h264" is Matroska with H.264
            with av.open(out, "w", format=muxer, options={"fflags": "+bitexact"}) as target:
                copies = {stream.index: target.add_stream_from_template(stream) for stream in streams}
                for copy in copies.values():
                    copy.metadata.clear()
                for packet in source.demux(streams):
                    if packet.dts is None:  # the demuxer's empty flush packet
                        continue
                    packet.stream = copies[packet.stream.index]
                    target.mux(packet)
    except (av.FFmpegError, ValueError, OSError):
        raise _unsupported("We could not rewrite this clip without its metadata: record it again "
                           "in the page, or pick a WebM or MP4 file.") from None
    return out.getvalue()


def _checked_clip(content: bytes, container_name: str, kind: str) -> float:
    """The clip's kind must be `kind` and its length within the limit; its length."""
    demuxer = CONTAINERS[container_name][0]
    with _opened_clip(content, demuxer) as container:
        streams = _media_streams(container)
        if _clip_kind(streams) != kind or container_name not in CLIP_CONTAINERS[kind]:
            raise _unsupported(f"This file is not {KIND_WORDS[kind]}.")
        duration = _duration(container, streams)
    limit = MAX_SECONDS[kind]
    if duration > limit + ROUNDING_SECONDS:
        clip = "video" if kind == "video" else "voice clip"
        raise MediaError("too_long", f"This {clip} is {duration:.1f} s long: it can be at most {limit:.0f} s.")
    return duration


# --- the whole way in -----------------------------------------------------------------------------


def _content_type(container_name: str, kind: str) -> str:
    if container_name in ("jpeg", "png", "webp"):
        return f"image/{container_name}"
    if container_name == "mp4":
        return "video/mp4"
    return f"{'video' if kind == 'video' else 'audio'}/{'ogg' if container_name == 'ogg' else 'webm'}"


def prepare(upload: UploadedFile, kind: str, sha256: str) -> Prepared:
    """The upload checked (size, hash, type from the content, length), its metadata
    stripped, and the face backstop run on what will be stored. Raises MediaError."""
    if kind not in MAX_BYTES:
        raise MediaError("validation_error", "Choose a photo, a video or a voice clip.", field="kind")
    content = _received(upload, kind)
    uploaded_sha256 = _checked_hash(content, sha256)
    container_name = _container_of(content)
    is_image = container_name in ("jpeg", "png", "webp")
    if container_name is None or is_image != (kind == "photo"):
        raise _unsupported(f"This file is not {KIND_WORDS[kind]}: we read its content, not its name.")
    content_type = _content_type(container_name, kind)
    duration = None
    if is_image:
        stripped = _stripped_image(content, content_type)
    else:
        duration = _checked_clip(content, container_name, kind)
        stripped = _remuxed(content, *CONTAINERS[container_name])
    try:
        found = faces.count_faces(stripped, content_type)
    except (av.FFmpegError, ValueError, OSError):
        raise _unsupported("We could not read the picture in this file: take it again.") from None
    if found:
        raise MediaError("face_visible", FACE_VISIBLE)
    return Prepared(kind, content_type, stripped, duration, uploaded_sha256,
                    hashlib.sha256(stripped).hexdigest(), found)
