"""/habits: list, create, read, change, delete; log a day, undo it, read logs and stats.
Every change goes through habits.services, and a change to a day through the commit step
(habitstory.story.commit)."""

from __future__ import annotations

import contextlib
import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from habits import services
from habits.models import Habit, Occurrence, Pillar
from habits.reminders import snooze_prompt
from habitstory.story.commit import Outcome, commit

from ..auth import user_of
from ..envelope import ApiError, invalid, model_error_details, ok, responses
from ..fields import DayPath, DayText
from ..pagination import Key, Order, cursor_param, limit_param, ok_page, paged, paginate
from ..queries import habit_for, habits_of, stats_of, stats_one
from ..schemas import (
    HABIT_FIELDS,
    HabitIn,
    HabitOut,
    HabitPatch,
    HabitStatus,
    LogIn,
    LogRange,
    LogResult,
    StatsOut,
    habit_data,
    log_data,
    stats_data,
)

router = Router(tags=["habits"])

DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
HABIT_ORDER = Order("habits", Key("position"), Key("id"))
DEFAULT_LOG_DAYS = 30
MAX_LOG_YEARS = 2


def parse_day(value: str | None, field: str) -> dt.date:
    if value and DAY.fullmatch(value):
        with contextlib.suppress(ValueError):  # 2026-02-30 and friends
            return dt.date.fromisoformat(value)
    raise invalid({field: "Use a real date written YYYY-MM-DD."})


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _own_pillar(user, pillar_id: int | None) -> Pillar | None:
    if pillar_id is None:
        return None
    pillar = Pillar.objects.filter(user=user, pk=pillar_id).first()
    if pillar is None:  # a reference to something that is not there (not yours): 404
        raise ApiError(404, details={"pillar": ["Choose one of your pillars, or null for unsorted."]})
    return pillar


def _apply(habit: Habit, data: dict, user) -> None:
    """Copy the fields sent (API names) onto the habit (model names). Validation happens
    in services.save_habit."""
    for field in ("difficulty", "priority", "reminder_time", "timer_minutes", "requires_verification", "notes"):
        if field in data:
            setattr(habit, field, data[field])
    if "name" in data:
        habit.name = data["name"].strip()
    if data.get("start_date") is not None:
        habit.start_date = data["start_date"]
    if "type" in data:
        habit.kind = data["type"]
    if "pillar" in data:
        habit.pillar = _own_pillar(user, data["pillar"])
    if "target" in data:
        target = data["target"]
        habit.target_value = target["value"] if target else None
        habit.unit = (target.get("unit") or "").strip() if target else ""
    if "schedule" in data:
        schedule = data["schedule"]
        habit.schedule = schedule["kind"]
        habit.weekdays = schedule.get("days") or []
        habit.times_per_week = schedule.get("times")
        habit.every_n_days = schedule.get("n")
        start = schedule.get("start")
        if start is not None:
            if schedule["kind"] != Habit.Schedule.EVERY_N_DAYS:
                raise invalid({"schedule.start": "Only an every_n_days schedule takes a start."})
            if data.get("start_date") not in (None, start):
                raise invalid({"schedule.start": "Leave it out, or make it the same as start_date."})
            habit.start_date = start


def _save(habit: Habit, data: dict, status: str | None, today: dt.date) -> None:
    """A new habit, or the changes sent. An active one beyond the Free plan's limit
    (created, resumed or unarchived) is refused: 403 plan_limit (envelope)."""
    try:
        with transaction.atomic():
            if habit.pk is None:
                services.create_habit(habit, status, today)
                return
            if data:
                services.save_habit(habit)
            if status and status != habit.status:
                services.set_status(habit, status, today)
    except ValidationError as error:
        raise invalid(model_error_details(error, HABIT_FIELDS)) from None


def _habit_response(habit: Habit, user, today: dt.date) -> dict:
    habit.refresh_from_db()  # as stored: "8.00", not the "8" that was sent
    habit.user = user
    return ok(habit_data(habit, stats_one(habit, today)))


@router.get("/habits", response=paged(HabitOut), summary="List your habits")
def list_habits(request: HttpRequest, status: HabitStatus | None = None,
                cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Your habits (not the deleted ones), in your order, each with its statistics,
    a page at a time (`meta.next`). Filter with `?status=active|paused|archived`."""
    user = user_of(request)
    today = user.profile.local_today()
    page = paginate(habits_of(user, status), HABIT_ORDER, cursor, limit)
    for habit in page.items:
        habit.user = user  # the profile (time zone, week start) is already loaded
    results = stats_of(page.items, today)
    return ok_page([habit_data(habit, results[habit.pk]) for habit in page.items], page)


@router.post("/habits", response=responses(HabitOut, 201, body=True), summary="Create a habit")
def create_habit(request: HttpRequest, payload: HabitIn):
    """`start_date` defaults to your local today and may be in the past (imports,
    backfills). For an every_n_days schedule, `schedule.start` may stand in for it.
    On the Free plan, an active habit past its limit of active habits is refused: 403
    `plan_limit` with `details` {limit, used, kind} (a paused one is not)."""
    user = user_of(request)
    today = user.profile.local_today()
    habit = Habit(user=user, start_date=today)
    data = payload.model_dump()
    status = data.pop("status")
    _apply(habit, data, user)
    _save(habit, data, status, today)
    return Status(201, _habit_response(habit, user, today))


@router.get("/habits/{int:habit_id}", response=responses(HabitOut), summary="Read a habit")
def read_habit(request: HttpRequest, habit_id: int):
    user = user_of(request)
    habit = habit_for(user, habit_id)
    return ok(habit_data(habit, stats_one(habit, user.profile.local_today())))


@router.patch("/habits/{int:habit_id}", response=responses(HabitOut, body=True), summary="Change a habit")
def update_habit(request: HttpRequest, habit_id: int, payload: HabitPatch):
    """Partial: only the fields sent change; `schedule` and `target` are replaced whole.
    A `status` change pauses, resumes or archives (paused days are not expected days);
    resuming past the Free plan's limit of active habits: 403 `plan_limit`."""
    user = user_of(request)
    today = user.profile.local_today()
    habit = habit_for(user, habit_id)
    data = payload.model_dump(exclude_unset=True)
    status = data.pop("status", None)
    _apply(habit, data, user)
    _save(habit, data, status, today)
    return _habit_response(habit, user, today)


@router.delete("/habits/{int:habit_id}", response=responses(None), summary="Delete a habit")
def delete_habit(request: HttpRequest, habit_id: int):
    """Soft delete: the habit waits 30 days in "Recently deleted" (restorable in the app),
    then is purged. Answers 200 with `data: null`."""
    habit = habit_for(user_of(request), habit_id)
    services.delete_habit(habit)
    return ok(None)


@router.put("/habits/{int:habit_id}/log/{day}", response=responses(LogResult, body=True), summary="Log a day")
def log_day(request: HttpRequest, habit_id: int, day: DayPath, payload: LogIn):
    """Mark the day (YYYY-MM-DD, your local date) done or skipped, with an optional value
    and note; for a measurable habit a value alone records the amount (done when it meets
    the target). Idempotent: sending the same log twice leaves one log. Future days and
    days before the habit's start are refused."""
    user = user_of(request)
    habit = habit_for(user, habit_id)
    on = parse_day(day, "date")
    try:
        if payload.status is not None:
            action = "done" if payload.status == Occurrence.Status.DONE else "skip"
            outcome = commit(habit, on, action, value=payload.value, note=payload.note)
        elif payload.value is not None and habit.is_measurable:
            outcome = commit(habit, on, "value", value=payload.value, note=payload.note)
        else:
            raise invalid({"status": "Send done or skipped (or, for a measurable habit, a value)."})
    except ValidationError as error:
        raise invalid(model_error_details(error)) from None
    return _log_result(outcome, user)


@router.delete("/habits/{int:habit_id}/log/{day}", response=responses(LogResult), summary="Undo a day's log")
def undo_day(request: HttpRequest, habit_id: int, day: DayPath):
    """The day is open again (a past open day counts as missed); the note is kept.
    Idempotent."""
    user = user_of(request)
    habit = habit_for(user, habit_id)
    on = parse_day(day, "date")
    try:
        outcome = commit(habit, on, "undo")
    except ValidationError as error:
        raise invalid(model_error_details(error)) from None
    return _log_result(outcome, user)


def _log_result(outcome: Outcome, user) -> dict:
    """The day as the commit left it, and the statistics from the habit as the commit
    rewrote them (its fold, when a past day changed, is no longer the one read before)."""
    return ok({"log": log_data(outcome.occurrence),
               "stats": stats_data(stats_one(outcome.habit, user.profile.local_today()))})


@router.post("/habits/{int:habit_id}/log/{day}/snooze", response=responses(LogResult), summary="Snooze a prompt")
def snooze_day(request: HttpRequest, habit_id: int, day: DayPath):
    """Put today's prompt off for 30 minutes (the service worker's "Snooze" action): the
    day goes back to scheduled and is prompted again once, 30 minutes from now. Only a
    prompted day can be snoozed (400 otherwise)."""
    user = user_of(request)
    habit = habit_for(user, habit_id)
    on = parse_day(day, "date")
    occurrence = Occurrence.objects.filter(habit=habit, on=on).select_related("habit").first()
    if occurrence is None or not snooze_prompt(occurrence):
        raise invalid({"status": "Only a day that was just prompted can be snoozed."})
    return ok({"log": log_data(occurrence), "stats": stats_data(stats_one(habit, user.profile.local_today()))})


@router.get("/habits/{int:habit_id}/logs", response=responses(LogRange), by_alias=True, summary="A habit's logs")
def list_logs(
    request: HttpRequest,
    habit_id: int,
    from_: DayText = Query(None, alias="from",  # type: ignore[assignment]
                           description="YYYY-MM-DD; default: 29 days before `to`; on or before `to`."),
    to: DayText = Query(None, description="YYYY-MM-DD; default: your local today."),
):
    """The logged days in a range of at most 2 years (days with no log are left out)."""
    user = user_of(request)
    habit = habit_for(user, habit_id)
    end = parse_day(to, "to") if to is not None else user.profile.local_today()
    start = parse_day(from_, "from") if from_ is not None else end - dt.timedelta(days=DEFAULT_LOG_DAYS - 1)
    if start > end:
        raise invalid({"from": "Must be on or before `to`."})
    if start < _years_before(end, MAX_LOG_YEARS):
        raise invalid({"from": f"A range can span at most {MAX_LOG_YEARS} years."})
    occurrences = Occurrence.objects.filter(habit=habit, on__range=(start, end)).order_by("on")
    return ok({"from": start, "to": end, "logs": [log_data(o) for o in occurrences]})


@router.get("/habits/{int:habit_id}/stats", response=responses(StatsOut), summary="A habit's statistics")
def habit_stats(request: HttpRequest, habit_id: int):
    """Streaks, consistency, strength and adaptive suggestions, as of your local today
    (docs/rules.md)."""
    user = user_of(request)
    habit = habit_for(user, habit_id)
    return ok(stats_data(stats_one(habit, user.profile.local_today())))
