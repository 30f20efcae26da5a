"""The server's face backstop: how many *clear* faces OpenCV's Haar cascades see in a photo,
or in up to 16 frames sampled evenly over a video (decoded with PyAV). Voice clips: 0.

A clear face is one the frontal-face cascade (haarcascade_frontalface_default.xml) finds
with scaleFactor 1.1, minNeighbors 6 and a side of at least 8 % of the picture's shorter
side (24 px at least), *and* in whose upper 60 % the eye cascade (haarcascade_eye.xml,
on the face scaled to 120 px, scaleFactor 1.1, minNeighbors 4, eyes of 14 px or more)
finds two eyes. The face cascade alone still fires on a face pixelated to 8-12 px blocks
and blurred, as the capture page leaves it; the eyes are what such a face no longer has.
Pictures are scaled down to 1024 px (photos) or 640 px (video frames) on their longer side.
The figures it was tuned on are in tests/verification/test_faces.py."""

from __future__ import annotations

import functools
import io

import av
import cv2
import numpy as np

MAX_FRAMES = 16
PHOTO_SIDE = 1024
FRAME_SIDE = 640
FACE_SCALE_FACTOR = 1.1
FACE_MIN_NEIGHBORS = 6
FACE_MIN_FRACTION = 0.08
FACE_MIN_PX = 24
FACE_PX = 120  # a face is scaled to this before looking for its eyes
EYE_REGION = 0.6  # the face's upper part where eyes are looked for
EYE_MIN_NEIGHBORS = 4
EYE_MIN_PX = 14
EYES_FOR_A_CLEAR_FACE = 2


@functools.cache
def _cascade(name: str) -> cv2.CascadeClassifier:
    """One classifier per process, loaded the first time it is needed."""
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if classifier.empty():
        raise RuntimeError(f"OpenCV's {name} could not be loaded")
    return classifier


def _scaled(gray: np.ndarray, longest: int) -> np.ndarray:
    height, width = gray.shape[:2]
    if max(height, width) <= longest:
        return gray
    ratio = longest / max(height, width)
    size = (max(1, round(width * ratio)), max(1, round(height * ratio)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA)


def _has_eyes(gray: np.ndarray, box) -> bool:
    x, y, width, height = (int(value) for value in box)
    face = cv2.resize(gray[y: y + height, x: x + width], (FACE_PX, FACE_PX), interpolation=cv2.INTER_AREA)
    eyes = _cascade("haarcascade_eye.xml").detectMultiScale(
        face[: int(FACE_PX * EYE_REGION)], scaleFactor=FACE_SCALE_FACTOR, minNeighbors=EYE_MIN_NEIGHBORS,
        minSize=(EYE_MIN_PX, EYE_MIN_PX),
    )
    return len(eyes) >= EYES_FOR_A_CLEAR_FACE


def faces_in(gray: np.ndarray) -> int:
    """Clear faces in one grayscale picture (uint8, height × width)."""
    side = max(FACE_MIN_PX, int(min(gray.shape[:2]) * FACE_MIN_FRACTION))
    if min(gray.shape[:2]) < side:
        return 0
    equalized = cv2.equalizeHist(gray)
    boxes = _cascade("haarcascade_frontalface_default.xml").detectMultiScale(
        equalized, scaleFactor=FACE_SCALE_FACTOR, minNeighbors=FACE_MIN_NEIGHBORS, minSize=(side, side),
    )
    return sum(1 for box in boxes if _has_eyes(gray, box))


def _photo_faces(content: bytes) -> int:
    gray = cv2.imdecode(np.frombuffer(content, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
    if gray is None:
        raise ValueError("the photo could not be decoded")
    return faces_in(_scaled(gray, PHOTO_SIDE))


def _sample_times(content: bytes) -> list[float]:
    """Up to MAX_FRAMES moments (seconds) spread evenly over the video, from its packets."""
    with av.open(io.BytesIO(content)) as container:
        stream = container.streams.video[0]
        times = [float(packet.pts * packet.time_base) for packet in container.demux(stream)
                 if packet.pts is not None]
    if not times:
        return []
    start, end = min(times), max(times)
    count = min(MAX_FRAMES, len(times))
    step = (end - start) / count
    return [start + step * index for index in range(count)]


def _frame_gray(frame: av.VideoFrame) -> np.ndarray:
    ratio = min(1.0, FRAME_SIDE / max(frame.width, frame.height))
    width, height = max(2, round(frame.width * ratio)), max(2, round(frame.height * ratio))
    return frame.reformat(width=width, height=height, format="gray").to_ndarray()


def _video_faces(content: bytes) -> int:
    """The most clear faces seen in one of the sampled frames."""
    wanted = _sample_times(content)
    most = 0
    with av.open(io.BytesIO(content)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for frame in container.decode(stream):
            if not wanted:
                break
            if frame.time is None or frame.time + 1e-6 < wanted[0]:
                continue
            while wanted and wanted[0] <= frame.time + 1e-6:
                wanted.pop(0)
            most = max(most, faces_in(_frame_gray(frame)))
    return most


def count_faces(content: bytes, content_type: str) -> int:
    """Clear faces in a photo (image/*), or the most in one of a video's sampled frames
    (video/*); 0 for a voice clip. Raises ValueError when the content cannot be decoded."""
    if content_type.startswith("image/"):
        return _photo_faces(content)
    if content_type.startswith("video/"):
        return _video_faces(content)
    return 0

