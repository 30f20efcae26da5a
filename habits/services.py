"""Habit rules that change data. Views, the API, commands and (later) the commit step call
these; none of them writes habits or occurrences another way.

Every log goes through `log_occurrence` / `log_value` / `undo_occurrence`: one transaction
that locks the habit, applies the change, and rewrites the habit's statistics from its
occurrences (DESIGN.md §4, computed by habits.stats). Live updates go out after commit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.urls import reverse
from django.utils import timezone

from . import stats
from .models import DELETED_KEPT_DAYS, Habit, Occurrence, Pillar
from .today_cache import touch

DEFAULT_PILLARS = [("Health", "#2f9e6b", "heart"), ("Mind", "#5b4bdb", "brain"), ("Craft", "#d9822b", "hammer")]
STAT_FIELDS = [
    "current_streak", "longest_streak", "total_done", "total_skipped", "consistency", "strength",
    "consecutive_misses", "last_done_on", "at_risk", "failure_rate", "suggested_frequency",
]
MAX_VALUE = Decimal("9999999")
OPEN = (Occurrence.Status.SCHEDULED, Occurrence.Status.PROMPTED, Occurrence.Status.STARTED)


# --- pillars -------------------------------------------------------------------------------

def create_default_pillars(user) -> list[Pillar]:
    if Pillar.objects.filter(user=user).exists():
        return []
    touch(user.pk)
    return Pillar.objects.bulk_create(
        Pillar(user=user, name=name, color=color, icon=icon, position=i)
        for i, (name, color, icon) in enumerate(DEFAULT_PILLARS)
    )


@transaction.atomic
def delete_pillar(pillar: Pillar) -> None:
    """Its habits stay, moved to "Unsorted"."""
    Habit.objects.filter(pillar=pillar).update(pillar=None)
    touch(pillar.user_id)
    pillar.delete()


def move(obj, siblings, direction: str) -> None:
    """Move a pillar or habit one place up or down among `siblings` (same ordering)."""
    ordered = list(siblings.order_by("position", "id"))
    index = next(i for i, item in enumerate(ordered) if item.pk == obj.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered):
        item.position = position
    type(obj).objects.bulk_update(ordered, ["position"])
    touch(obj.user_id)


# --- habits --------------------------------------------------------------------------------

def next_position(user, pillar: Pillar | None) -> int:
    top = Habit.objects.filter(user=user, pillar=pillar).aggregate(top=Max("position"))["top"]
    return 0 if top is None else top + 1


def save_habit(habit: Habit) -> Habit:
    """Validate and save a new or edited habit, then bring its statistics up to date
    (a changed schedule or start date changes them)."""
    habit.full_clean()
    with transaction.atomic():
        if habit.pk is None:
            habit.position = next_position(habit.user, habit.pillar)
        habit.save()
        refresh_stats(habit)
    return habit


def delete_habit(habit: Habit, now: dt.datetime | None = None) -> None:
    habit.deleted_at = now or timezone.now()
    habit.save(update_fields=["deleted_at", "updated_at"])


def restore_habit(habit: Habit) -> None:
    habit.deleted_at = None
    habit.save(update_fields=["deleted_at", "updated_at"])


def purge_deleted(now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - dt.timedelta(days=DELETED_KEPT_DAYS)
    count, _ = Habit.objects.filter(deleted_at__lt=cutoff).delete()
    return count


def set_status(habit: Habit, status: str, today: dt.date | None = None) -> Habit:
    """Pause, resume, archive or unarchive. Paused days are not expected days."""
    today = today or _today(habit)
    pauses = [list(p) for p in (habit.pauses or [])]
    paused_now = bool(pauses) and pauses[-1][1] is None
    if status == Habit.Status.PAUSED and not paused_now:
        pauses.append([today.isoformat(), None])
    elif status != Habit.Status.PAUSED and paused_now:
        start = dt.date.fromisoformat(pauses[-1][0])
        end = today - dt.timedelta(days=1)
        if end < start:
            pauses.pop()  # paused and resumed the same day: nothing was paused
        else:
            pauses[-1][1] = end.isoformat()
    with transaction.atomic():
        habit.status = status
        habit.pauses = pauses
        habit.save(update_fields=["status", "pauses", "updated_at"])
        refresh_stats(habit, today)
    return habit


# --- logging ---------------------------------------------------------------------------------

def _today(habit: Habit) -> dt.date:
    return habit.user.profile.local_today()


def _check_day(habit: Habit, on: dt.date, today: dt.date) -> None:
    if on > today:
        raise ValidationError({"date": f"{on:%-d %B %Y} has not happened yet."})
    if on < habit.start_date:
        raise ValidationError(
            {"date": f"{habit.name} starts on {habit.start_date:%-d %B %Y}; {on:%-d %B %Y} is before that."}
        )


def _clean_value(habit: Habit, value) -> Decimal | None:
    if value is None or value == "":
        return None
    if not habit.is_measurable:
        raise ValidationError({"value": "Only measurable habits take a value."})
    try:
        value = Decimal(str(value))
    except ArithmeticError:
        raise ValidationError({"value": "Enter a number."}) from None
    if not value.is_finite() or value < 0 or value > MAX_VALUE:
        raise ValidationError({"value": "Enter a number from 0 to 9,999,999."})
    return value.quantize(Decimal("0.01"))


def _lock(habit: Habit) -> Habit:
    """The habit's row, locked; its owner (and profile) carried over when already loaded."""
    owner = habit.user if Habit.user.is_cached(habit) else None
    locked = Habit.objects.select_for_update(of=("self",))
    locked = locked.get(pk=habit.pk) if owner is not None else locked.select_related("user__profile").get(pk=habit.pk)
    if owner is not None:
        locked.user = owner
    return locked


@contextmanager
def _changing_day(habit: Habit, on: dt.date, today: dt.date) -> Iterator[tuple[Habit, Occurrence]]:
    """One transaction around a change to a day: lock the habit (its stats are rewritten)
    and the day's occurrence, let the caller change it, save it, rewrite the stats. (The
    commit step, gamification.services.commit, wraps this and tells the other tabs.)"""
    # No savepoint when the commit step's transaction is already open: a failure here
    # aborts the whole commit anyway.
    with transaction.atomic(savepoint=False):
        habit = _lock(habit)
        # The habit's lock serialises changes to its days, so the day's row can be read
        # (locked) and created without get_or_create's savepoint.
        occurrence = Occurrence.objects.select_for_update().filter(habit=habit, on=on).first()
        before = (occurrence.status, occurrence.value) if occurrence else None
        if occurrence is None:
            occurrence = Occurrence(habit=habit, on=on)
        occurrence.habit = habit
        yield habit, occurrence
        occurrence.before = before  # (status, value) before this change, for the commit step
        occurrence.save()
        refresh_stats(habit, today)


def log_occurrence(
    habit: Habit,
    on: dt.date,
    status: str,
    *,
    value=None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Occurrence:
    """Mark the habit done, skipped or started on a day. Idempotent: the same call twice
    leaves one occurrence in the same state. Backfilling a past day is allowed."""
    if status not in (Occurrence.Status.DONE, Occurrence.Status.SKIPPED, Occurrence.Status.STARTED):
        raise ValidationError({"status": "Status must be done or skipped."})
    now = now or timezone.now()
    today = habit.user.profile.local_today(now)
    _check_day(habit, on, today)
    value = _clean_value(habit, value)
    if status == Occurrence.Status.STARTED and on != today:
        raise ValidationError({"status": "A timer can only be started today."})
    with _changing_day(habit, on, today) as (habit, occurrence):
        occurrence.status = status
        if status == Occurrence.Status.STARTED:
            occurrence.started_at = occurrence.started_at or now
        elif status == Occurrence.Status.DONE:
            occurrence.completed_at = occurrence.completed_at or now
            if habit.is_measurable and value is None and occurrence.value is None:
                value = habit.target_value  # "done" on a measurable habit means the target was met
        else:
            occurrence.completed_at = None
        if value is not None:
            occurrence.value = value
        if note is not None:
            occurrence.note = note.strip()
    return occurrence


def log_value(
    habit: Habit, on: dt.date, value, *, note: str | None = None, now: dt.datetime | None = None
) -> Occurrence:
    """Record a measured amount; the day is done when it meets the target."""
    if not habit.is_measurable:
        raise ValidationError({"value": "Only measurable habits take a value."})
    now = now or timezone.now()
    today = habit.user.profile.local_today(now)
    _check_day(habit, on, today)
    value = _clean_value(habit, value)
    if value is None:
        raise ValidationError({"value": "Enter a number."})
    with _changing_day(habit, on, today) as (habit, occurrence):
        occurrence.value = value
        if habit.meets_target(value):
            occurrence.status = Occurrence.Status.DONE
            occurrence.completed_at = occurrence.completed_at or now
        else:
            # Under an "at least" target the day is still open today and missed after;
            # over an "at most" limit it is missed.
            over_limit = habit.kind == Habit.Kind.AT_MOST
            occurrence.status = (
                Occurrence.Status.MISSED if over_limit or on < today else Occurrence.Status.SCHEDULED
            )
            occurrence.completed_at = None
        if note is not None:
            occurrence.note = note.strip()
    return occurrence


def adjust_value(habit: Habit, on: dt.date, delta, *, now: dt.datetime | None = None) -> Occurrence:
    """The +/− buttons: add `delta` to the day's amount (never below 0)."""
    current = Occurrence.objects.filter(habit=habit, on=on).values_list("value", flat=True).first()
    value = max(Decimal(0), (current or Decimal(0)) + Decimal(str(delta)))
    return log_value(habit, on, value, now=now)


def undo_occurrence(habit: Habit, on: dt.date, *, now: dt.datetime | None = None) -> Occurrence | None:
    """Take back a log: the day is open again (a past open day counts as missed).
    Idempotent; the note is kept."""
    now = now or timezone.now()
    today = habit.user.profile.local_today(now)
    _check_day(habit, on, today)
    with transaction.atomic(savepoint=False):
        habit = _lock(habit)
        occurrence = Occurrence.objects.select_for_update().filter(habit=habit, on=on).first()
        if occurrence is None:
            return None
        occurrence.before = (occurrence.status, occurrence.value)
        occurrence.habit = habit
        occurrence.status = Occurrence.Status.SCHEDULED
        occurrence.value = None
        occurrence.completed_at = None
        occurrence.started_at = None
        occurrence.save()
        refresh_stats(habit, today)
    return occurrence


def set_note(habit: Habit, on: dt.date, note: str, *, now: dt.datetime | None = None) -> Occurrence:
    today = habit.user.profile.local_today(now)
    _check_day(habit, on, today)
    occurrence, _ = Occurrence.objects.get_or_create(habit=habit, on=on)
    occurrence.note = note.strip()
    occurrence.save(update_fields=["note", "updated_at"])
    return occurrence


# --- statistics --------------------------------------------------------------------------------

def entries_of(occurrences: Iterable[tuple]) -> list[stats.Entry]:
    return [stats.Entry(on=on, status=status, value=value) for on, status, value in occurrences]


def compute(habit: Habit, today: dt.date, entries: list[stats.Entry]) -> stats.Stats:
    week_start = habit.user.profile.week_start
    return stats.compute_stats(habit.schedule_spec(week_start), entries, today, habit.measure)


def apply_stats(habit: Habit, result: stats.Stats) -> None:
    for name in STAT_FIELDS:
        setattr(habit, name, getattr(result, name))


def refresh_stats(habit: Habit, today: dt.date | None = None) -> stats.Stats:
    """Rewrite one habit's statistics from its occurrences."""
    today = today or _today(habit)
    rows = Occurrence.objects.filter(habit=habit).values_list("on", "status", "value")
    result = compute(habit, today, entries_of(rows))
    apply_stats(habit, result)
    Habit.objects.filter(pk=habit.pk).update(**{name: getattr(habit, name) for name in STAT_FIELDS})
    touch(habit.user_id)
    return result


def recompute_stats(habits, *, batch_size: int = 500, progress=None) -> int:
    """Recompute many habits set-based: per batch, one query for the habits, one for all
    their occurrences, one bulk update. Idempotent. Returns how many were recomputed."""
    ids = list(habits.order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), batch_size):
        batch_ids = ids[start : start + batch_size]
        batch = list(Habit.objects.filter(pk__in=batch_ids).select_related("user__profile"))
        by_habit: dict[int, list[stats.Entry]] = defaultdict(list)
        for habit_id, on, status, value in Occurrence.objects.filter(habit_id__in=batch_ids).values_list(
            "habit_id", "on", "status", "value"
        ):
            by_habit[habit_id].append(stats.Entry(on=on, status=status, value=value))
        for habit in batch:
            apply_stats(habit, compute(habit, habit.user.profile.local_today(), by_habit[habit.pk]))
        Habit.objects.bulk_update(batch, STAT_FIELDS, batch_size=batch_size)
        touch(*(habit.user_id for habit in batch))
        done += len(batch)
        if progress:
            progress(done, len(ids))
    return done


def suggestions_for(habit: Habit, today: dt.date | None = None) -> list[tuple[str, str]]:
    today = today or _today(habit)
    rows = Occurrence.objects.filter(habit=habit).values_list("on", "status", "value")
    return compute(habit, today, entries_of(rows)).suggestions


def apply_suggestion(habit: Habit, code: str) -> Habit:
    """One-click "apply" for an adaptive suggestion."""
    if code == "easier_difficulty":
        easier = {Habit.Difficulty.HARD: Habit.Difficulty.MEDIUM, Habit.Difficulty.MEDIUM: Habit.Difficulty.EASY}
        habit.difficulty = easier.get(habit.difficulty, habit.difficulty)
    elif code == "lower_frequency":
        times = max(1, round((habit.suggested_frequency or 0) * 7))
        habit.schedule = Habit.Schedule.PER_WEEK
        habit.times_per_week = min(times, 6)
    elif code == "smaller_target":
        if habit.is_measurable and habit.kind == Habit.Kind.AT_LEAST and habit.target_value:
            habit.target_value = max(Decimal(1), (habit.target_value * Decimal("0.75")).quantize(Decimal(1)))
        elif habit.timer_minutes:
            habit.timer_minutes = max(1, round(habit.timer_minutes * 0.75))
        else:
            raise ValidationError({"code": "This habit has no target or timer to make smaller."})
    else:
        raise ValidationError({"code": f"Unknown suggestion {code!r}."})
    return save_habit(habit)


# --- the Today page -------------------------------------------------------------------------------

@dataclass
class TodayRow:
    habit: Habit
    occurrence: Occurrence | None
    week_done: int = 0  # N per week: done this week so far
    log_url: str = ""
    detail_url: str = ""

    @property
    def status(self) -> str:
        return self.occurrence.status if self.occurrence else Occurrence.Status.SCHEDULED

    @property
    def is_done(self) -> bool:
        return self.status == Occurrence.Status.DONE

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def value(self) -> Decimal:
        return (self.occurrence.value if self.occurrence else None) or Decimal(0)


def week_bounds(day: dt.date, week_start: int) -> tuple[dt.date, dt.date]:
    start = day - dt.timedelta(days=(day.weekday() - week_start) % 7)
    return start, start + dt.timedelta(days=6)


OCCURRENCE_COLUMNS = ("id", "habit_id", "on", "status", "value", "started_at", "updated_at")


@dataclass
class Recent:
    """A user's active habits and their occurrences of the last 7 days, read once (two
    queries): enough for Today's rows (this week's counts included: a week started at
    most 6 days ago) and for the pet's mood."""

    day: dt.date
    habits: list[Habit]
    occurrences: list[tuple]  # OCCURRENCE_COLUMNS


def recent(user, day: dt.date) -> Recent:
    habits = list(
        Habit.objects.for_user(user)
        .filter(status=Habit.Status.ACTIVE)
        .select_related("pillar")
        .only(*TODAY_FIELDS)
        .order_by(F("pillar__position").asc(nulls_last=True), "pillar_id", "position", "id")
    )
    occurrences = list(
        Occurrence.objects.filter(habit__in=habits, on__range=(day - dt.timedelta(days=6), day))
        .values_list(*OCCURRENCE_COLUMNS)
    )
    return Recent(day, habits, occurrences)


def _rows(user, habits: list[Habit], day: dt.date, occurrence_rows: list[tuple] | None = None) -> list[TodayRow]:
    """Today's rows for these habits: this week's occurrences give both today's state and
    the N-per-week counts (one query, or none when `occurrence_rows` are given)."""
    week_start, _ = week_bounds(day, user.profile.week_start)
    occurrences: dict[int, Occurrence] = {}
    week_done: dict[int, int] = defaultdict(int)
    if occurrence_rows is None:
        occurrence_rows = Occurrence.objects.filter(habit__in=habits, on__range=(week_start, day)).values_list(
            *OCCURRENCE_COLUMNS
        )
    for pk, habit_id, on, status, value, started_at, updated_at in occurrence_rows:
        if not week_start <= on <= day:
            continue
        if on == day:
            occurrences[habit_id] = Occurrence(
                id=pk, habit_id=habit_id, on=on, status=status, value=value,
                started_at=started_at, updated_at=updated_at,
            )
        if status == Occurrence.Status.DONE:
            week_done[habit_id] += 1
    # Reversed once per request, not once per row and link: the page has dozens.
    log_url = reverse("habits:log", args=[_PK, day.isoformat()]).replace(str(_PK), "{}")
    detail_url = reverse("habits:detail", args=[_PK]).replace(str(_PK), "{}")
    rows = []
    for habit in habits:
        row = TodayRow(
            habit,
            occurrences.get(habit.pk),
            week_done.get(habit.pk, 0),
            log_url=log_url.format(habit.pk),
            detail_url=detail_url.format(habit.pk),
        )
        if habit.is_per_week:
            # Listed until the week's target is met; a habit done today stays, ticked.
            if row.week_done >= (habit.times_per_week or 1) and not row.is_done and row.is_open:
                continue
        elif not habit.is_scheduled_on(day) and row.occurrence is None:
            continue
        rows.append(row)
    return rows


# What a Today row shows: loading only these keeps the page's cost flat as habits grow.
TODAY_FIELDS = [
    "id", "user_id", "name", "status", "schedule", "weekdays", "times_per_week", "every_n_days",
    "start_date", "pauses", "kind", "target_value", "unit", "timer_minutes", "current_streak",
    "updated_at", "position", "last_done_on", "pillar__id", "pillar__name", "pillar__icon", "pillar__position",
]
_PK = 987654321  # a placeholder id for reversing URL patterns once


def today_rows(user, day: dt.date, snapshot: Recent | None = None) -> list[TodayRow]:
    """The habits due on the user's day, in their order, with the day's state (two
    queries, or none given a snapshot from `recent`)."""
    snapshot = snapshot or recent(user, day)
    return _rows(user, [h for h in snapshot.habits if h.start_date <= day], day, snapshot.occurrences)


def today_row(habit: Habit, day: dt.date) -> TodayRow | None:
    rows = _rows(habit.user, [habit], day)
    if rows:
        return rows[0]
    return TodayRow(
        habit,
        Occurrence.objects.filter(habit=habit, on=day).first(),
        log_url=reverse("habits:log", args=[habit.pk, day.isoformat()]),
        detail_url=reverse("habits:detail", args=[habit.pk]),
    )


def done_today_count(rows: list[TodayRow]) -> int:
    return sum(1 for row in rows if row.is_done)


def day_progress(rows: list[TodayRow]) -> dict:
    """Today's progress card: how many of the day's rows are done."""
    done, total = done_today_count(rows), len(rows)
    return {"done": done, "total": total, "percent": round(100 * done / total) if total else 0}


def pillar_summaries(user, day: dt.date) -> list[dict]:
    """Each pillar's average consistency and today's progress (two queries)."""
    pillars = list(Pillar.objects.filter(user=user).order_by("position", "id"))
    rows = today_rows(user, day)
    summary = {p.pk: {"pillar": p, "due": 0, "done": 0, "consistencies": []} for p in pillars}
    summary[None] = {"pillar": None, "due": 0, "done": 0, "consistencies": []}
    for habit_pillar, consistency in Habit.objects.for_user(user).filter(status=Habit.Status.ACTIVE).values_list(
        "pillar_id", "consistency"
    ):
        if consistency is not None:
            summary[habit_pillar]["consistencies"].append(consistency)
    for row in rows:
        entry = summary[row.habit.pillar_id]
        entry["due"] += 1
        entry["done"] += row.is_done
    result = []
    for key, entry in summary.items():
        values = entry.pop("consistencies")
        entry["consistency"] = round(sum(values) / len(values)) if values else None
        if key is not None or entry["due"]:
            result.append(entry)
    return result


def at_risk_habits(user):
    return Habit.objects.for_user(user).filter(status=Habit.Status.ACTIVE, at_risk=True)


def done_between(user, start: dt.date, end: dt.date) -> int:
    return Occurrence.objects.filter(
        habit__user=user, habit__deleted_at__isnull=True, on__range=(start, end), status=Occurrence.Status.DONE
    ).count()
