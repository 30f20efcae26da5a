"""Habit rules that change data: habits and every change to a habit's day (pillars:
habits.pillars).

Views, the API, commands and the story layer's commit step (habitstory.story.commit)
call these; nothing writes habits or occurrences another way. A change to a day is one
transaction that locks the habit, applies the change, rewrites the habit's statistics
(habits.recompute) and returns a `DayChange`: what the day was and is, for the domains
above habits to follow (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from habitstory.billing import limits
from habitstory.billing.models import Kind

from . import stats
from .models import DELETED_KEPT_DAYS, EARLIEST_START, Habit, Occurrence, Pillar
from .recompute import compute, entries_of, recompute_stats, refresh_stats
from .today_cache import touch

MAX_VALUE = Decimal("9999999")


# --- order ---------------------------------------------------------------------------------

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
    (a changed schedule or start date changes them). A new active habit counts against
    the Free plan's limit (limits.PlanLimitReached)."""
    habit.full_clean()
    with transaction.atomic():
        if habit.pk is None:
            if habit.status == Habit.Status.ACTIVE:
                limits.ensure_can_add(habit.user, Kind.HABITS)
            habit.position = next_position(habit.user, habit.pillar)
        habit.save()
        refresh_stats(habit)
    return habit


def create_habit(habit: Habit, status: str | None = None, today: dt.date | None = None) -> Habit:
    """A new habit, created paused or archived when `status` says so (the API can): only
    one created active counts against the Free plan's limit."""
    if not status or status == Habit.Status.ACTIVE:
        return save_habit(habit)
    with transaction.atomic():
        habit.status = status  # never active, so nothing is added
        save_habit(habit)
        return set_status(habit, status, today)  # its pause starts today


def add_history(occurrences: list[Occurrence]) -> None:
    """Past days written in bulk (a seed's history), then their habits' statistics
    recomputed from their whole histories."""
    Occurrence.objects.bulk_create(occurrences, batch_size=500)
    recompute_stats(Habit.objects.filter(pk__in={occurrence.habit_id for occurrence in occurrences}))


def delete_habit(habit: Habit, now: dt.datetime | None = None) -> None:
    habit.deleted_at = now or timezone.now()
    habit.save(update_fields=["deleted_at", "updated_at"])


def restore_habit(habit: Habit) -> None:
    """Back from the bin; an active one counts against the Free plan's limit again."""
    with transaction.atomic():
        if habit.status == Habit.Status.ACTIVE:
            limits.ensure_can_add(habit.user, Kind.HABITS)
        habit.deleted_at = None
        habit.save(update_fields=["deleted_at", "updated_at"])


def purge_deleted(now: dt.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - dt.timedelta(days=DELETED_KEPT_DAYS)
    count, _ = Habit.objects.filter(deleted_at__lt=cutoff).delete()
    return count


def set_status(habit: Habit, status: str, today: dt.date | None = None) -> Habit:
    """Pause, resume, archive or unarchive. Paused days are not expected days. Resuming or
    unarchiving counts against the Free plan's limit of active habits; pausing and
    archiving are always allowed (a downgrade takes nothing away)."""
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
        if status == Habit.Status.ACTIVE and habit.status != Habit.Status.ACTIVE:
            limits.ensure_can_add(habit.user, Kind.HABITS)
        habit.status = status
        habit.pauses = pauses
        habit.save(update_fields=["status", "pauses", "updated_at"])
        refresh_stats(habit, today)
    return habit


def move_start(habit: Habit, day: dt.date, today: dt.date | None = None) -> Habit:
    """Move a habit's start date back to `day`, so the days before it can be logged (the
    day editor offers it and the user confirms it; nothing moves a start silently). Only
    back, to no later than today and no earlier than EARLIEST_START. The statistics are
    recomputed from the whole history: the days gained are expected days, missed unless
    logged."""
    today = today or _today(habit)
    with transaction.atomic():
        start = Habit.objects.select_for_update().filter(pk=habit.pk).values_list("start_date", flat=True).get()
        if day >= start:
            raise ValidationError({"start_date": f"{habit.name} already starts on {start:%-d %B %Y}."})
        if not EARLIEST_START <= day <= today:
            raise ValidationError(
                {"start_date": f"Choose a day between {EARLIEST_START:%-d %B %Y} and today."}
            )
        habit.start_date = day
        habit.save(update_fields=["start_date", "updated_at"])
        refresh_stats(habit, today)
    return habit


def _today(habit: Habit) -> dt.date:
    return habit.user.profile.local_today()


# --- a day's change ---------------------------------------------------------------------------

class DayState(NamedTuple):
    status: str
    value: Decimal | None


@dataclass(frozen=True)
class DayChange:
    """What one change did to a habit's day: the habit (locked, its statistics rewritten),
    the day, the user's today, the occurrence as saved (None: an undo found no row), the
    day's (status, value) before and after (None: no row) and the statistics after."""

    habit: Habit
    on: dt.date
    today: dt.date
    occurrence: Occurrence | None
    before: DayState | None
    after: DayState | None
    stats: stats.Stats | None
    proof: str = ""  # the day's Occurrence.verification before the change ("": none)

    @property
    def was_done(self) -> bool:
        return self.before is not None and self.before.status == Occurrence.Status.DONE

    @property
    def is_done(self) -> bool:
        return self.after is not None and self.after.status == Occurrence.Status.DONE


ACTIONS = ("done", "skip", "start", "undo", "value", "plus", "minus")
_LOGGED = {"done": Occurrence.Status.DONE, "skip": Occurrence.Status.SKIPPED, "start": Occurrence.Status.STARTED}


def change_day(habit: Habit, on: dt.date, action: str, *, value=None, note: str | None = None,
               now: dt.datetime | None = None) -> DayChange:
    """One of ACTIONS on a habit's day (the commit step's entry): done, skip or start;
    undo; a value; plus or minus one."""
    if action in _LOGGED:
        return _log(habit, on, _LOGGED[action], value, note, now)
    if action == "undo":
        return _undo(habit, on, now)
    if action == "value":
        return _log_value(habit, on, value, note, now)
    if action in ("plus", "minus"):
        return _adjust(habit, on, 1 if action == "plus" else -1, now)
    raise ValidationError({"action": f"Unknown action {action!r}."})


def set_day(habit: Habit, on: dt.date, status: str, *, value=None, note: str = "",
            now: dt.datetime | None = None) -> DayChange:
    """The day editor: the whole day at once, in one change. `status` "done" or "skipped"
    logs it with the value and note; "open" takes the log back, keeps the note, and a
    value then counts as a measured amount (the day is done if it meets the target)."""
    if status == "done":
        return _log(habit, on, Occurrence.Status.DONE, value, note, now)
    if status == "skipped":
        return _log(habit, on, Occurrence.Status.SKIPPED, None, note, now)
    if status != "open":
        raise ValidationError({"status": "Choose done, skipped or not done."})
    now = now or timezone.now()

    def apply(habit: Habit, occurrence: Occurrence, today: dt.date) -> None:
        amount = _clean_value(habit, value)
        _reopen(occurrence)
        if amount is not None:
            _measure(habit, occurrence, today, amount, now)
        occurrence.note = Occurrence.clean_note(note)

    return _change(habit, on, now, apply)


def log_occurrence(habit: Habit, on: dt.date, status: str, *, value=None, note: str | None = None,
                   now: dt.datetime | None = None) -> Occurrence:
    """Mark the habit done, skipped or started on a day. Idempotent: the same call twice
    leaves one occurrence in the same state. Backfilling a past day is allowed."""
    return _log(habit, on, status, value, note, now).occurrence


def log_value(habit: Habit, on: dt.date, value, *, note: str | None = None,
              now: dt.datetime | None = None) -> Occurrence:
    """Record a measured amount; the day is done when it meets the target."""
    return _log_value(habit, on, value, note, now).occurrence


def adjust_value(habit: Habit, on: dt.date, delta, *, now: dt.datetime | None = None) -> Occurrence:
    """The +/− buttons: add `delta` to the day's amount (never below 0)."""
    return _adjust(habit, on, delta, now).occurrence


def undo_occurrence(habit: Habit, on: dt.date, *, now: dt.datetime | None = None) -> Occurrence | None:
    """Take back a log: the day is open again (a past open day counts as missed).
    Idempotent; the note is kept."""
    return _undo(habit, on, now).occurrence


def set_note(habit: Habit, on: dt.date, note: str, *, now: dt.datetime | None = None) -> Occurrence:
    _check(habit, on, now)
    note = Occurrence.clean_note(note)
    occurrence, _ = Occurrence.objects.get_or_create(habit=habit, on=on)
    occurrence.note = note
    occurrence.save(update_fields=["note", "updated_at"])
    return occurrence


def _log(habit: Habit, on: dt.date, status: str, value, note: str | None, now: dt.datetime | None) -> DayChange:
    if status not in _LOGGED.values():
        raise ValidationError({"status": "Status must be done or skipped."})
    now = now or timezone.now()

    def apply(habit: Habit, occurrence: Occurrence, today: dt.date) -> None:
        amount = _clean_value(habit, value)
        if status == Occurrence.Status.STARTED and on != today:
            raise ValidationError({"status": "A timer can only be started today."})
        occurrence.status = status
        if status == Occurrence.Status.STARTED:
            occurrence.started_at = occurrence.started_at or now
        elif status == Occurrence.Status.DONE:
            amount = _mark_done(habit, occurrence, amount, now)
        else:
            occurrence.completed_at = None
        if amount is not None:
            occurrence.value = amount
        if note is not None:
            occurrence.note = Occurrence.clean_note(note)

    return _change(habit, on, now, apply)


def _mark_done(habit: Habit, occurrence: Occurrence, amount: Decimal | None, now: dt.datetime) -> Decimal | None:
    """The day done; returns the amount to record ("done" on an "at least" habit means its
    target was met)."""
    occurrence.status = Occurrence.Status.DONE
    occurrence.completed_at = occurrence.completed_at or now
    if habit.kind == Habit.Kind.AT_LEAST and amount is None and occurrence.value is None:
        return habit.target_value
    return amount


def set_proof(habit: Habit, on: dt.date, state: str, *, now: dt.datetime | None = None) -> DayChange:
    """A proof's state on the day (Occurrence.Verification, set by the story layer for the
    verification app): "pending" makes the day done (a new tick unless it was done) with
    its proof in review; "approved" marks it; "rejected" takes the day back (not done: a
    past day then counts as missed)."""
    if state not in Occurrence.Verification.values or not state:
        raise ValidationError({"verification": f"Unknown proof state {state!r}."})
    now = now or timezone.now()

    def apply(habit: Habit, occurrence: Occurrence, today: dt.date) -> None:
        if state == Occurrence.Verification.PENDING and occurrence.status != Occurrence.Status.DONE:
            amount = _mark_done(habit, occurrence, None, now)
            if amount is not None:
                occurrence.value = amount
        elif state == Occurrence.Verification.REJECTED:
            _reopen(occurrence)
        occurrence.verification = state

    return _change(habit, on, now, apply, create=state == Occurrence.Verification.PENDING)


def _log_value(habit: Habit, on: dt.date, value, note: str | None, now: dt.datetime | None) -> DayChange:
    now = now or timezone.now()

    def apply(habit: Habit, occurrence: Occurrence, today: dt.date) -> None:
        if not habit.is_measurable:
            raise ValidationError({"value": "Only measurable habits take a value."})
        amount = _clean_value(habit, value)
        if amount is None:
            raise ValidationError({"value": "Enter a number."})
        _measure(habit, occurrence, today, amount, now)
        if note is not None:
            occurrence.note = Occurrence.clean_note(note)

    return _change(habit, on, now, apply)


def _adjust(habit: Habit, on: dt.date, delta, now: dt.datetime | None) -> DayChange:
    now = now or timezone.now()

    def apply(habit: Habit, occurrence: Occurrence, today: dt.date) -> None:
        if not habit.is_measurable:
            raise ValidationError({"value": "Only measurable habits take a value."})
        amount = max(Decimal(0), (occurrence.value or Decimal(0)) + Decimal(str(delta)))
        _measure(habit, occurrence, today, _clean_value(habit, amount), now)

    return _change(habit, on, now, apply)


def _undo(habit: Habit, on: dt.date, now: dt.datetime | None) -> DayChange:
    return _change(habit, on, now, lambda habit, occurrence, today: _reopen(occurrence), create=False)


def _measure(habit: Habit, occurrence: Occurrence, today: dt.date, value: Decimal, now: dt.datetime) -> None:
    """A measured amount decides the day: done when it meets the target; under an "at
    least" target still open today and missed after; over an "at most" limit missed at
    once. At or under an "at most" limit today is on track: open (lowering a value over
    the limit reopens the day) until the day close makes it done, or done if it was
    ticked done already."""
    occurrence.value = value
    if habit.kind == Habit.Kind.AT_MOST and occurrence.on >= today and habit.meets_target(value):
        if occurrence.status in (Occurrence.Status.MISSED, Occurrence.Status.SKIPPED):
            occurrence.status = Occurrence.Status.SCHEDULED
        if occurrence.status != Occurrence.Status.DONE:
            occurrence.completed_at = None
    elif habit.meets_target(value):
        occurrence.status = Occurrence.Status.DONE
        occurrence.completed_at = occurrence.completed_at or now
    else:
        over_limit = habit.kind == Habit.Kind.AT_MOST
        occurrence.status = (
            Occurrence.Status.MISSED if over_limit or occurrence.on < today else Occurrence.Status.SCHEDULED
        )
        occurrence.completed_at = None


def _reopen(occurrence: Occurrence) -> None:
    occurrence.status = Occurrence.Status.SCHEDULED
    occurrence.value = None
    occurrence.completed_at = None
    occurrence.started_at = None


def _check(habit: Habit, on: dt.date, now: dt.datetime | None) -> dt.date:
    """The owner's today; a day after it, or before the habit starts, is refused."""
    today = habit.user.profile.local_today(now)
    if on > today:
        raise ValidationError({"date": f"{on:%-d %B %Y} has not happened yet."})
    if on < habit.start_date:
        raise ValidationError(
            {"date": f"{habit.name} starts on {habit.start_date:%-d %B %Y}; {on:%-d %B %Y} is before that."}
        )
    return today


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
    """The owner's alive habit, its row locked and read afresh (Habit.DoesNotExist for
    anyone else's or a deleted one: `habit` may be only a reference, Habit(pk=…, user=…)).
    Its owner (and profile) are carried over when already loaded."""
    owner = habit.user if Habit.user.is_cached(habit) else None
    locked = Habit.objects.select_for_update(of=("self",)).filter(user_id=habit.user_id, deleted_at__isnull=True)
    locked = locked.get(pk=habit.pk) if owner is not None else locked.select_related("user__profile").get(pk=habit.pk)
    if owner is not None:
        locked.user = owner
    return locked


Apply = Callable[[Habit, Occurrence, dt.date], None]


def _change(habit: Habit, on: dt.date, now: dt.datetime | None, apply: Apply, *, create: bool = True) -> DayChange:
    """One change to a day, in one transaction: lock the habit (its statistics are
    rewritten), check the day, lock the day's occurrence, `apply(habit, occurrence,
    today)` (it may refuse with a ValidationError: nothing is written), save it, rewrite
    the statistics. `create=False`: a day with no row is left without one (an undo)."""
    if not habit._state.adding:
        # A habit read by the caller: bad input is refused before the transaction (on a
        # throwaway day), so a caller's own transaction stays usable. A reference is
        # checked once read, below; its ValidationError ends the commit step's transaction.
        apply(habit, Occurrence(habit=habit, on=on), _check(habit, on, now))
    # No savepoint when the commit step's transaction is already open: a failure here
    # aborts the whole commit anyway.
    with transaction.atomic(savepoint=False):
        habit = _lock(habit)
        today = _check(habit, on, now)
        # The habit's lock serialises changes to its days, so the day's row can be read
        # (locked) and created without get_or_create's savepoint.
        occurrence = Occurrence.objects.select_for_update().filter(habit=habit, on=on).first()
        before = DayState(occurrence.status, occurrence.value) if occurrence else None
        if occurrence is None:
            if not create:
                return DayChange(habit, on, today, None, None, None, None)
            occurrence = Occurrence(habit=habit, on=on)
        occurrence.habit = habit
        proof = occurrence.verification
        apply(habit, occurrence, today)
        done = occurrence.status == Occurrence.Status.DONE
        new_tick = done and (before is None or before.status != Occurrence.Status.DONE)
        if new_tick:
            occurrence.xp_cycle += 1  # a new tick: its XP (if any) is keyed on the cycle
        if new_tick or not done:
            _settle_proof(occurrence)
        occurrence.save()
        result = refresh_stats(habit, today, changed=occurrence)
    after = DayState(occurrence.status, occurrence.value)
    return DayChange(habit, on, today, occurrence, before, after, result, proof)


def _settle_proof(occurrence: Occurrence) -> None:
    """A day no longer done keeps no pending or approved proof (it was withdrawn); a new
    tick after a rejection starts unverified (set_proof then marks it pending)."""
    if occurrence.status != Occurrence.Status.DONE:
        if occurrence.verification in (Occurrence.Verification.PENDING, Occurrence.Verification.APPROVED):
            occurrence.verification = Occurrence.Verification.NONE
    elif occurrence.verification == Occurrence.Verification.REJECTED:
        occurrence.verification = Occurrence.Verification.NONE


# --- adaptive suggestions ----------------------------------------------------------------------

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
