"""No page or fragment renders {% csrf_token %} without a token: with DEBUG on, Django
warns ("A {% csrf_token %} was used in a template, but the context did not provide the
value") and the form inside would be refused. A walk over the pages of the demo account, a
tick by htmx and without JavaScript (whose rows also go to the other tabs), a skip, an
undo and an amount, each with that warning made an error."""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.test import override_settings

from goals.models import Goal
from habits.models import Habit
from habitstory.accounts.models import User
from habitstory.story.demo import seed_demo

pytestmark = pytest.mark.django_db


@contextmanager
def csrf_warnings_fail():
    with override_settings(DEBUG=True), warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"A \{% csrf_token %\} was used")
        yield


@pytest.fixture
def demo_client(client):
    seed_demo()
    demo = User.objects.get(email=settings.DEMO_EMAIL)
    client.force_login(demo)
    client.demo = demo
    return client


def test_no_page_or_fragment_renders_a_csrf_tag_without_its_token(demo_client):
    demo = demo_client.demo
    habit = Habit.objects.filter(user=demo).first()
    goal = Goal.objects.filter(user=demo).first()
    today = demo.profile.local_today().isoformat()
    pages = [
        "/", "/habits/", f"/habits/{habit.pk}/", f"/habits/{habit.pk}/day/{today}/", "/habits/new/",
        f"/habits/{habit.pk}/edit/", "/habits/dashboard/", "/habits/pillars/", "/habits/import/", "/habits/deleted/",
        "/goals/", f"/goals/{goal.pk}/", "/goals/new/", f"/goals/{goal.pk}/edit/", "/quests/",
        "/rewards/achievements/", "/rewards/pet/", "/rewards/leaderboard/", "/profile/", "/profile/tokens/",
        "/inbox/",
    ]
    with csrf_warnings_fail():
        for url in pages:
            assert demo_client.get(url).status_code == 200, url
    yes_no = Habit.objects.get(user=demo, name="Read 20 pages")
    water = Habit.objects.get(user=demo, name="Drink water")
    htmx = {"HTTP_HX_REQUEST": "true"}
    with csrf_warnings_fail():
        for action in ("done", "undo", "skip", "undo"):
            assert demo_client.post(f"/habits/{yes_no.pk}/log/{today}/", {"action": action}, **htmx).status_code == 200
        assert demo_client.post(f"/habits/{yes_no.pk}/log/{today}/", {"action": "done"}).status_code == 302
        assert demo_client.post(f"/habits/{water.pk}/log/{today}/", {"action": "plus"}, **htmx).status_code == 200
