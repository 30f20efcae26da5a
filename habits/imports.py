"""A JSON export (habits.exports) read back into an account.

Importing is all or nothing, and idempotent: habits are matched by (name, start date) and
occurrences by date, so the same file twice changes nothing the second time. Statistics
are recomputed after an import.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from habitstory.billing import limits
from habitstory.billing.models import Kind

from . import recompute, services
from .exports import FORMAT, VERSION
from .models import Habit, Occurrence, Pillar

# A file larger than this is refused before anything is read into the database
# (30 habits × 2 years is 21,900 occurrences).
MAX_HABITS = 1_000
MAX_OCCURRENCES = 500_000


# --- reading and checking the file ------------------------------------------------------------

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CLOCK = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
_MISSING = object()
_INVALID = object()

# Habit.full_clean() names model fields; the file names them like this.
_HABIT_PATHS = {
    "schedule": "schedule",
    "weekdays": "schedule",
    "times_per_week": "schedule",
    "every_n_days": "schedule",
    "kind": "type",
    "target_value": "target",
}


def _text(value) -> str:
    if not isinstance(value, str):
        raise ValueError("Expected text.")
    return value


def _whole(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("Expected a whole number.")
    return value


def _flag(value) -> bool:
    if not isinstance(value, bool):
        raise ValueError("Expected true or false.")
    return value


def _date(value) -> dt.date:
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("Expected a date as YYYY-MM-DD.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a date.") from None


def _clock(value) -> dt.time:
    if not isinstance(value, str) or not _CLOCK.match(value):
        raise ValueError("Expected a time as HH:MM.")
    try:
        return dt.time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value} is not a time of day.") from None


def _number(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("Expected a number.")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError("Expected a number.") from None
    if not number.is_finite():
        raise ValueError("Expected a number.")
    return number


def _amount(value) -> Decimal:
    """An occurrence's measured value, as the day editor accepts it."""
    number = _number(value)
    if number < 0 or number > services.MAX_VALUE:
        raise ValueError("Expected a number from 0 to 9,999,999.")
    if number != number.quantize(Decimal("0.01")):
        raise ValueError("At most two decimal places.")
    return number.quantize(Decimal("0.01"))


@dataclass
class _Plan:
    """A checked file: what to write."""

    pillars: list[Pillar] = field(default_factory=list)
    habits: list[tuple[Habit, str | None, list[Occurrence]]] = field(default_factory=list)


class _Reader:
    def __init__(self, user, today: dt.date):
        self.user = user
        self.today = today
        self.errors: dict[str, str] = {}

    def error(self, path: str, message: str) -> object:
        self.errors.setdefault(path, message)
        return _INVALID

    def get(self, obj: dict, key: str, path: str, parse: Callable, default=_MISSING, nullable=False):
        """obj[key] parsed, or the default; _INVALID (with an error noted) when it is wrong."""
        if key not in obj:
            if default is _MISSING:
                return self.error(f"{path}.{key}", "This field is required.")
            return default
        value = obj[key]
        if value is None and nullable:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            return self.error(f"{path}.{key}", str(exc))

    def items(self, data: dict, key: str) -> list:
        value = data.get(key, [])
        if not isinstance(value, list):
            self.error(key, "Expected a list.")
            return []
        return value

    # -- the file

    def read(self, data) -> _Plan:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValidationError({"format": "This is not a HabitStory habits file."})
        version = data.get("version")
        if isinstance(version, bool) or version != VERSION:
            raise ValidationError({"version": f"Version {version!r} cannot be read; this app reads 1."})
        pillars, habits = self.items(data, "pillars"), self.items(data, "habits")
        if len(habits) > MAX_HABITS:
            raise ValidationError({"habits": f"At most {MAX_HABITS:,} habits can be imported at once."})
        lists = [h.get("occurrences") for h in habits if isinstance(h, dict)]
        if sum(len(days) for days in lists if isinstance(days, list)) > MAX_OCCURRENCES:
            raise ValidationError({"habits": f"At most {MAX_OCCURRENCES:,} days can be imported at once."})
        plan = _Plan()
        names: set[str] = set()
        for i, item in enumerate(pillars):
            pillar = self.pillar(item, f"pillars[{i}]")
            if pillar is None:
                continue
            if pillar.name in names:
                self.error(f"pillars[{i}].name", f"The pillar {pillar.name!r} is listed twice.")
            names.add(pillar.name)
            plan.pillars.append(pillar)
        keys: set[tuple[str, dt.date]] = set()
        for i, item in enumerate(habits):
            parsed = self.habit(item, f"habits[{i}]")
            if parsed is None:
                continue
            key = (parsed[0].name, parsed[0].start_date)
            if key in keys:
                self.error(f"habits[{i}].name", "Another habit in the file has this name and start date.")
            keys.add(key)
            plan.habits.append(parsed)
        if self.errors:
            raise ValidationError(self.errors)
        return plan

    def pillar(self, item, path: str) -> Pillar | None:
        if not isinstance(item, dict):
            self.error(path, "Expected an object.")
            return None
        pillar = Pillar(
            user=self.user,
            name=self.get(item, "name", path, _text),
            color=self.get(item, "color", path, _text, default="#5b4bdb"),
            icon=self.get(item, "icon", path, _text, default=""),
            position=self.get(item, "position", path, _whole, default=0),
        )
        if _INVALID in (pillar.name, pillar.color, pillar.icon, pillar.position):
            return None
        self.clean(pillar, path, exclude=["user"])
        return pillar

    def habit(self, item, path: str) -> tuple[Habit, str | None, list[Occurrence]] | None:
        if not isinstance(item, dict):
            self.error(path, "Expected an object.")
            return None
        get = self.get
        fields = {
            "name": get(item, "name", path, _text),
            "start_date": get(item, "start_date", path, _date),
            "kind": get(item, "type", path, _text, default=Habit.Kind.YES_NO),
            "target_value": get(item, "target", path, _number, default=None, nullable=True),
            "unit": get(item, "unit", path, _text, default=""),
            "difficulty": get(item, "difficulty", path, _text, default=Habit.Difficulty.MEDIUM),
            "priority": get(item, "priority", path, _whole, default=2),
            "reminder_time": get(item, "reminder_time", path, _clock, default=None, nullable=True),
            "timer_minutes": get(item, "timer_minutes", path, _whole, default=None, nullable=True),
            "requires_verification": get(item, "requires_verification", path, _flag, default=False),
            "notes": get(item, "notes", path, _text, default=""),
            "status": get(item, "status", path, _text, default=Habit.Status.ACTIVE),
            "position": get(item, "position", path, _whole, default=0),
        }
        pillar = get(item, "pillar", path, _text, default=None, nullable=True)
        if isinstance(pillar, str):
            pillar = pillar.strip() or None
            if pillar and len(pillar) > Pillar._meta.get_field("name").max_length:
                pillar = self.error(f"{path}.pillar", "A pillar's name is at most 40 characters.")
        start = fields["start_date"]
        fields.update(self.schedule(item.get("schedule", _MISSING), f"{path}.schedule", start))
        fields["pauses"] = self.pauses(item.get("pauses", []), f"{path}.pauses")
        if any(value is _INVALID for value in fields.values()) or pillar is _INVALID:
            # Check what can be checked; the habit itself is not written anyway.
            self.occurrences(item, path, None)
            return None
        habit = Habit(user=self.user, **fields)
        self.clean(habit, path, exclude=["user", "pillar"], paths=_HABIT_PATHS)
        occurrences = self.occurrences(item, path, habit)
        return habit, pillar, occurrences

    def schedule(self, value, path: str, start) -> dict:
        kinds = ", ".join(Habit.Schedule.values)
        if value is _MISSING:
            self.error(path, "This field is required.")
            return {"schedule": _INVALID}
        if not isinstance(value, dict) or value.get("kind") not in Habit.Schedule.values:
            self.error(path, f'Expected {{"kind": …}} with a kind of {kinds}.')
            return {"schedule": _INVALID}
        kind = value["kind"]
        fields: dict = {"schedule": kind}
        if kind == Habit.Schedule.WEEKDAYS:
            days = value.get("days")
            if not isinstance(days, list) or not all(type(day) is int for day in days):
                self.error(path, "Expected days as a list of numbers, 0 (Monday) to 6 (Sunday).")
                return {"schedule": _INVALID}
            fields["weekdays"] = days
        elif kind == Habit.Schedule.PER_WEEK:
            fields["times_per_week"] = self.get(value, "times", path, _whole)
        elif kind == Habit.Schedule.EVERY_N_DAYS:
            n = fields["every_n_days"] = self.get(value, "n", path, _whole)
            first = self.get(value, "start", path, _date, default=None, nullable=True)
            # The model counts every n days from the start date; another first day is
            # fine as long as it falls on the same days.
            aligned = all(isinstance(x, dt.date) for x in (first, start)) and isinstance(n, int) and n >= 1
            if aligned and (first - start).days % n:
                self.error(f"{path}.start", "Must fall on the same days as the start date.")
        return {key: _INVALID if value is _INVALID else value for key, value in fields.items()}

    def pauses(self, value, path: str):
        if not isinstance(value, list):
            return self.error(path, "Expected a list of [start, end] dates.")
        pauses = []
        for i, pause in enumerate(value):
            if not (isinstance(pause, list) and len(pause) == 2):
                return self.error(f"{path}[{i}]", "Expected [start, end] (end null while paused).")
            try:
                start = _date(pause[0])
                end = None if pause[1] is None else _date(pause[1])
            except ValueError as exc:
                return self.error(f"{path}[{i}]", str(exc))
            if end is not None and end < start:
                return self.error(f"{path}[{i}]", "A pause cannot end before it starts.")
            pauses.append([start.isoformat(), end.isoformat() if end else None])
        return pauses

    def occurrences(self, item: dict, path: str, habit: Habit | None) -> list[Occurrence]:
        value = item.get("occurrences", [])
        if not isinstance(value, list):
            self.error(f"{path}.occurrences", "Expected a list.")
            return []
        out = []
        seen: set[dt.date] = set()
        statuses = Occurrence.Status.values
        for i, row in enumerate(value):
            here = f"{path}.occurrences[{i}]"
            if not isinstance(row, dict):
                self.error(here, "Expected an object.")
                continue
            on = self.get(row, "date", here, _date)
            status = self.get(row, "status", here, _text)
            amount = self.get(row, "value", here, _amount, default=None, nullable=True)
            note = self.get(row, "note", here, _text, default="")
            if status is not _INVALID and status not in statuses:
                status = self.error(f"{here}.status", f"Expected one of {', '.join(statuses)}.")
            if isinstance(on, dt.date):
                if on > self.today:
                    on = self.error(f"{here}.date", f"{on:%-d %B %Y} has not happened yet.")
                elif on in seen:
                    on = self.error(f"{here}.date", f"{on.isoformat()} is listed twice.")
                else:
                    seen.add(on)
            if habit is not None and _INVALID not in (on, status, amount, note):
                out.append(Occurrence(on=on, status=status, value=amount, note=note))
        return out

    def clean(self, obj, path: str, exclude: list[str], paths: dict[str, str] | None = None) -> None:
        """The model's own rules (lengths, choices, ranges, Habit.clean()), at file paths."""
        try:
            obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                where = path if name == NON_FIELD_ERRORS else f"{path}.{(paths or {}).get(name, name)}"
                self.error(where, " ".join(messages))


# --- writing -----------------------------------------------------------------------------------------


def import_json(user, data: dict) -> dict:
    """Import a file made by export_json into `user`'s account, all or nothing.

    Pillars are matched by name and created when missing (a matched pillar keeps its
    colour and icon); habits are matched by (name, start date) among the user's habits (a
    matched habit's settings are left as they are) and created otherwise; occurrences are
    matched by date and created or updated. Days after the user's local today are refused;
    days before a habit's start date are kept (editing the start date can leave such
    days, and an export must import again). Raises ValidationError({path: message}) and
    writes nothing when the file is wrong, and limits.PlanLimitReached (nothing written)
    when its new pillars or new active habits would pass the Free plan's limits."""
    plan = _Reader(user, user.profile.local_today()).read(data)
    summary = dict.fromkeys(
        ["pillars_created", "habits_created", "habits_matched", "occurrences_created", "occurrences_updated"], 0
    )
    with transaction.atomic():
        # One import at a time per user, so two at once cannot both create a habit.
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        pillars = _pillars(user, plan, summary)
        habits = _habits(user, plan, pillars, summary)
        _occurrences(plan, habits, summary)
        recompute.recompute_stats(Habit.objects.filter(pk__in=[habit.pk for habit in habits]))
    return summary


def _pillars(user, plan: _Plan, summary: dict) -> dict[str, Pillar]:
    existing = {pillar.name: pillar for pillar in Pillar.objects.filter(user=user)}
    new = {p.name: p for p in plan.pillars if p.name not in existing}
    top = max([p.position for p in existing.values()] + [p.position for p in new.values()] + [-1])
    for _, name, _ in plan.habits:
        if name is not None and name not in existing and name not in new:
            top += 1
            new[name] = Pillar(user=user, name=name, position=top)  # named by a habit only
    limits.ensure_can_add(user, Kind.PILLARS, len(new))
    Pillar.objects.bulk_create(new.values())
    summary["pillars_created"] = len(new)
    return existing | new


def _habits(user, plan: _Plan, pillars: dict[str, Pillar], summary: dict) -> list[Habit]:
    """The habit each planned one is written to, in plan order (created where needed)."""
    existing: dict[tuple[str, dt.date], Habit] = {}
    names = {habit.name for habit, _, _ in plan.habits}
    for habit in Habit.objects.for_user(user).filter(name__in=names).order_by("position", "id"):
        existing.setdefault((habit.name, habit.start_date), habit)
    targets, new = [], []
    for habit, pillar, _ in plan.habits:
        match = existing.get((habit.name, habit.start_date))
        if match is None:
            habit.pillar = pillars[pillar] if pillar else None
            new.append(habit)
            match = habit
        targets.append(match)
    limits.ensure_can_add(user, Kind.HABITS, sum(habit.status == Habit.Status.ACTIVE for habit in new))
    Habit.objects.bulk_create(new)
    summary["habits_created"] = len(new)
    summary["habits_matched"] = len(targets) - len(new)
    return targets


def _occurrences(plan: _Plan, habits: list[Habit], summary: dict) -> None:
    fields = ("status", "value", "note")  # what the file says about a day
    matched = [habit.pk for habit in habits if habit.pk is not None]
    stored = {
        (o.habit_id, o.on): o
        for o in Occurrence.objects.filter(habit_id__in=matched).only("id", "habit_id", "on", *fields)
    }
    now = timezone.now()
    create, update = [], []
    for habit, (_, _, occurrences) in zip(habits, plan.habits, strict=True):
        for occurrence in occurrences:
            current = stored.get((habit.pk, occurrence.on))
            if current is None:
                occurrence.habit = habit
                create.append(occurrence)
            elif any(getattr(current, name) != getattr(occurrence, name) for name in fields):
                for name in fields:
                    setattr(current, name, getattr(occurrence, name))
                current.updated_at = now
                update.append(current)
    Occurrence.objects.bulk_create(create, batch_size=1000)
    Occurrence.objects.bulk_update(update, [*fields, "updated_at"], batch_size=500)
    summary["occurrences_created"] = len(create)
    summary["occurrences_updated"] = len(update)
