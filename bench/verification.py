"""Verification on the server: what one upload costs (media.prepare: hash, type, length,
metadata stripped, the face backstop; then encryption and storage), and the review queue
with many proofs waiting (one claim's time and queries; reviewers claiming at once).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/h_verify_bench .venv/bin/python bench/verification.py
    .venv/bin/python bench/verification.py      # SQLite (claims are serialised there)

A throwaway test database and a temporary MEDIA_ROOT. The media are made here: a 12 MP
JPEG (4032 × 3024), a 15 s 640 × 480 VP8 + Opus WebM at 30 fps, a 30 s Opus voice clip.
Options: --proofs N (waiting in the queue, default 2000), --reviewers N (default 20).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

import av  # noqa: E402
import numpy as np  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings, setup_test_environment  # noqa: E402
from PIL import Image  # noqa: E402

from habits.models import Habit, Occurrence  # noqa: E402
from habitstory.accounts.models import Profile, User  # noqa: E402
from verification import media, services, storage  # noqa: E402
from verification.models import Submission  # noqa: E402


def photo() -> bytes:
    rng = np.random.default_rng(1)
    pixels = (rng.random((3024, 4032, 3)) * 40 + np.linspace(60, 200, 4032)[None, :, None]).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=85)
    return out.getvalue()


def clip(seconds: int, video: bool) -> bytes:
    out = io.BytesIO()
    with av.open(out, "w", format="webm") as container:
        if video:
            picture = container.add_stream("libvpx", rate=30)
            picture.width, picture.height, picture.pix_fmt = 640, 480, "yuv420p"
        sound = container.add_stream("libopus", rate=48000)
        sound.layout = "mono"
        for n in range(seconds * 30 if video else 0):
            frame = np.full((480, 640, 3), (n * 4) % 255, np.uint8)
            frame[100:380, 200 + n % 100:300 + n % 100] = 240
            for packet in picture.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(48000 * seconds) / 48000)).astype(np.float32)
        for start in range(0, tone.size, 960):
            chunk = av.AudioFrame.from_ndarray(tone[None, start:start + 960], format="flt", layout="mono")
            chunk.sample_rate, chunk.pts, chunk.time_base = 48000, start, Fraction(1, 48000)
            for packet in sound.encode(chunk):
                container.mux(packet)
        for stream in ([picture] if video else []) + [sound]:
            for packet in stream.encode(None):
                container.mux(packet)
    return out.getvalue()


def time_prepare(name: str, kind: str, data: bytes, runs: int = 3) -> None:
    digest = hashlib.sha256(data).hexdigest()
    times, stored = [], []
    for _ in range(runs):
        start = time.perf_counter()
        prepared = media.prepare(SimpleUploadedFile("proof", data), kind, digest)
        middle = time.perf_counter()
        storage.save(prepared)
        stored.append(time.perf_counter() - middle)
        times.append(middle - start)
    print(f"{name:34} {len(data) / 2**20:6.1f} MB  prepare {statistics.median(times) * 1000:7.0f} ms  "
          f"encrypt+store {statistics.median(stored) * 1000:5.0f} ms")


def queue(proofs: int, reviewers: int) -> None:
    today = dt.date.today()
    owners = [User.objects.create_user(f"owner{n}@bench.local", None) for n in range(50)]
    habits = Habit.objects.bulk_create(Habit(user=o, name="Run", start_date=today) for o in owners)
    days = Occurrence.objects.bulk_create(
        Occurrence(habit=habits[n % 50], on=today - dt.timedelta(days=n // 50), status="done", xp_cycle=1)
        for n in range(proofs))
    Submission.objects.bulk_create(
        Submission(user_id=d.habit.user_id, occurrence=d, habit=d.habit, on=d.on, cycle=1, kind="photo", claim="Run",
                   media=f"verification/bench-{n}.bin", content_type="image/jpeg", size=1, sha256="0" * 64,
                   stored_sha256="0" * 64, key_id="bench") for n, d in enumerate(days))
    people = [User.objects.create_user(f"reviewer{n}@bench.local", None) for n in range(reviewers)]
    User.objects.filter(pk__in=[p.pk for p in people]).update(date_joined=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    Profile.objects.filter(user__in=people).update(level=10, xp_total=5000)
    for person in people:
        services.opt_in(User.objects.get(pk=person.pk))
    one = User.objects.get(pk=people[0].pk)
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        services.claim_next(one)
        took = time.perf_counter() - start
    print(f"claim_next with {proofs} waiting: {took * 1000:.1f} ms, {len(queries)} queries")
    got, errors, barrier = [], [], threading.Barrier(reviewers - 1)

    def claim(person):
        try:
            barrier.wait()
            review = services.claim_next(User.objects.get(pk=person.pk))
            got.append(review.submission_id if review else None)
        except Exception as error:  # noqa: BLE001 - counted below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=claim, args=(person,)) for person in people[1:]]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - start
    print(f"{reviewers - 1} reviewers claiming at once: {took * 1000:.0f} ms for all, "
          f"{len(set(got) - {None})} different proofs, {got.count(None)} none, {len(errors)} errors")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--reviewers", type=int, default=20)
    args = parser.parse_args()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        with tempfile.TemporaryDirectory() as media_root, override_settings(MEDIA_ROOT=media_root):
            print(f"database: {connection.vendor}")
            time_prepare("photo, 12 MP JPEG", "photo", photo())
            time_prepare("video, 15 s 640x480 VP8+Opus", "video", clip(15, video=True))
            time_prepare("voice, 30 s Opus", "audio", clip(30, video=False))
            queue(args.proofs, args.reviewers)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
