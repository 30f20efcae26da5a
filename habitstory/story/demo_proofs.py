"""The demo's verified habits: its Run asks for proof, it reviews others' proofs (its
account is as old as its history, and its level is past 5), and a neighbour, Sam, has a
proof of a swim waiting in the queue, so the review page has something to show.

The proof's picture is drawn here (a pool's lanes: no face), and goes through the same
checks, stripping and encryption as any upload. Without encryption keys (seed_demo run
outside `make run`) the proof is left out."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from habits import services as habit_services
from habits.models import Habit
from habitstory.accounts.models import User
from habitstory.billing import limits
from verification import services as verification
from verification.media import MediaError

from .verification import Unavailable, submit

NEIGHBOUR_EMAIL = "sam@habitstory.local"


def pool_photo() -> bytes:
    """A swimming pool from above: blue water, white lane ropes, a black lane line."""
    image = Image.new("RGB", (640, 480), (40, 140, 200))
    draw = ImageDraw.Draw(image)
    for x in range(0, 640, 128):
        draw.rectangle([x, 0, x + 6, 480], fill=(245, 245, 245))
        draw.rectangle([x + 60, 20, x + 68, 460], fill=(20, 30, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def seed_proofs(demo: User, today: dt.date, now: dt.datetime, history_days: int) -> None:
    with limits.lifted():  # the demo's seeding: no plan limits (Sam's habit and proof)
        _seed_proofs(demo, today, now, history_days)


def _seed_proofs(demo: User, today: dt.date, now: dt.datetime, history_days: int) -> None:
    demo.date_joined = now - dt.timedelta(days=history_days)
    demo.save(update_fields=["date_joined"])
    Habit.objects.filter(user=demo, name="Run").update(requires_verification=True)
    if verification.eligibility(demo, now) is None:
        verification.opt_in(demo, now)
    sam = User.objects.filter(email=NEIGHBOUR_EMAIL).first()
    if sam is None:
        sam = User.objects.create_user(NEIGHBOUR_EMAIL, None)
        sam.profile.display_name = "Sam"
        sam.profile.timezone = demo.profile.timezone
        sam.profile.save()
    swim = habit_services.save_habit(Habit(user=sam, name="Swim 1 km", requires_verification=True,
                                           start_date=today - dt.timedelta(days=3)))
    data = pool_photo()
    upload = SimpleUploadedFile("pool.jpg", data, "image/jpeg")
    try:
        submit(sam, swim.pk, sam.profile.local_today(now), "photo", upload, hashlib.sha256(data).hexdigest(), faces=0)
    except (Unavailable, MediaError):
        return
