"""verification.media: each refusal with its code, metadata stripped from photos and clips,
a clip's length read from its packets."""

from __future__ import annotations

import hashlib
import io

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from PIL import Image

from verification import media
from verification.media import MAX_BYTES, MediaError, prepare

from . import media_samples as samples


def upload(content: bytes, name: str = "capture.bin") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def prepared(content: bytes, kind: str, name: str = "capture.bin"):
    return prepare(upload(content, name), kind, hashlib.sha256(content).hexdigest())


def refusal(content: bytes, kind: str, sha256: str | None = None, name: str = "capture.bin") -> MediaError:
    with pytest.raises(MediaError) as caught:
        prepare(upload(content, name), kind, hashlib.sha256(content).hexdigest() if sha256 is None else sha256)
    return caught.value


def opened(content: bytes):
    return av.open(io.BytesIO(content))


# --- refusals --------------------------------------------------------------------------------


def test_it_refuses_a_hash_mismatch():
    content = samples.jpeg_with_gps()
    error = refusal(content, "photo", sha256=hashlib.sha256(content + b"x").hexdigest())
    assert (error.code, error.status, error.field) == ("hash_mismatch", 400, "sha256")


def test_it_takes_the_hash_in_capitals():
    content = samples.jpeg_with_gps()
    result = prepare(upload(content), "photo", hashlib.sha256(content).hexdigest().upper())
    assert result.uploaded_sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize("sha256", ["", "abc", "z" * 64, "0" * 63])
def test_it_refuses_a_malformed_hash_naming_its_field(sha256):
    error = refusal(samples.jpeg_with_gps(), "photo", sha256=sha256)
    assert (error.status, error.field) == (400, "sha256")
    assert error.code != "hash_mismatch"


def test_it_refuses_text_named_like_a_photo():
    error = refusal(samples.TEXT_AS_JPG, "photo", name="photo.jpg")
    assert (error.code, error.status, error.field) == ("unsupported_file", 400, "file")
    assert error.message.endswith(".")


@pytest.mark.parametrize(("make", "kind"), [
    (samples.jpeg_with_gps, "video"),
    (samples.jpeg_with_gps, "audio"),
    (samples.webm_video, "photo"),
    (samples.webm_video, "audio"),
    (samples.mp4_video, "audio"),
    (samples.ogg_audio, "video"),
    (samples.webm_audio, "video"),
])
def test_it_refuses_a_kind_the_content_is_not(make, kind):
    assert refusal(make(), kind).code == "unsupported_file"


def test_it_refuses_a_gif():
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="GIF")
    assert refusal(out.getvalue(), "photo").code == "unsupported_file"


def test_it_refuses_a_truncated_photo():
    content = samples.encoded(samples.astronaut(), "JPEG")[:300]
    assert refusal(content, "photo").code == "unsupported_file"


def test_it_refuses_a_damaged_clip():
    content = samples.webm_video()[:200]
    assert refusal(content, "video").code == "unsupported_file"


@pytest.mark.parametrize("kind", ["photo", "audio", "video"])
def test_it_refuses_an_oversized_file_by_its_declared_size(kind):
    """Past the 30 MB upload limit the file arrives empty, its size the real one."""
    big = UploadedFile(io.BytesIO(), "big.webm", "video/webm", MAX_BYTES[kind] + 1)
    with pytest.raises(MediaError) as caught:
        prepare(big, kind, "0" * 64)
    assert (caught.value.code, caught.value.status) == ("too_large", 413)
    assert "MB" in caught.value.message


def test_it_refuses_an_oversized_file_by_its_bytes():
    content = b"\xff\xd8\xff" + b"\0" * MAX_BYTES["photo"]
    error = refusal(content, "photo")
    assert (error.code, error.status) == ("too_large", 413)


def test_it_refuses_an_empty_file():
    assert refusal(b"", "photo").code == "empty_file"


def test_it_refuses_an_unknown_kind():
    content = samples.jpeg_with_gps()
    assert refusal(content, "selfie").field == "kind"


def test_it_refuses_a_video_over_15_seconds():
    error = refusal(samples.webm_video(20, audio=None), "video")
    assert error.code == "too_long"
    assert "20.0 s" in error.message and "15 s" in error.message


def test_it_refuses_a_voice_clip_over_30_seconds():
    error = refusal(samples.ogg_audio(40), "audio")
    assert error.code == "too_long"
    assert "30 s" in error.message


def test_it_takes_half_a_second_over_as_rounding():
    assert prepared(samples.webm_audio(30.4), "audio").duration == pytest.approx(30.4, abs=0.05)


# --- photos --------------------------------------------------------------------------------------


def test_it_strips_exif_and_gps_and_turns_the_photo_upright():
    source = samples.jpeg_with_gps(size=(40, 20), orientation=6)
    assert Image.open(io.BytesIO(source)).getexif().get_ifd(samples.GPS_IFD)
    result = prepared(source, "photo")
    image = Image.open(io.BytesIO(result.content))
    assert (result.kind, result.content_type, result.duration) == ("photo", "image/jpeg", None)
    assert image.size == (20, 40)  # orientation 6: rotated a quarter turn
    assert not image.getexif()
    assert not image.getexif().get_ifd(samples.GPS_IFD)
    assert not {"exif", "icc_profile", "xmp", "comment"} & set(image.info)
    assert b"SpyCam" not in result.content and b"shot at home" not in result.content
    assert result.sha256 == hashlib.sha256(result.content).hexdigest()
    assert result.uploaded_sha256 == hashlib.sha256(source).hexdigest()
    assert result.faces_found == 0


def test_it_keeps_png_and_webp_in_their_format_without_metadata():
    png = prepared(samples.png_bytes(), "photo")
    webp = prepared(samples.webp_bytes(), "photo")
    assert (png.content_type, webp.content_type) == ("image/png", "image/webp")
    assert b"Jane Doe" not in png.content and b"SpyCam" not in webp.content
    assert Image.open(io.BytesIO(png.content)).format == "PNG"
    assert Image.open(io.BytesIO(webp.content)).format == "WEBP"


def test_it_refuses_a_decompression_bomb():
    out = io.BytesIO()
    Image.new("1", (10_000, 5_000)).save(out, format="PNG")
    assert refusal(out.getvalue(), "photo").code == "unsupported_file"


# --- clips ---------------------------------------------------------------------------------------


def assert_no_tags(content: bytes) -> None:
    with opened(content) as container:
        keys = {key.lower() for key in container.metadata}
        for stream in container.streams:
            keys |= {key.lower() for key in stream.metadata}
    assert not {"title", "location", "location-eng", "comment", "creation_time"} & keys
    assert b"Morning run" not in content and b"secret note" not in content and b"+51.5074" not in content


@pytest.mark.parametrize(("make", "kind", "content_type"), [
    (samples.webm_video, "video", "video/webm"),
    (samples.mp4_video, "video", "video/mp4"),
    (samples.ogg_audio, "audio", "audio/ogg"),
    (samples.webm_audio, "audio", "audio/webm"),
])
def test_it_remuxes_clips_without_their_metadata(make, kind, content_type):
    source = make()
    assert b"Morning run" in source
    result = prepared(source, kind)
    assert (result.kind, result.content_type) == (kind, content_type)
    assert_no_tags(result.content)
    with opened(source) as before, opened(result.content) as after:
        assert [s.codec_context.name for s in after.streams] == [s.codec_context.name for s in before.streams]
    assert result.duration == pytest.approx(2.0 if kind == "audio" or "webm" in content_type else 1.0, abs=0.1)


def test_it_copies_the_packets_without_re_encoding():
    source = samples.webm_video()
    result = prepared(source, "video")
    with opened(source) as before, opened(result.content) as after:
        packets_before = [bytes(packet) for packet in before.demux(before.streams.video[0]) if packet.size]
        packets_after = [bytes(packet) for packet in after.demux(after.streams.video[0]) if packet.size]
    assert packets_after == packets_before


def test_it_reads_the_length_of_a_clip_without_a_duration_header():
    """MediaRecorder's WebM is written live: no duration, no cues."""
    source = samples.webm_video(3, live=True)
    with opened(source) as container:
        assert container.duration is None
    result = prepared(source, "video")
    assert result.duration == pytest.approx(3.0, abs=0.1)


def test_it_refuses_a_live_written_clip_over_the_limit():
    assert refusal(samples.webm_audio(32, live=True), "audio").code == "too_long"


def test_the_packet_path_measures_from_the_first_packet():
    source = samples.webm_audio(2)
    with opened(source) as container:
        assert media._duration(container, list(container.streams)) == pytest.approx(2.0, abs=0.05)


def test_every_message_is_a_sentence():
    contents = [(b"", "photo"), (samples.TEXT_AS_JPG, "photo"), (samples.webm_video(20, audio=None), "video")]
    for content, kind in contents:
        message = refusal(content, kind).message
        assert message[0].isupper() and message.endswith(".")


def test_it_refuses_sound_only_in_mp4_and_a_picture_in_ogg():
    m4a = samples.clip("mp4", 1.0, video=None, audio="aac")
    assert refusal(m4a, "audio").message == "This file is not a voice clip (WebM or Ogg)."
    ogv = samples.clip("ogg", 1.0, video="libvpx", audio=None)  # Ogg takes VP8 too
    assert refusal(ogv, "video").message == "This file is not a video (WebM or MP4)."
    assert refusal(ogv, "audio").code == "unsupported_file"
