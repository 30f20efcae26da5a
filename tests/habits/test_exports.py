from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from habits import exports, imports, recompute
from habits.models import Habit, Occurrence, Pillar

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 3)
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC), tick=False):
        yield


def log(habit: Habit, days: int, *, value=None) -> None:
    """`days` days of history ending today: done, with a skip and a miss now and then."""
    Occurrence.objects.bulk_create(
        Occurrence(
            habit=habit,
            on=TODAY - i * DAY,
            status="skipped" if i % 7 == 3 else "missed" if i % 5 == 4 else "done",
            value=value,
            note="felt good" if i == 1 else "",
        )
        for i in range(days)
    )


@pytest.fixture
def history(owner) -> dict:
    """One habit of each schedule, measurable ones, a pause, notes, a deleted habit."""
    health = Pillar.objects.create(user=owner, name="Health", color="#2f9e6b", icon="heart", position=0)
    mind = Pillar.objects.create(user=owner, name="Mind", color="#5b4bdb", icon="brain", position=1)
    read = Habit.objects.create(
        user=owner, pillar=mind, name="Read", start_date=d("2025-12-01"), reminder_time=dt.time(7, 30),
        notes="Ten pages.", position=0,
    )
    run = Habit.objects.create(
        user=owner, pillar=health, name="Run", start_date=d("2026-01-05"), schedule="weekdays", weekdays=[0, 2, 4],
        difficulty="hard", priority=1, timer_minutes=30, requires_verification=True, position=1,
    )
    water = Habit.objects.create(
        user=owner, pillar=health, name="Water", start_date=d("2026-02-01"), schedule="per_week", times_per_week=3,
        kind="at_least", target_value=Decimal("8.00"), unit="glasses", position=2,
    )
    coffee = Habit.objects.create(
        user=owner, name="Coffee", start_date=d("2026-01-10"), schedule="every_n_days", every_n_days=2,
        kind="at_most", target_value=Decimal("2.50"), unit="cups", status="paused",
        pauses=[["2026-02-01", "2026-02-07"], ["2026-03-01", None]], position=3,
    )
    old = Habit.objects.create(user=owner, name="Old", start_date=d("2025-01-01"), deleted_at=timezone.now())
    log(read, 60)
    log(run, 20)
    log(water, 10, value=Decimal("3.50"))
    log(coffee, 5, value=Decimal("1.00"))
    log(old, 5)
    return {"read": read, "run": run, "water": water, "coffee": coffee}


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def comparable(data: dict) -> dict:
    data = copy.deepcopy(data)
    del data["exported_at"]
    for habit in data["habits"]:
        del habit["created_at"]
    return data


def counts(user) -> tuple[int, int, int]:
    return (
        Pillar.objects.filter(user=user).count(),
        Habit.objects.filter(user=user).count(),
        Occurrence.objects.filter(habit__user=user).count(),
    )


# --- export --------------------------------------------------------------------------------------


def test_it_exports_every_editable_field(owner, history):
    data = exports.export_json(owner)
    json.dumps(data)  # plain JSON values only
    assert (data["format"], data["version"]) == ("habitstory.habits", 1)
    assert data["pillars"] == [
        {"name": "Health", "color": "#2f9e6b", "icon": "heart", "position": 0},
        {"name": "Mind", "color": "#5b4bdb", "icon": "brain", "position": 1},
    ]
    habits = {h["name"]: h for h in data["habits"]}
    assert list(habits) == ["Read", "Run", "Water", "Coffee"]  # not the deleted one
    read = habits["Read"]
    assert {k: v for k, v in read.items() if k not in ("occurrences", "created_at")} == {
        "name": "Read", "pillar": "Mind", "schedule": {"kind": "daily"}, "start_date": "2025-12-01",
        "type": "yes_no", "target": None, "unit": "", "difficulty": "medium", "priority": 2,
        "reminder_time": "07:30", "timer_minutes": None, "requires_verification": False, "notes": "Ten pages.",
        "status": "active", "pauses": [], "position": 0,
    }
    assert len(read["occurrences"]) == 60
    assert read["occurrences"][-2:] == [
        {"date": "2026-03-02", "status": "done", "value": None, "note": "felt good"},
        {"date": "2026-03-03", "status": "done", "value": None, "note": ""},
    ]
    assert habits["Run"]["schedule"] == {"kind": "weekdays", "days": [0, 2, 4]}
    assert habits["Water"]["schedule"] == {"kind": "per_week", "times": 3}
    assert habits["Water"]["target"] == "8.00" and habits["Water"]["occurrences"][0]["value"] == "3.50"
    assert habits["Coffee"]["schedule"] == {"kind": "every_n_days", "n": 2, "start": "2026-01-10"}
    assert habits["Coffee"]["pillar"] is None
    assert habits["Coffee"]["pauses"] == [["2026-02-01", "2026-02-07"], ["2026-03-01", None]]


def test_its_query_count_does_not_grow_with_the_habits(owner, stranger):
    def make(user, n):
        for i in range(n):
            pillar = Pillar.objects.create(user=user, name=f"P{i}")
            log(Habit.objects.create(user=user, pillar=pillar, name=f"H{i}", start_date=d("2026-01-01")), 5)

    make(owner, 2)
    make(stranger, 10)
    with CaptureQueriesContext(connection) as two:
        exports.export_json(owner)
    with CaptureQueriesContext(connection) as ten:
        data = exports.export_json(stranger)
    assert len(data["habits"]) == 10
    assert len(two) == len(ten) == 3


def test_the_csv_has_a_header_and_a_row_per_occurrence(owner, history):
    Occurrence.objects.filter(habit=history["run"], on=TODAY).update(note="=HYPERLINK(\"x\")")
    rows = list(csv.reader(io.StringIO(exports.export_csv(owner))))
    assert rows[0] == ["habit", "pillar", "date", "status", "value", "unit", "note"]
    assert len(rows) == 1 + 60 + 20 + 10 + 5  # not the deleted habit's
    assert rows[1] == ["Read", "Mind", "2026-01-03", "skipped", "", "", ""]
    assert ["Water", "Health", "2026-03-03", "done", "3.50", "glasses", ""] in rows
    assert ["Run", "Health", "2026-03-03", "done", "", "", "'=HYPERLINK(\"x\")"] in rows  # no formula
    assert ["Coffee", "", "2026-02-27", "missed", "1.00", "cups", ""] in rows


# --- import --------------------------------------------------------------------------------------


def test_a_round_trip_gives_the_same_habits(owner, stranger, history):
    data = exports.export_json(owner)
    summary = imports.import_json(stranger, json.loads(json.dumps(data)))
    assert summary == {
        "pillars_created": 2, "habits_created": 4, "habits_matched": 0,
        "occurrences_created": 95, "occurrences_updated": 0,
    }
    assert comparable(exports.export_json(stranger)) == comparable(data)


def test_it_recomputes_the_stats(owner, stranger, history):
    imports.import_json(stranger, exports.export_json(owner))
    read = Habit.objects.get(user=stranger, name="Read")
    recompute.refresh_stats(history["read"], TODAY)
    history["read"].refresh_from_db()
    assert read.total_done == history["read"].total_done > 0
    assert read.current_streak == history["read"].current_streak
    assert read.strength == pytest.approx(history["read"].strength)


def test_importing_twice_duplicates_nothing(owner, stranger, history):
    data = exports.export_json(owner)
    imports.import_json(stranger, data)
    before = counts(stranger)
    summary = imports.import_json(stranger, data)
    assert summary == {
        "pillars_created": 0, "habits_created": 0, "habits_matched": 4,
        "occurrences_created": 0, "occurrences_updated": 0,
    }
    assert counts(stranger) == before


def test_it_upserts_occurrences_by_date(owner, history):
    data = exports.export_json(owner)
    read = data["habits"][0]
    read["occurrences"][-1].update(status="skipped", note="ill")
    read["occurrences"].insert(0, {"date": "2026-01-01", "status": "done", "value": None, "note": ""})
    summary = imports.import_json(owner, data)
    assert (summary["habits_matched"], summary["occurrences_created"], summary["occurrences_updated"]) == (4, 1, 1)
    today = Occurrence.objects.get(habit=history["read"], on=TODAY)
    assert (today.status, today.note) == ("skipped", "ill")
    assert Occurrence.objects.filter(habit=history["read"]).count() == 61


def test_it_creates_a_pillar_a_habit_names(stranger):
    data = {"format": "habitstory.habits", "version": 1, "habits": [
        {"name": "Walk", "pillar": "Outdoors", "schedule": {"kind": "daily"}, "start_date": "2026-03-01"},
    ]}
    summary = imports.import_json(stranger, data)
    assert summary["pillars_created"] == 1 and summary["habits_created"] == 1
    assert Habit.objects.get(user=stranger).pillar.name == "Outdoors"


def break_it(data: dict, change) -> dict:
    data = copy.deepcopy(data)
    change(data)
    return data


def set_path(*path_and_value):
    *path, value = path_and_value

    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


INVALID = [
    (set_path("format", "loop.habits"), "format"),
    (set_path("version", 2), "version"),
    (set_path("habits", 1, "schedule", {"kind": "sometimes"}), "habits[1].schedule"),
    (set_path("habits", 1, "schedule", {"kind": "weekdays", "days": []}), "habits[1].schedule"),
    (set_path("habits", 2, "schedule", {"kind": "per_week", "times": 9}), "habits[2].schedule"),
    (set_path("habits", 3, "schedule", {"kind": "every_n_days", "n": 2, "start": "2026-01-11"}),
     "habits[3].schedule.start"),
    (set_path("habits", 0, "start_date", "2026-02-30"), "habits[0].start_date"),
    (set_path("habits", 0, "occurrences", 0, "date", "03/01/2026"), "habits[0].occurrences[0].date"),
    (set_path("habits", 0, "occurrences", 1, "date", "2026-01-03"), "habits[0].occurrences[1].date"),  # twice
    (set_path("habits", 0, "occurrences", 0, "status", "maybe"), "habits[0].occurrences[0].status"),
    (set_path("habits", 2, "occurrences", 0, "value", "1.234"), "habits[2].occurrences[0].value"),
    (set_path("habits", 2, "target", "lots"), "habits[2].target"),
    (set_path("habits", 2, "target", None), "habits[2].target"),  # a measurable habit needs one
    (set_path("habits", 2, "type", "sometimes"), "habits[2].type"),
    (set_path("habits", 0, "reminder_time", "7pm"), "habits[0].reminder_time"),
    (set_path("habits", 0, "status", "gone"), "habits[0].status"),
    (set_path("habits", 0, "priority", 9), "habits[0].priority"),
    (set_path("habits", 0, "name", ""), "habits[0].name"),
    (set_path("habits", 3, "pauses", [["2026-02-07", "2026-02-01"]]), "habits[3].pauses[0]"),
    (set_path("pillars", 0, "color", "red"), "pillars[0].color"),
    (set_path("habits", "not a list"), "habits"),
]


@pytest.mark.parametrize("change, path", INVALID)
def test_an_invalid_file_imports_nothing(owner, stranger, history, change, path):
    data = break_it(exports.export_json(owner), change)
    with pytest.raises(ValidationError) as caught:
        imports.import_json(stranger, data)
    assert path in caught.value.message_dict, caught.value.message_dict
    assert counts(stranger) == (0, 0, 0)


def test_it_refuses_days_that_have_not_happened_yet(owner, stranger, history):
    data = exports.export_json(owner)
    data["habits"][3]["occurrences"].append({"date": "2026-03-04", "status": "done", "value": None, "note": ""})
    with pytest.raises(ValidationError) as caught:
        imports.import_json(stranger, data)
    assert caught.value.message_dict == {"habits[3].occurrences[5].date": ["4 March 2026 has not happened yet."]}
    assert counts(stranger) == (0, 0, 0)


def test_today_is_the_users_local_day(owner, stranger, history):
    stranger.profile.timezone = "Pacific/Kiritimati"  # UTC+14: already 4 March there
    stranger.profile.save()
    data = exports.export_json(owner)
    data["habits"][0]["occurrences"].append({"date": "2026-03-04", "status": "done", "value": None, "note": ""})
    assert imports.import_json(stranger, data)["occurrences_created"] == 96


def test_a_failure_while_writing_rolls_everything_back(owner, stranger, history, monkeypatch):
    def fail(habits):
        raise RuntimeError("database went away")

    monkeypatch.setattr(recompute, "recompute_stats", fail)
    with pytest.raises(RuntimeError):
        imports.import_json(stranger, exports.export_json(owner))
    assert counts(stranger) == (0, 0, 0)


def test_a_large_import_takes_few_queries(owner, stranger):
    data = {"format": "habitstory.habits", "version": 1, "pillars": [], "habits": [
        {
            "name": f"Habit {i}", "schedule": {"kind": "daily"}, "start_date": "2024-03-04",
            "occurrences": [
                {"date": (TODAY - k * DAY).isoformat(), "status": "done" if k % 3 else "skipped"}
                for k in range(730)
            ],
        }
        for i in range(30)
    ]}
    with CaptureQueriesContext(connection) as queries:
        summary = imports.import_json(stranger, data)
    assert summary["occurrences_created"] == 30 * 730
    assert len(queries) < 30 * 730 / 50  # batches, not a query per day
    assert Habit.objects.get(user=stranger, name="Habit 0").total_done == 486
