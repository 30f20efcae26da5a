from __future__ import annotations

import copy
import csv
import datetime as dt
import gc
import io
import json
import tracemalloc
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


def csv_rows(user) -> list[list[str]]:
    return list(csv.reader(io.StringIO(exports.export_csv(user))))


def test_the_csv_has_a_row_per_habit_per_day_from_its_start_through_today(owner, history):
    rows = csv_rows(owner)
    assert rows[0] == ["habit", "pillar", "date", "status", "value", "unit", "note"]
    days = {name: (TODAY - habit.start_date).days + 1 for name, habit in history.items()}
    assert days == {"read": 93, "run": 58, "water": 31, "coffee": 53}
    assert len(rows) == 1 + sum(days.values())  # not the deleted habit's
    assert [row[0] for row in rows[1:]] == ["Read"] * 93 + ["Run"] * 58 + ["Water"] * 31 + ["Coffee"] * 53
    read_dates = [row[2] for row in rows[1:94]]
    assert read_dates[0] == "2025-12-01" and read_dates[-1] == "2026-03-03"
    assert read_dates == sorted(set(read_dates))


def test_missed_days_are_in_the_csv_with_each_days_status(owner, history):
    Occurrence.objects.filter(habit=history["run"], on=TODAY).update(note="=HYPERLINK(\"x\")")
    Occurrence.objects.filter(habit=history["read"], on=TODAY).update(status="scheduled")
    by_day = {(row[0], row[2]): row for row in csv_rows(owner)[1:]}
    # Nothing logged on a past expected day: missed, as the statistics count it.
    assert by_day["Read", "2025-12-01"] == ["Read", "Mind", "2025-12-01", "missed", "", "", ""]
    assert by_day["Run", "2026-01-05"][3] == "missed"  # a Monday of a Mon/Wed/Fri habit
    assert by_day["Read", "2026-03-02"] == ["Read", "Mind", "2026-03-02", "done", "", "", "felt good"]
    assert by_day["Read", "2026-02-28"][3] == "skipped"  # as logged
    assert by_day["Read", "2026-02-27"][3] == "missed"
    assert by_day["Read", "2026-03-03"][3] == "open"  # today, only scheduled so far
    assert by_day["Run", "2026-01-06"][3] == "unscheduled"  # a Tuesday, nothing logged
    assert by_day["Run", "2026-03-03"] == ["Run", "Health", "2026-03-03", "done", "", "", "'=HYPERLINK(\"x\")"]
    assert by_day["Water", "2026-02-01"] == ["Water", "Health", "2026-02-01", "not_done", "", "glasses", ""]
    assert by_day["Water", "2026-03-03"] == ["Water", "Health", "2026-03-03", "done", "3.50", "glasses", ""]
    assert by_day["Coffee", "2026-01-11"][3] == "unscheduled"  # every other day from the 10th
    assert by_day["Coffee", "2026-02-03"] == ["Coffee", "", "2026-02-03", "paused", "", "cups", ""]
    # A day logged while paused is paused (the statistics ignore it); what was logged stays.
    assert by_day["Coffee", "2026-03-02"] == ["Coffee", "", "2026-03-02", "paused", "1.00", "cups", "felt good"]
    assert by_day["Coffee", "2026-02-27"] == ["Coffee", "", "2026-02-27", "missed", "1.00", "cups", ""]


def test_an_at_most_day_reads_as_the_statistics_close_it(owner, history):
    """Loop's rule (docs/rules.md): no entry is 0, so a past day at or under the limit is
    done and one over it missed; today, with nothing logged, is still open."""
    coffee = history["coffee"]
    coffee.pauses, coffee.status = [], "active"
    coffee.save()
    Occurrence.objects.create(habit=coffee, on=d("2026-01-12"), status="scheduled", value=Decimal("3.00"))
    Occurrence.objects.filter(habit=coffee, on=TODAY).delete()
    by_day = {row[2]: row[3:5] for row in csv_rows(owner)[1:] if row[0] == "Coffee"}
    assert by_day["2026-01-10"] == ["done", ""]  # nothing logged: 0 cups
    assert by_day["2026-01-12"] == ["missed", "3.00"]  # over 2.50
    assert by_day["2026-01-11"] == ["unscheduled", ""]
    assert by_day["2026-03-03"] == ["open", ""]


def test_the_csv_runs_through_the_users_local_today(owner, history):
    owner.profile.timezone = "Pacific/Auckland"  # 01:00 on 4 March there
    owner.profile.save()
    rows = csv_rows(owner)
    assert [row[2:4] for row in rows if row[0] == "Read"][-2:] == [["2026-03-03", "done"], ["2026-03-04", "open"]]


def test_the_csv_counts_what_the_statistics_count(owner, history):
    rows = csv_rows(owner)[1:]
    for habit in history.values():
        recompute.refresh_stats(habit, TODAY)
        habit.refresh_from_db()
        statuses = [row[3] for row in rows if row[0] == habit.name]
        assert statuses.count("done") == habit.total_done, habit.name
        assert statuses.count("skipped") == habit.total_skipped, habit.name
    read = history["read"]
    trailing = 0
    for status in reversed([row[3] for row in rows if row[0] == "Read"][:-1]):  # before today
        if status == "done":
            break
        trailing += status == "missed"
    assert trailing == read.consecutive_misses


def test_the_csv_keeps_memory_flat_however_many_habits(owner, stranger):
    """Streaming 20 habits of two years each peaks no higher than 4 of them: a habit's
    history is let go before the next is read."""
    def peak(user, habits: int) -> int:
        for i in range(habits):
            habit = Habit.objects.create(user=user, name=f"Habit {i}", start_date=TODAY - 729 * DAY)
            Occurrence.objects.bulk_create(
                Occurrence(habit=habit, on=TODAY - k * DAY, status="done" if k % 3 else "skipped", note="a note")
                for k in range(730)
            )
        user = type(user).objects.select_related("profile").get(pk=user.pk)
        gc.collect()  # both measurements start with no garbage left by earlier tests
        tracemalloc.start()
        rows = sum(1 for _ in exports.iter_csv(user))
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert rows == 1 + habits * 730
        return top

    few, many = peak(owner, 4), peak(stranger, 20)
    assert many < few * 1.3, (few, many)


def test_the_csv_reads_one_habit_at_a_time(owner, history):
    """Lazy: the header and the first habit's rows come after two queries (the habits, the
    first one's days); each further habit costs one query."""
    owner = type(owner).objects.select_related("profile").get(pk=owner.pk)
    lines = exports.iter_csv(owner)
    with CaptureQueriesContext(connection) as first:
        for _ in range(1 + 93):
            next(lines)
    assert len(first) == 2
    with CaptureQueriesContext(connection) as rest:
        assert len(list(lines)) == 58 + 31 + 53
    assert len(rest) == 3


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
