"""The capture page in a real Chromium with a fake camera and microphone: scikit-image's
astronaut as the camera (a y4m made at test time) and a 600 Hz sine as the microphone (a wav).
What the page uploads is checked here: OpenCV's Haar detector finds the astronaut's face in
the source frame and no face in the photo or the video's frames; the tone comes out five
semitones down (600 × 2^(-5/12) ≈ 449.5 Hz); the SHA-256 the page shows is that of the
bytes the server received and stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
from email.parser import BytesParser
from email.policy import HTTP

import av
import cv2
import numpy as np
import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from django.urls import reverse
from playwright.sync_api import Page, Route, expect

from habits.models import Habit, Occurrence
from tests.e2e import fake_media, journeys
from tests.e2e.conftest import CHROMIUM_FLAGS
from verification import storage
from verification.models import Submission

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-pass-phrase-91"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1100, "height": 900}
TONE = 600.0
SHIFTED = TONE * 2 ** (-5 / 12)  # 449.49 Hz
SLOW = 90_000  # ms: the detector loads and runs on the CPU (--disable-gpu)
FACE_CASCADE = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


# --- Browsers with and without the fake devices ---------------------------------------------

@pytest.fixture(scope="module")
def fake_devices(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fake-media")
    return {
        "video": fake_media.write_y4m(folder / "astronaut.y4m"),
        "audio": fake_media.write_sine_wav(folder / "tone.wav", TONE),
        "jpeg": fake_media.astronaut_jpeg(folder / "astronaut.jpg"),
        "webm": fake_media.astronaut_webm(folder / "astronaut.webm", frequency=TONE),
    }


def _launch(browser_type, launch_args, extra):
    args = [*CHROMIUM_FLAGS, *extra]
    return browser_type.launch(**{**launch_args, "args": args})


@pytest.fixture(scope="module")
def camera_browser(browser_type, browser_type_launch_args, fake_devices):
    browser = _launch(browser_type, browser_type_launch_args, [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-video-capture={fake_devices['video']}",
        f"--use-file-for-fake-audio-capture={fake_devices['audio']}",
    ])
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def deviceless_browser(browser_type, browser_type_launch_args):
    browser = _launch(browser_type, browser_type_launch_args, [])
    yield browser
    browser.close()


def _page(browser, viewport=PHONE, color_scheme="light", permissions=("camera", "microphone")):
    context = browser.new_context(viewport=viewport, locale="en-GB", timezone_id="Pacific/Auckland",
                                  color_scheme=color_scheme)
    if permissions:
        context.grant_permissions(list(permissions))
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return page


@pytest.fixture
def camera_page(camera_browser):
    page = _page(camera_browser)
    yield page
    page.context.close()


# --- Steps ----------------------------------------------------------------------------------

def open_capture(page: Page, base: str, email: str) -> Habit:
    """A new account with a habit that asks for proof, on its capture page for today."""
    journeys.sign_up(page, base, email, PASSWORD)
    user = get_user_model().objects.get(email=email)
    today = user.profile.local_today()
    habit = Habit.objects.create(user=user, name="Run", start_date=today - dt.timedelta(days=3),
                                 requires_verification=True)
    page.goto(base + reverse("verification:capture", args=[habit.pk, today.isoformat()]))
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "ready", timeout=SLOW)
    return habit


class Uploads:
    """The upload requests the page sends, each body kept (the exact bytes of the file)."""

    def __init__(self, page: Page):
        self.sent: list[dict] = []
        page.route("**/api/v1/verifications", self.handle)

    def handle(self, route: Route) -> None:
        request = route.request
        headers = f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode()
        message = BytesParser(policy=HTTP).parsebytes(headers + request.post_data_buffer)
        fields = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        self.sent.append({
            "csrf": request.headers.get("x-csrftoken"),
            "file": fields["file"].get_payload(decode=True),
            "filename": fields["file"].get_filename(),
            **{name: part.get_content().strip() for name, part in fields.items() if name != "file"},
        })
        route.continue_()


def capture(page: Page, kind: str, seconds: float = 0) -> None:
    page.get_by_role("radio", name=kind_label(kind)).check()
    page.locator("#capture-open").click()
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "live", timeout=SLOW)
    page.locator("#capture-take").click()
    if seconds:
        expect(page.locator("#capture-status")).to_have_attribute("data-state", "recording")
        page.wait_for_timeout(seconds * 1000)
        page.locator("#capture-stop").click()
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "review", timeout=SLOW)


def kind_label(kind: str) -> str:
    return {"photo": "Photo", "video": "Video", "audio": "Voice clip"}[kind]


def upload(page: Page, uploads: Uploads, habit: Habit) -> tuple[dict, Submission]:
    """Upload, then what the page sent and what the server made of it: the page's hash is
    the sent bytes' and the submission's; the day is done, its proof pending."""
    sha256 = page.locator("#proof-sha256").text_content()
    page.locator("#proof-upload").click()
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "uploaded", timeout=30_000)
    sent = uploads.sent[-1]
    assert sent["csrf"]
    assert sent["sha256"] == sha256 == hashlib.sha256(sent["file"]).hexdigest()
    submission = Submission.objects.get(habit=habit)
    assert submission.sha256 == sha256
    assert (submission.kind, submission.state) == (sent["kind"], "pending")
    occurrence = Occurrence.objects.get(habit=habit, on=submission.on)
    assert (occurrence.status, occurrence.verification) == ("done", "pending")
    page.wait_for_url(f"{page.url.split('/verify/')[0]}/")  # on to Today
    return sent, submission


def stored(submission: Submission) -> bytes:
    """The media as stored, decrypted (metadata stripped by the server)."""
    return storage.read(submission.media)


# --- Measures -------------------------------------------------------------------------------

def faces_in(rgb: np.ndarray, neighbours: int = 5) -> list:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    found = FACE_CASCADE.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=neighbours, minSize=(30, 30))
    return [tuple(int(v) for v in box) for box in found]


def overlaps(box, other) -> bool:
    x, y, w, h = box
    ox, oy, ow, oh = other
    return x < ox + ow and ox < x + w and y < oy + oh and oy < y + h


def source_face():
    """The astronaut's face in the source frame (Haar also takes the shuttle beside her for a
    face at 5 neighbours; only boxes on her face count as faces left)."""
    found = faces_in(fake_media.astronaut_frame(), neighbours=8)
    assert len(found) == 1
    return found[0]


def assert_no_face(rgb: np.ndarray) -> None:
    face = source_face()
    on_face = [box for box in faces_in(rgb) if overlaps(box, face)]
    assert on_face == [] and faces_in(rgb, neighbours=8) == []


def decoded(data: bytes):
    """The video frames (RGB) and the audio (mono float samples, rate) of a clip."""
    frames, samples, rate = [], [], None
    with av.open(io.BytesIO(data)) as container:
        mono = av.AudioResampler(format="flt", layout="mono")
        for frame in container.decode(*container.streams):
            if isinstance(frame, av.VideoFrame):
                frames.append(frame.to_ndarray(format="rgb24"))
                continue
            rate = frame.sample_rate
            samples.extend(part.to_ndarray()[0] for part in mono.resample(frame))
    audio = np.concatenate(samples).astype(np.float64) if samples else np.zeros(0)
    return frames, audio, rate


def peak_frequency(samples: np.ndarray, rate: int) -> float:
    steady = samples[len(samples) // 10:]  # past the shifter's first grain
    spectrum = np.abs(np.fft.rfft(steady * np.hanning(len(steady))))
    return float(np.fft.rfftfreq(len(steady), 1 / rate)[spectrum.argmax()])


def assert_shifted_tone(samples: np.ndarray, rate: int) -> float:
    assert rate and len(samples) > rate  # over a second of sound
    peak = peak_frequency(samples, rate)
    assert abs(peak - SHIFTED) <= 0.03 * SHIFTED, peak
    assert abs(peak - TONE) > 0.1 * TONE
    return peak


def no_overflow(page: Page, width: int) -> None:
    assert page.locator("html").evaluate("e => e.scrollWidth") <= width


def axe_violations(page: Page) -> list[str]:
    results = Axe().run(page).response
    return [f"{violation['id']}: {node['target']}" for violation in results["violations"]
            for node in violation["nodes"]]


# --- Journeys -------------------------------------------------------------------------------

def test_source_frame_shows_a_face():
    assert faces_in(fake_media.astronaut_frame(), neighbours=5)
    source_face()


def rgb_image(data: bytes) -> np.ndarray:
    return cv2.cvtColor(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def test_a_photo_from_the_camera_is_blurred_hashed_and_uploaded(server, camera_page):
    page = camera_page
    habit = open_capture(page, server.url, "photo@example.com")
    uploads = Uploads(page)
    capture(page, "photo")
    expect(page.locator("#faces-blurred")).to_have_text("1")
    expect(page.locator("#proof-preview img")).to_be_visible()
    no_overflow(page, PHONE["width"])
    sent, submission = upload(page, uploads, habit)
    assert (sent["kind"], sent["filename"], sent["faces"]) == ("photo", "proof.jpg", "1")
    assert submission.faces_blurred == 1
    for photo in (rgb_image(sent["file"]), rgb_image(stored(submission))):
        assert photo.shape == (480, 640, 3)
        assert_no_face(photo)
    assert page.errors == []


def test_a_video_has_every_frame_blurred_and_its_sound_shifted(server, camera_page):
    page = camera_page
    habit = open_capture(page, server.url, "video@example.com")
    uploads = Uploads(page)
    capture(page, "video", seconds=3)
    expect(page.locator("#faces-blurred")).to_have_text("1")
    expect(page.locator("#proof-preview video")).to_be_visible()
    sent, submission = upload(page, uploads, habit)
    assert (sent["kind"], sent["filename"], sent["faces"]) == ("video", "proof.webm", "1")
    assert 2.5 <= submission.duration <= 4
    for clip in (sent["file"], stored(submission)):
        frames, audio, rate = decoded(clip)
        assert len(frames) >= 10
        for frame in [*frames[:: max(1, len(frames) // 12)], frames[-1]]:
            assert frame.shape == (480, 640, 3)
            assert_no_face(frame)
        assert_shifted_tone(audio, rate)
    assert page.errors == []


def test_a_voice_clip_comes_out_five_semitones_down(server, camera_page):
    page = camera_page
    habit = open_capture(page, server.url, "voice@example.com")
    uploads = Uploads(page)
    capture(page, "audio", seconds=3)
    expect(page.locator("#faces-blurred")).to_have_text("No picture")
    expect(page.locator("#proof-duration")).to_contain_text(" s")
    sent, submission = upload(page, uploads, habit)
    assert sent["kind"] == "audio" and "faces" not in sent
    for clip in (sent["file"], stored(submission)):
        frames, audio, rate = decoded(clip)
        assert frames == []
        assert 2.5 * rate <= len(audio) <= 3.8 * rate
        assert_shifted_tone(audio, rate)
    assert page.errors == []


def test_without_a_camera_a_message_and_a_chosen_photo_goes_the_same_way(server, deviceless_browser, fake_devices):
    page = _page(deviceless_browser)
    habit = open_capture(page, server.url, "nocamera@example.com")
    uploads = Uploads(page)
    page.locator("#capture-open").click()
    message = page.locator("#capture-nodevice")
    expect(message).to_be_visible()
    expect(message).to_contain_text("No camera was found. You can choose a file instead")
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "ready")
    shoot(page, "no-camera-360-light")
    no_overflow(page, PHONE["width"])
    assert axe_violations(page) == []

    page.get_by_label("Or use a photo, video or voice clip from this device").set_input_files(fake_devices["jpeg"])
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "review", timeout=SLOW)
    expect(page.locator("#faces-blurred")).to_have_text("1")
    sent, submission = upload(page, uploads, habit)
    assert (sent["kind"], sent["filename"]) == ("photo", "proof.jpg")
    for photo in (rgb_image(sent["file"]), rgb_image(stored(submission))):
        assert photo.shape == (480, 640, 3)
        assert_no_face(photo)
    assert [error for error in page.errors if "Requested device not found" not in error] == []
    page.context.close()


def test_a_chosen_video_file_is_played_through_the_same_processing(server, deviceless_browser, fake_devices):
    page = _page(deviceless_browser)
    habit = open_capture(page, server.url, "videofile@example.com")
    uploads = Uploads(page)
    page.get_by_label("Or use a photo, video or voice clip from this device").set_input_files(fake_devices["webm"])
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "recording", timeout=SLOW)
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "review", timeout=SLOW)
    expect(page.locator("#kind-video")).to_be_checked()
    expect(page.locator("#faces-blurred")).to_have_text("1")
    sent, submission = upload(page, uploads, habit)
    assert (sent["kind"], sent["filename"]) == ("video", "proof.webm")
    frames, audio, rate = decoded(stored(submission))
    assert len(frames) >= 10
    for frame in [*frames[:: max(1, len(frames) // 12)], frames[-1]]:
        assert_no_face(frame)
    assert_shifted_tone(audio, rate)
    assert page.errors == []
    page.context.close()


def test_a_chosen_clip_the_browser_will_not_play_yet_waits_for_a_press(server, deviceless_browser, fake_devices):
    page = _page(deviceless_browser)
    # The browser's autoplay refusal, once (as when nothing on the page was pressed yet).
    page.add_init_script("""{
        const play = HTMLMediaElement.prototype.play;
        let refused = false;
        HTMLMediaElement.prototype.play = function () {
            if (refused) return play.call(this);
            refused = true;
            return Promise.reject(new DOMException("play() needs a press", "NotAllowedError"));
        };
    }""")
    open_capture(page, server.url, "press@example.com")
    page.get_by_label("Or use a photo, video or voice clip from this device").set_input_files(fake_devices["webm"])
    process = page.get_by_role("button", name="Process the chosen file")
    expect(process).to_be_focused(timeout=SLOW)
    expect(page.locator("#capture-status")).to_contain_text("only after a press")
    page.keyboard.press("Enter")
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "review", timeout=SLOW)
    expect(page.locator("#faces-blurred")).to_have_text("1")
    assert page.errors == []
    page.context.close()


def test_a_refused_upload_shows_why_and_keeps_the_proof(server, camera_page):
    page = camera_page
    habit = open_capture(page, server.url, "refused@example.com")
    capture(page, "photo")
    sha256 = page.locator("#proof-sha256").text_content()
    refusal = {"error": {"code": "face_visible", "message": "We could still see a face. Retake.", "details": {}}}
    page.route("**/api/v1/verifications", lambda route: route.fulfill(status=400, json=refusal))
    page.locator("#proof-upload").click()
    expect(page.get_by_role("alert")).to_have_text("We could still see a face. Retake.")
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "error")
    expect(page.locator("#proof-preview img")).to_be_visible()
    assert not Submission.objects.filter(habit=habit).exists()

    page.unroute("**/api/v1/verifications")
    uploads = Uploads(page)
    sent, submission = upload(page, uploads, habit)  # the same proof, sent again
    assert sent["sha256"] == submission.sha256 == sha256

    # The capture page again: the proof is sent, nothing to capture.
    page.goto(server.url + reverse("verification:capture", args=[habit.pk, submission.on.isoformat()]))
    expect(page.locator("#capture-sent")).to_contain_text("In peer review")
    expect(page.locator("#capture")).to_have_count(0)


def test_a_face_the_detector_misses_stays_hidden_and_widens(server, camera_page):
    page = camera_page
    open_capture(page, server.url, "tracker@example.com")
    widths = page.evaluate("""async () => {
        const { FaceTracker } = await import("/static/js/verification/faces.js");
        const tracker = new FaceTracker();
        tracker.update([{ x: 100, y: 100, width: 100, height: 100 }]);
        const widths = [tracker.regions(640, 480)[0].width];
        for (let miss = 0; miss < 8; miss += 1) {
            tracker.update([]);
            widths.push(tracker.regions(640, 480)[0].width);
        }
        tracker.update([{ x: 400, y: 100, width: 80, height: 80 }]);  // another face, elsewhere
        return { widths, regions: tracker.regions(640, 480).length, most: tracker.most };
    }""")
    # 25 % margin each side, 10 % more per missed detection, at most 60 % more.
    expected = [150, 170, 190, 210, 230, 250, 270, 270, 270]
    assert all(abs(width - want) <= 1 for width, want in zip(widths["widths"], expected, strict=True))
    assert (widths["regions"], widths["most"]) == (2, 1)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360px", "desktop"])
@pytest.mark.parametrize("color_scheme", ["light", "dark"])
def test_the_page_fits_and_follows_the_colour_scheme(server, camera_browser, viewport, color_scheme):
    page = _page(camera_browser, viewport=viewport, color_scheme=color_scheme)
    open_capture(page, server.url, f"fit-{color_scheme}-{viewport['width']}@example.com")
    no_overflow(page, viewport["width"])
    assert axe_violations(page) == []
    background = page.locator("#capture").evaluate("e => getComputedStyle(e).backgroundColor")
    assert background == ("rgb(26, 24, 48)" if color_scheme == "dark" else "rgb(255, 255, 255)")
    name = f"{viewport['width']}-{color_scheme}"
    shoot(page, f"ready-{name}")
    page.locator("#capture-open").click()
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "live", timeout=SLOW)
    no_overflow(page, viewport["width"])
    assert axe_violations(page) == []
    shoot(page, f"live-{name}")
    page.locator("#capture-take").click()
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "review", timeout=SLOW)
    page.locator("#proof-sha256").locator("xpath=..").locator("summary").click()
    no_overflow(page, viewport["width"])
    assert axe_violations(page) == []
    shoot(page, f"review-{name}")
    page.context.close()


def test_keyboard_only_photo(server, camera_page):
    page = camera_page
    open_capture(page, server.url, "keys@example.com")
    page.get_by_role("radio", name="Photo").focus()
    page.keyboard.press("Tab")  # past the radio group to "Turn on the camera"
    expect(page.locator("#capture-open")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#capture-take")).to_be_focused(timeout=SLOW)
    page.keyboard.press("Enter")
    expect(page.locator("#capture-status")).to_have_attribute("data-state", "review", timeout=SLOW)
    expect(page.locator("#capture-review-title")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # the fingerprint's summary, then Upload
    expect(page.locator("#proof-upload")).to_be_focused()


def shoot(page: Page, name: str) -> None:
    """Screenshots for a person to look at, when CAPTURE_SCREENSHOTS names a folder."""
    folder = os.environ.get("CAPTURE_SCREENSHOTS")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)
