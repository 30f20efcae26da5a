"""verification.faces, the server's backstop: clear faces found, faces pixelated and
blurred as the capture page leaves them not, nor things that are not faces."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from skimage import data

from verification.faces import count_faces
from verification.media import FACE_VISIBLE, MediaError, prepare

from . import media_samples as samples


def faces(image: np.ndarray, fmt: str = "PNG") -> int:
    return count_faces(samples.encoded(image, fmt), f"image/{fmt.lower()}")


def test_it_finds_the_astronaut():
    assert faces(samples.astronaut()) == 1
    assert faces(samples.astronaut(), "JPEG") == 1
    assert faces(samples.astronaut_frame()) == 1


def test_it_finds_a_face_in_a_very_large_photo():
    large = np.asarray(Image.fromarray(samples.astronaut()).resize((3000, 3000)))
    assert faces(large, "JPEG") == 1


@pytest.mark.parametrize(("block", "blur"), [(8, 4), (8, 2), (8, 0), (12, 6), (16, 4)])
def test_it_does_not_find_the_astronaut_pixelated_and_blurred(block, blur):
    assert faces(samples.pixelated(samples.astronaut(), block=block, blur=blur)) == 0
    assert faces(samples.pixelated(samples.astronaut(), block=block, blur=blur), "WEBP") == 0


def noise() -> np.ndarray:
    return np.random.default_rng(16).integers(0, 256, (480, 640, 3), dtype=np.uint8)


def gradient() -> np.ndarray:
    return np.tile(np.linspace(0, 255, 640).astype(np.uint8), (480, 1))


@pytest.mark.parametrize("make", [noise, gradient, data.coffee, data.chelsea, data.rocket, data.camera, data.coins])
def test_it_finds_no_face_where_there_is_none(make):
    assert faces(make()) == 0


def test_it_finds_the_astronaut_in_a_video_of_her():
    assert count_faces(samples.astronaut_video(), "video/webm") == 1


def test_it_does_not_find_her_in_the_blurred_video():
    assert count_faces(samples.astronaut_video(blurred=True), "video/webm") == 0


def test_a_video_without_a_face_and_a_voice_clip_have_none():
    assert count_faces(samples.webm_video(), "video/webm") == 0
    assert count_faces(samples.ogg_audio(), "audio/ogg") == 0


def test_an_undecodable_photo_is_an_error():
    with pytest.raises(ValueError):
        count_faces(b"not a photo", "image/jpeg")


@pytest.mark.parametrize(("content", "kind"), [
    (samples.encoded(samples.astronaut(), "JPEG"), "photo"),
    (samples.astronaut_video(), "video"),
])
def test_a_clear_face_is_refused(content, kind):
    upload = SimpleUploadedFile("capture", content)
    with pytest.raises(MediaError) as caught:
        prepare(upload, kind, hashlib.sha256(content).hexdigest())
    assert (caught.value.code, caught.value.status, caught.value.field) == ("face_visible", 400, "file")
    assert caught.value.message == FACE_VISIBLE


def test_a_blurred_face_is_taken():
    content = samples.encoded(samples.pixelated(samples.astronaut()), "JPEG")
    prepared = prepare(SimpleUploadedFile("capture.jpg", content), "photo", hashlib.sha256(content).hexdigest())
    assert prepared.faces_found == 0
