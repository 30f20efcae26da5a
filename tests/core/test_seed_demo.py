from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.management import call_command

from gamification.models import Pet, XPEvent
from gamification.rules import level_for
from habits.models import Habit, Occurrence
from habitstory.accounts.models import User
from habitstory.insights import registry

pytestmark = pytest.mark.django_db


def test_it_creates_the_demo_account_with_90_days_of_history(time_machine, capsys):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC))
    call_command("seed_demo")
    demo = User.objects.get(email=settings.DEMO_EMAIL)
    assert demo.emailaddress_set.get().verified
    habits = Habit.objects.filter(user=demo)
    assert habits.count() >= 5
    days = Occurrence.objects.filter(habit__user=demo).dates("on", "day")
    assert days.first() == dt.date(2026, 8, 25)
    assert days.last() == dt.date(2026, 11, 22)
    done = Occurrence.objects.filter(habit__user=demo, status="done").count()
    assert 250 < done < 450
    staff = User.objects.get(email=settings.STAFF_EMAIL)
    assert staff.is_staff and staff.is_superuser
    assert f"{settings.DEMO_EMAIL} / {settings.DEMO_PASSWORD}" in capsys.readouterr().out


def test_it_is_idempotent():
    call_command("seed_demo")
    counts = (User.objects.count(), Habit.objects.count(), Occurrence.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Habit.objects.count(), Occurrence.objects.count()) == counts


def test_the_demo_is_served_its_own_models_once_seeded(settings, tmp_path, django_capture_on_commit_callbacks):
    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
    demo = User.objects.get(email=settings.DEMO_EMAIL)
    served = {kind: registry.champion(demo, kind) for kind in ("mood", "energy", "completion")}
    assert all(version is not None and version.user_id == demo.pk for version in served.values())


def test_the_demo_and_staff_logins_work(client):
    call_command("seed_demo")
    assert client.login(email=settings.DEMO_EMAIL, password=settings.DEMO_PASSWORD)
    assert client.get("/").status_code == 200
    client.logout()
    assert client.login(email=settings.STAFF_EMAIL, password=settings.STAFF_PASSWORD)
    assert client.get("/admin/").status_code == 200


def test_the_demo_pets_history_is_the_story_of_its_xp(time_machine):
    """It arrived with the history, 90 days ago, and grew as the ledger's XP did: each
    level and stage on the day the XP reached it. Its mood is the last 7 days'."""
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=dt.UTC), tick=False)
    call_command("seed_demo")
    demo = User.objects.get(email=settings.DEMO_EMAIL)
    pet = Pet.objects.get(user=demo)
    assert pet.created_at.date() == dt.date(2026, 8, 25)
    assert pet.stage not in ("egg", "hatchling") and pet.mood not in ("new", "okay")
    events = list(pet.events.order_by("created_at", "id"))
    assert events[0].kind == "hatched" and events[0].detail == "Pip arrived as an egg."
    assert events[0].created_at.date() == dt.date(2026, 8, 25)
    stages = [event.detail for event in events if event.kind == "stage"]
    assert stages[:2] == ["Pip became hatchling.", "Pip became young."]
    levels = [int(event.detail.split()[-1].rstrip(".")) for event in events if event.kind == "level_up"]
    assert levels == list(range(2, pet.level + 1))
    # Each on the day the running total of the ledger reached it.
    running, reached = 0, {}
    for day, amount in XPEvent.objects.filter(user=demo).order_by("on", "id").values_list("on", "amount"):
        before = level_for(running)[0]
        running += amount
        for level in range(before + 1, level_for(running)[0] + 1):
            reached[level] = day
    level_days = {int(e.detail.split()[-1].rstrip(".")): e.created_at.astimezone(ZoneInfo("Europe/London")).date()
                  for e in events if e.kind == "level_up"}
    assert level_days == reached
    assert len({e.created_at.date() for e in events}) > 3  # spread over the 90 days, not all now
    assert events[-1].kind == "mood"  # the mood of its last 7 days, told today


def test_the_demo_has_quests_a_user_would_have(client):
    from quests import graph
    from quests.models import Quest

    call_command("seed_demo")
    demo = User.objects.get(email=settings.DEMO_EMAIL)
    quests = {quest.title: quest for quest in Quest.objects.filter(user=demo)}
    race = quests["Run a 10k race"]
    assert race.status == "active" and race.objectives.filter(kind="habit_count", habit__name="Run").exists()
    assert race.objectives.get(text="Pick a race").done
    # A chain: each waits for the one before.
    assert graph.waiting_for(quests["Edit the post"]) == [quests["Write the blog post"]]
    assert graph.is_locked(quests["Publish the post"]) and not graph.is_locked(quests["Write the blog post"])
    done = quests["Fix the bike's brakes"]
    assert done.status == "done"
    assert XPEvent.objects.filter(user=demo, source=f"quest:{done.pk}:1", reason="quest_completed").count() == 1
    client.force_login(demo)
    assert client.get("/quests/").status_code == 200
