"""Check-ins and life events: the only writers of their rows. Views, the API, the generator
and the demo seed call these; every change marks the user's data as changed
(`state.data_changed`: the nightly training picks them up, cached predictions go)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from . import state
from .models import CheckIn, LifeEvent

# Fields a check-in carries besides its date, in form order.
CHECKIN_FIELDS: tuple[str, ...] = (
    "mood", "energy", "sleep_hours", "exercise_minutes", "social_minutes", "work_hours", "stress", "note",
)
EARLIEST = dt.date(2000, 1, 1)
EVENT_FIELDS: tuple[str, ...] = ("type", "title", "start", "end", "data")


def local_today(user, now: dt.datetime | None = None) -> dt.date:
    return user.profile.local_today(now)


def check_day(user, day: dt.date, now: dt.datetime | None = None, *, field: str = "date") -> dt.date:
    """A check-in's day: the user's today or before (backfill), not before 2000."""
    if day > local_today(user, now):
        raise ValidationError({field: f"{day:%-d %B %Y} has not happened yet."}, code="future")
    if day < EARLIEST:
        raise ValidationError({field: "Choose a day from 2000 on."}, code="too_early")
    return day


def get_checkin(user, day: dt.date) -> CheckIn | None:
    return CheckIn.objects.filter(user=user, on=day).first()


def checkins(user, start: dt.date | None = None, end: dt.date | None = None):
    qs = CheckIn.objects.filter(user=user)
    if start:
        qs = qs.filter(on__gte=start)
    if end:
        qs = qs.filter(on__lte=end)
    return qs.order_by("on")


def save_checkin(user, day: dt.date, values: dict, *, now: dt.datetime | None = None,
                 partial: bool = False) -> CheckIn:
    """Create or replace the check-in of `day`. `values` maps CHECKIN_FIELDS to values (None
    or "" clears a field). With `partial`, fields not in `values` keep what was stored;
    otherwise they are cleared. Raises ValidationError naming each bad field."""
    check_day(user, day, now)
    unknown = sorted(set(values) - set(CHECKIN_FIELDS))
    if unknown:
        raise ValidationError({name: "Not a check-in field." for name in unknown}, code="unknown")
    with transaction.atomic():
        checkin = CheckIn.objects.select_for_update().filter(user=user, on=day).first()
        if checkin is None:
            checkin = CheckIn(user=user, on=day)
        for name in CHECKIN_FIELDS:
            if name in values:
                setattr(checkin, name, _coerce(name, values[name]))
            elif not partial:
                setattr(checkin, name, "" if name in ("mood", "note") else None)
        checkin.full_clean(exclude=["user"], validate_unique=False)
        try:
            with transaction.atomic():
                checkin.save()
        except IntegrityError:  # the same day created at once elsewhere: update that one
            checkin.pk = CheckIn.objects.get(user=user, on=day).pk
            checkin.save(force_update=True)
        state.data_changed(user.pk, now=now)
    return checkin


def delete_checkin(user, day: dt.date, *, now: dt.datetime | None = None) -> bool:
    deleted, _ = CheckIn.objects.filter(user=user, on=day).delete()
    if deleted:
        state.data_changed(user.pk, now=now)
    return bool(deleted)


def _coerce(name: str, value):
    if name in ("mood", "note"):
        return "" if value is None else value
    if value is None or value == "":
        return None
    if name in ("exercise_minutes", "social_minutes"):
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            raise ValidationError({name: "Enter a whole number of minutes."}, code="invalid") from None
        if number != number.to_integral_value():
            raise ValidationError({name: "Enter a whole number of minutes."}, code="invalid")
        return int(number)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({name: "Enter a number."}, code="invalid") from None
    if not number.is_finite():
        raise ValidationError({name: "Enter a number."}, code="invalid")
    return number


# Life events


def life_events(user, *, types: list[str] | None = None, start: dt.date | None = None, end: dt.date | None = None):
    """The user's events, newest first; optionally of some types or overlapping [start, end]."""
    qs = LifeEvent.objects.filter(user=user)
    if types:
        qs = qs.filter(type__in=types)
    if end:
        qs = qs.filter(start__lte=end)
    if start:
        qs = qs.filter(Q(end__gte=start) | Q(end__isnull=True, start__gte=start))
    return qs


def create_life_event(user, values: dict, *, now: dt.datetime | None = None) -> LifeEvent:
    event = LifeEvent(user=user)
    return _save_event(event, values, now=now)


def update_life_event(event: LifeEvent, values: dict, *, now: dt.datetime | None = None) -> LifeEvent:
    return _save_event(event, values, now=now)


def delete_life_event(event: LifeEvent, *, now: dt.datetime | None = None) -> None:
    user_id = event.user_id
    event.delete()
    state.data_changed(user_id, now=now)


def _save_event(event: LifeEvent, values: dict, *, now: dt.datetime | None) -> LifeEvent:
    unknown = sorted(set(values) - set(EVENT_FIELDS))
    if unknown:
        raise ValidationError({name: "Not a life event field." for name in unknown}, code="unknown")
    for name, value in values.items():
        setattr(event, name, ({} if value is None else value) if name == "data" else value)
    event.full_clean(exclude=["user"])
    if event.start and event.start > local_today(event.user, now) + dt.timedelta(days=366):
        raise ValidationError({"start": "Choose a start within the next year."}, code="too_late")
    if event.start and event.start < EARLIEST:
        raise ValidationError({"start": "Choose a day from 2000 on."}, code="too_early")
    event.save()
    state.data_changed(event.user_id, now=now)
    return event
