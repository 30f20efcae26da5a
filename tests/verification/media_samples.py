"""Sample files for the verification media tests, made at test time (no binary fixtures):
photos with EXIF and GPS, clips with metadata tags (PyAV), a face photo (scikit-image's
astronaut) and the same face pixelated and blurred as the capture page does."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import numpy as np
from PIL import Image, ImageFilter
from PIL.PngImagePlugin import PngInfo
from skimage import data

GPS_IFD = 0x8825
WIDTH, HEIGHT, FPS = 160, 120, 5
# Where scikit-image's astronaut has her face (OpenCV's Haar box on the 512 × 512 image).
ASTRONAUT_FACE = (177, 66, 95, 95)
TAGS = {"title": "Morning run at home", "location": "+51.5074-000.1278/", "comment": "secret note"}


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), **options) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "orange").save(out, format=fmt, **options)
    return out.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (40, 20), orientation: int = 6) -> bytes:
    """A JPEG as a phone makes it: camera, GPS position, rotated by its EXIF orientation."""
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"  # Make
    exif[0x0112] = orientation
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 26.0), 3: "W", 4: (0.0, 7.0, 39.0)})
    out = io.BytesIO()
    Image.new("RGB", size, "teal").save(out, format="JPEG", exif=exif, comment=b"shot at home")
    return out.getvalue()


def png_bytes() -> bytes:
    return image_bytes("PNG", pnginfo=_png_text())


def webp_bytes() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam Inc"
    return image_bytes("WEBP", exif=exif)


def _png_text() -> PngInfo:
    info = PngInfo()
    info.add_text("Author", "Jane Doe")
    return info


def encoded(image: np.ndarray | Image.Image, fmt: str = "PNG") -> bytes:
    picture = image if isinstance(image, Image.Image) else Image.fromarray(image)
    out = io.BytesIO()
    picture.save(out, format=fmt)
    return out.getvalue()


# --- faces -------------------------------------------------------------------------------------


def astronaut() -> np.ndarray:
    return data.astronaut()


def pixelated(image: np.ndarray, box: tuple[int, int, int, int] = ASTRONAUT_FACE, block: int = 8,
              blur: float = 4.0, margin: float = 0.25) -> np.ndarray:
    """The face box widened by `margin`, pixelated to `block`-pixel squares (downscaled,
    then upscaled nearest) and Gaussian-blurred, as the capture page does."""
    x, y, w, h = box
    left, top = max(0, int(x - w * margin)), max(0, int(y - h * margin))
    right, bottom = min(image.shape[1], int(x + w * (1 + margin))), min(image.shape[0], int(y + h * (1 + margin)))
    picture = Image.fromarray(image)
    region = picture.crop((left, top, right, bottom))
    small = region.resize((max(1, region.width // block), max(1, region.height // block)), Image.BILINEAR)
    region = small.resize(region.size, Image.NEAREST).filter(ImageFilter.GaussianBlur(blur))
    picture.paste(region, (left, top))
    return np.asarray(picture)


def astronaut_frame(width: int = 320, height: int = 240) -> np.ndarray:
    """The astronaut scaled to `width` and cropped to `height` around her face."""
    side = Image.fromarray(astronaut()).resize((width, width), Image.LANCZOS)
    return np.asarray(side)[width // 16: width // 16 + height]


# --- clips -------------------------------------------------------------------------------------


def _frames(seconds: float, fps: int, picture: np.ndarray | None, width: int, height: int):
    for index in range(max(1, round(seconds * fps))):
        if picture is not None:
            yield picture
        else:
            shade = (index * 37) % 256
            frame = np.zeros((height, width, 3), dtype=np.uint8)
            frame[:, :, 0] = shade
            frame[:, : width // 2, 1] = 255 - shade
            yield frame


def _audio_frames(seconds: float, rate: int = 48000, size: int = 960):
    samples = np.sin(2 * np.pi * 440 * np.arange(round(seconds * rate)) / rate).astype(np.float32) * 0.3
    for start in range(0, len(samples), size):
        chunk = samples[start: start + size]
        if len(chunk) < size:
            chunk = np.pad(chunk, (0, size - len(chunk)))
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        yield frame


def _encode(container, stream, frames) -> None:
    for frame in frames:
        container.mux(stream.encode(frame))
    container.mux(stream.encode(None))


def clip(fmt: str = "webm", seconds: float = 2.0, video: str | None = "libvpx", audio: str | None = "libopus",
         tags: dict | None = None, picture: np.ndarray | None = None, live: bool = False,
         size: tuple[int, int] = (WIDTH, HEIGHT), fps: int = FPS) -> bytes:
    """A clip: `video` (a codec or None) of `picture` (or changing colours) and a 440 Hz
    `audio` tone, with `tags` on the container and on each stream. `live` writes the WebM
    as MediaRecorder does: no duration and no cues in its header."""
    out = io.BytesIO()
    options = {"live": "1"} if live else {}
    with av.open(out, "w", format=fmt, options=options) as container:
        container.metadata.update(tags or {})
        video_stream = audio_stream = None
        if video:
            video_stream = container.add_stream(video, rate=fps)
            video_stream.width, video_stream.height = size
            video_stream.pix_fmt = "yuv420p"
            video_stream.bit_rate = 800_000
            video_stream.metadata.update(tags or {})
        if audio:
            audio_stream = container.add_stream(audio, rate=48000, layout="mono")
            audio_stream.metadata.update(tags or {})
        if video_stream is not None:
            frames = (av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
                      for frame in _frames(seconds, fps, picture, *size))
            _encode(container, video_stream, frames)
        if audio_stream is not None:
            _encode(container, audio_stream, _audio_frames(seconds))
    return out.getvalue()


def webm_video(seconds: float = 2.0, **options) -> bytes:
    return clip("webm", seconds, tags=TAGS, **options)


def mp4_video(seconds: float = 1.0) -> bytes:
    return clip("mp4", seconds, video="libx264", audio="aac", tags=TAGS)


def ogg_audio(seconds: float = 2.0, **options) -> bytes:
    return clip("ogg", seconds, video=None, tags=TAGS, **options)


def webm_audio(seconds: float = 2.0, **options) -> bytes:
    return clip("webm", seconds, video=None, tags=TAGS, **options)


def astronaut_video(seconds: float = 2.0, blurred: bool = False) -> bytes:
    frame = astronaut_frame()
    if blurred:
        scale = 320 / 512
        x, y, w, h = ASTRONAUT_FACE
        frame = pixelated(frame, (int(x * scale), int(y * scale) - 20, int(w * scale), int(h * scale)), block=6)
    return clip("webm", seconds, audio=None, picture=frame, size=(320, 240))


TEXT_AS_JPG = b"Not a photo at all, just some text that someone renamed to photo.jpg\n" * 4
