"""A user's habits and their history out, as CSV or as JSON.

The JSON format ("habitstory.habits", version 1) holds everything a user can edit:
pillars, habits with their schedule and target, and every occurrence (date, status,
value, note). Statistics are not in it: they follow from the occurrences. habits.imports
reads such a file back into an account.

The CSV is for spreadsheets: one row per habit per day, from the habit's start date
through the user's today, with the day's status as the statistics count it (day_status:
done, skipped, missed, open, paused, unscheduled, not_done) and what was logged.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Prefetch
from django.utils import timezone

from .models import Habit, Occurrence, Pillar
from .stats_values import (
    DONE,
    DONE_CODE,
    MISSED,
    MISSED_CODE,
    OPEN_CODE,
    PER_WEEK,
    SKIPPED,
    SKIPPED_CODE,
    Entry,
    Schedule,
)
from .timeline import Timeline

FORMAT = "habitstory.habits"
VERSION = 1
CSV_HEADER = ["habit", "pillar", "date", "status", "value", "unit", "note"]
CODE_STATUSES = {DONE_CODE: DONE, SKIPPED_CODE: SKIPPED, MISSED_CODE: MISSED}


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


def iter_csv(user, today: dt.date | None = None) -> Iterator[str]:
    """The CSV export line by line (for a streaming response): a header, then one row per
    habit per day, from the habit's start date through the user's today, each with the
    day's status (day_status) and what was logged (value, note). Habits in their list
    order, one at a time: memory holds one habit's history, however many habits there
    are."""
    today = today or user.profile.local_today()
    week_start = user.profile.week_start
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(row: list) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(row)
        return buffer.getvalue()

    yield line(CSV_HEADER)
    habits = Habit.objects.for_user(user).select_related("pillar").order_by("position", "id")
    for habit in habits:
        for row in _habit_days(habit, habit.schedule_spec(week_start), today):
            yield line(row)


def _habit_days(habit: Habit, schedule: Schedule, today: dt.date) -> Iterator[list]:
    """A habit's rows, day by day. Its days are read as habits.stats reads them (a
    Timeline over the habit's occurrences), so a day's status here is the one the
    statistics count."""
    name, pillar, unit = _cell(habit.name), _cell(habit.pillar.name if habit.pillar else ""), _cell(habit.unit)
    logged = {
        on: (status, value, note)
        for on, status, value, note in Occurrence.objects.filter(
            habit=habit, on__range=(habit.start_date, today)
        ).values_list("on", "status", "value", "note")
    }
    entries = [Entry(on=on, status=status, value=value) for on, (status, value, _) in logged.items()]
    timeline = Timeline(schedule, entries, today, habit.measure)
    for i in range(timeline.n):
        day = timeline.date(i)
        _, value, note = logged.get(day, (None, None, ""))
        yield [name, pillar, day.isoformat(), day_status(timeline, i), _decimal_text(value) or "", unit, _cell(note)]


def day_status(timeline: Timeline, i: int) -> str:
    """What day `i` of a habit's timeline was, in the words of the CSV export:

    - paused: a paused day, whatever was logged on it (the statistics ignore it);
    - done, skipped, missed: as the statistics count the day (what was logged, or what
      the day close made of it);
    - open: today, nothing logged yet (or only scheduled, prompted or started);
    - missed: a past expected day left open (the statistics count it as a miss);
    - unscheduled: a past day off the schedule (weekdays, every N days) left open;
    - not_done: "N per week", a past day left open (the week is judged, not the day)."""
    if timeline.paused[i]:
        return "paused"
    code = timeline.status[i]
    if code != OPEN_CODE:
        return CODE_STATUSES[code]
    if i == timeline.n - 1:
        return "open"
    if timeline.schedule.kind == PER_WEEK:
        return "not_done"
    return MISSED if timeline.expected[i] else "unscheduled"


def export_csv(user) -> str:
    return "".join(iter_csv(user))


def _cell(text: str) -> str:
    """Text a spreadsheet would run as a formula (=, +, -, @ …) is prefixed with a quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
