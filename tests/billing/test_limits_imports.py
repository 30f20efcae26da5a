"""The Free plan's limits on an import: the file's new pillars and new active habits are
counted before anything is written; past a limit nothing is imported (no pillar, habit or
day) and the page says which limit, with the upgrade link. Habits matched by name and
start date, and paused or archived ones, take no room; Premium and billing off import all."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from habits import imports, services
from habits.models import Habit, Occurrence, Pillar
from habitstory.billing import limits
from habitstory.billing.limits import PlanLimitReached
from habitstory.billing.models import Kind

from .free_limits import seeded_limits, set_limit  # noqa: F401 - autouse

pytestmark = pytest.mark.django_db
START = "2026-01-05"



def export(names: list[str], *, pillar: str | None = None, status: str = "active", pillars=()) -> dict:
    return {"format": "habitstory.habits", "version": 1,
            "pillars": [{"name": name} for name in pillars],
            "habits": [{"name": name, "pillar": pillar, "schedule": {"kind": "daily"}, "start_date": START,
                        "status": status, "occurrences": [{"date": START, "status": "done"}]} for name in names]}


def nothing_written(user, pillars_before: int = 0, habits_before: int = 0) -> bool:
    return (Pillar.objects.filter(user=user).count() == pillars_before
            and Habit.objects.filter(user=user).count() == habits_before
            and not Occurrence.objects.filter(habit__user=user, on=dt.date.fromisoformat(START)).exists())


def test_too_many_new_active_habits_import_nothing(billing_on, owner):
    set_limit(Kind.HABITS, 3)
    with pytest.raises(PlanLimitReached) as refused:
        imports.import_json(owner, export(["A", "B", "C", "D"], pillar="Outdoors"))
    assert refused.value.details == {"limit": 3, "used": 0, "kind": "habits"}
    assert nothing_written(owner)  # not even the pillar the habits named


def test_too_many_new_pillars_import_nothing(billing_on, owner):
    with pytest.raises(PlanLimitReached) as refused:
        imports.import_json(owner, export(["A"], pillar="Outdoors", pillars=["Health", "Mind", "Craft"]))
    assert refused.value.details == {"limit": 3, "used": 0, "kind": "pillars"}
    assert nothing_written(owner)


def test_matched_habits_and_paused_ones_take_no_room(billing_on, owner):
    set_limit(Kind.HABITS, 2)
    imports.import_json(owner, export(["A", "B"]))
    summary = imports.import_json(owner, export(["A", "B"]))  # the same file again: matched
    assert summary["habits_matched"] == 2 and summary["habits_created"] == 0
    summary = imports.import_json(owner, export(["C", "D", "E"], status="paused"))
    assert summary["habits_created"] == 3
    assert Habit.objects.filter(user=owner, status="active").count() == 2


def test_the_import_page_says_which_limit_and_keeps_nothing(billing_on, owner_client, owner):
    set_limit(Kind.HABITS, 1)
    start = timezone.localdate() - dt.timedelta(days=3)
    with limits.lifted():
        services.save_habit(Habit(user=owner, name="Mine", start_date=start))
    upload = SimpleUploadedFile("export.json", json.dumps(export(["A", "B"])).encode())
    response = owner_client.post("/habits/import/", {"file": upload})
    html = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in html
    assert "Nothing was imported. The Free plan allows 1 active habit; you have 1." in html
    assert 'href="/billing/pricing/"' in html
    assert nothing_written(owner, habits_before=1)


def test_premium_and_billing_off_import_everything(settings, billing_on, owner, stranger, make_premium):
    make_premium(owner)
    data = export([f"Habit {n}" for n in range(12)], pillars=["P1", "P2", "P3", "P4"])
    assert imports.import_json(owner, data)["habits_created"] == 12
    settings.STRIPE_SECRET_KEY = ""  # billing off
    assert imports.import_json(stranger, data)["habits_created"] == 12
    assert Pillar.objects.filter(user=stranger).count() == 4
