"""The fake camera's and microphone's files, made at test time: scikit-image's astronaut
centred in a 640×480 YUV4MPEG2 (4:2:0) clip, and a steady sine in a 16-bit mono WAV."""

from __future__ import annotations

import wave
from pathlib import Path

import av
import numpy as np
from PIL import Image
from skimage import data, transform

WIDTH, HEIGHT = 640, 480


def astronaut_frame() -> np.ndarray:
    """The astronaut (512×512) scaled to the frame's height and centred on grey, RGB uint8."""
    face = transform.resize(data.astronaut(), (HEIGHT, HEIGHT), anti_aliasing=True, preserve_range=True)
    frame = np.full((HEIGHT, WIDTH, 3), 128, dtype=np.uint8)
    left = (WIDTH - HEIGHT) // 2
    frame[:, left:left + HEIGHT] = face.round().astype(np.uint8)
    return frame


def rgb_to_yuv420(rgb: np.ndarray) -> bytes:
    """Full-range BT.601 (JPEG's) Y, then U and V averaged over 2×2 blocks: one C420jpeg frame."""
    rgb = rgb.astype(np.float64)
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    luma = 0.299 * red + 0.587 * green + 0.114 * blue
    u = -0.168736 * red - 0.331264 * green + 0.5 * blue + 128
    v = 0.5 * red - 0.418688 * green - 0.081312 * blue + 128

    def quarter(plane: np.ndarray) -> np.ndarray:
        height, width = plane.shape
        return plane.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))

    planes = [luma, quarter(u), quarter(v)]
    return b"".join(np.clip(plane.round(), 0, 255).astype(np.uint8).tobytes() for plane in planes)


def write_y4m(path: Path, frames: int = 30, fps: int = 30) -> Path:
    frame = rgb_to_yuv420(astronaut_frame())
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + frame)
    return path


def write_sine_wav(path: Path, frequency: float = 600.0, seconds: float = 4.0, rate: int = 48_000) -> Path:
    """A steady sine at half scale; Chromium loops the file as the microphone."""
    time = np.arange(int(seconds * rate)) / rate
    samples = (0.5 * 32767 * np.sin(2 * np.pi * frequency * time)).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


def astronaut_jpeg(path: Path) -> Path:
    """The same frame as a JPEG file, for the file picker."""

    Image.fromarray(astronaut_frame()).save(path, "JPEG", quality=92)
    return path


def astronaut_webm(path: Path, seconds: float = 3.0, fps: int = 15, frequency: float = 600.0) -> Path:
    """The astronaut with the sine as sound, a VP8 + Opus WebM, for the file picker."""

    rate = 48_000
    with av.open(str(path), "w", format="webm") as container:
        video = container.add_stream("libvpx", rate=fps)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        audio = container.add_stream("libopus", rate=rate, layout="mono")
        picture = av.VideoFrame.from_ndarray(astronaut_frame(), format="rgb24")
        for index in range(int(seconds * fps)):
            picture.pts = index
            container.mux(video.encode(picture))
        container.mux(video.encode())
        time = np.arange(int(seconds * rate)) / rate
        tone = (0.5 * np.sin(2 * np.pi * frequency * time)).astype(np.float32)
        for start in range(0, len(tone), 960):
            chunk = av.AudioFrame.from_ndarray(tone[None, start:start + 960], format="flt", layout="mono")
            chunk.sample_rate, chunk.pts = rate, start
            container.mux(audio.encode(chunk))
        container.mux(audio.encode())
    return path
