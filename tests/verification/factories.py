"""Proofs and reviewers made without a browser: a tiny faceless JPEG submitted through the
story layer (checked, stripped, encrypted, the day done with its proof pending), and users
old enough and high enough to review. Tests using them set MEDIA_ROOT to a tmp_path."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from habits.models import Habit
from habits.services import save_habit
from habitstory.accounts.models import Profile
from habitstory.story import verification as story
from verification import services
from verification.models import Submission


def jpeg(size: tuple[int, int] = (96, 64)) -> bytes:
    """A plain grey gradient: no face for the backstop to find."""
    image = Image.linear_gradient("L").convert("RGB").resize(size)
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_habit(user, name: str = "Run", start: dt.date | None = None) -> Habit:
    start = start or timezone.localdate() - dt.timedelta(days=30)
    return save_habit(Habit(user=user, name=name, start_date=start, requires_verification=True))


def submit_photo(user, habit: Habit, day: dt.date | None = None) -> Submission:
    data = jpeg()
    upload = SimpleUploadedFile("p.jpg", data, "image/jpeg")
    return story.submit(user, habit.pk, day or user.profile.local_today(), "photo", upload, sha256(data), faces=0)


def make_reviewer(user, *, opt_in: bool = True, level: int = 5, days_old: int = 8):
    """`user` made eligible (an account `days_old` days old, at `level`), opted in."""
    user.date_joined = timezone.now() - dt.timedelta(days=days_old)
    user.save(update_fields=["date_joined"])
    Profile.objects.filter(user=user).update(level=level, xp_total=1000 * level)
    user.profile.refresh_from_db()
    if opt_in:
        services.opt_in(user)
    return user
