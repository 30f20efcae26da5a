"""The demo account can try verification at once: its Run asks for proof, it may review,
and a neighbour's proof waits in its queue."""

from __future__ import annotations

import pytest
from django.conf import settings

from habits.models import Habit
from habitstory.accounts.models import User
from habitstory.story.demo import seed_demo
from verification import services, storage

pytestmark = pytest.mark.django_db


def test_the_demo_reviews_a_neighbours_proof(settings_media):
    seed_demo()
    demo = User.objects.get(email=settings.DEMO_EMAIL)
    assert Habit.objects.get(user=demo, name="Run").requires_verification
    assert services.why_no_work(demo) is None
    review = services.claim_next(demo)
    assert review is not None and review.submission.claim == "Swim 1 km"
    assert services.can_view_media(demo, review.submission)
    assert storage.read(review.submission.media)[:2] == b"\xff\xd8"  # the JPEG, decrypted


@pytest.fixture
def settings_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
