"""A user's habits and their history out, as CSV or as JSON.

The JSON format ("habitstory.habits", version 1) holds everything a user can edit:
pillars, habits with their schedule and target, and every occurrence (date, status,
value, note). Statistics are not in it: they follow from the occurrences. habits.imports
reads such a file back into an account.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from .models import Habit, Occurrence, Pillar

FORMAT = "habitstory.habits"
VERSION = 1
CSV_HEADER = ["habit", "pillar", "date", "status", "value", "unit", "note"]


# --- export ----------------------------------------------------------------------------------


def export_json(user) -> dict:
    """Everything the user can edit about their (not deleted) habits, in three queries."""
    pillars = [
        {"name": p.name, "color": p.color, "icon": p.icon, "position": p.position}
        for p in Pillar.objects.filter(user=user).order_by("position", "id")
    ]
    habits = (
        Habit.objects.for_user(user)
        .select_related("pillar")
        .prefetch_related(Prefetch("occurrences", queryset=Occurrence.objects.order_by("on")))
        .order_by("position", "id")
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": timezone.now().isoformat(),
        "pillars": pillars,
        "habits": [_habit_data(habit) for habit in habits],
    }


def _habit_data(habit: Habit) -> dict:
    return {
        "name": habit.name,
        "pillar": habit.pillar.name if habit.pillar else None,
        "schedule": _schedule_data(habit),
        "start_date": habit.start_date.isoformat(),
        "type": habit.kind,
        "target": _decimal_text(habit.target_value),
        "unit": habit.unit,
        "difficulty": habit.difficulty,
        "priority": habit.priority,
        "reminder_time": habit.reminder_time.strftime("%H:%M") if habit.reminder_time else None,
        "timer_minutes": habit.timer_minutes,
        "requires_verification": habit.requires_verification,
        "notes": habit.notes,
        "status": habit.status,
        "pauses": [[start, end] for start, end in habit.pauses or []],
        "position": habit.position,
        "created_at": habit.created_at.isoformat(),
        "occurrences": [
            {
                "date": occurrence.on.isoformat(),
                "status": occurrence.status,
                "value": _decimal_text(occurrence.value),
                "note": occurrence.note,
            }
            for occurrence in habit.occurrences.all()
        ],
    }


def _schedule_data(habit: Habit) -> dict:
    if habit.schedule == Habit.Schedule.WEEKDAYS:
        return {"kind": "weekdays", "days": sorted(habit.weekdays)}
    if habit.schedule == Habit.Schedule.PER_WEEK:
        return {"kind": "per_week", "times": habit.times_per_week}
    if habit.schedule == Habit.Schedule.EVERY_N_DAYS:
        return {"kind": "every_n_days", "n": habit.every_n_days, "start": habit.start_date.isoformat()}
    return {"kind": "daily"}


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def iter_csv(user) -> Iterator[str]:
    """The CSV export line by line (for a streaming response): a header, then one row per
    occurrence of the user's habits, oldest first within each habit."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(row: list) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        return buffer.getvalue()

    yield line(CSV_HEADER)
    rows = (
        Occurrence.objects.filter(habit__user=user, habit__deleted_at__isnull=True)
        .order_by("habit__position", "habit_id", "on")
        .values_list("habit__name", "habit__pillar__name", "on", "status", "value", "habit__unit", "note")
        .iterator(chunk_size=2000)
    )
    for name, pillar, on, status, value, unit, note in rows:
        amount = _decimal_text(value) or ""
        yield line([_cell(name), _cell(pillar or ""), on.isoformat(), status, amount, _cell(unit), _cell(note)])


def export_csv(user) -> str:
    return "".join(iter_csv(user))


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @ …) is prefixed with a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
