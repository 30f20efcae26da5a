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
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache
from json import loads
from operator import attrgetter

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import CharField, F, Max
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from . import fold, stats
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
        refresh_stats(habit, today, changed=occurrence)


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
        refresh_stats(habit, today, changed=occurrence)
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


def refresh_stats(habit: Habit, today: dt.date | None = None, *, changed: Occurrence | None = None) -> stats.Stats:
    """Rewrite one habit's statistics, and their fold (habits.fold), from its occurrences.

    `changed`: the occurrence just written. When it is today's and the habit's stored fold
    runs through yesterday, today is all that changed: the statistics follow from the fold
    and that row, with no history to read (most ticks)."""
    today = today or _today(habit)
    spec, measure = habit.schedule_spec(habit.user.profile.week_start), habit.measure
    result = None
    if changed is not None and changed.on == today and habit.stats_state and fold.foldable(spec):
        folded = fold.Fold.load(habit.stats_state, spec, measure)
        if folded is not None and folded.a == today.toordinal() - 1:  # the stored fold stands
            result = fold.finish(folded, spec, measure, folded.a + 1, _code(changed.status), changed.value)
    if result is None:
        days, values = [], {}
        for on, status, value in Occurrence.objects.filter(habit=habit).values_list("on", "status", "value"):
            days.append(on.toordinal() << 3 | _code(status))
            if value is not None:
                values[on.toordinal()] = value
        result, folded = _compute_one(spec, measure, days, values, today)
        habit.stats_state = folded and folded.dump(spec, measure)
        habit.stats_through = folded and dt.date.fromordinal(folded.a)
    apply_stats(habit, result)
    Habit.objects.filter(pk=habit.pk).update(
        stats_state=habit.stats_state, stats_through=habit.stats_through,
        **{name: getattr(habit, name) for name in STAT_FIELDS},
    )
    touch(habit.user_id)
    return result


def recompute_stats(habits, *, batch_size: int | None = None, progress=None) -> int:
    """Recompute many habits from their whole histories, set-based: per batch, one query
    for the habits (with their owners' zones) and their histories, one UPDATE of the rows
    whose statistics (or fold) changed. Idempotent. Returns how many were recomputed."""
    done = 0
    for batch, total in recompute_batches(habits, batch_size=batch_size):
        done += len(batch)
        if progress:
            progress(done, total)
    return done


def recompute_batches(habits, *, batch_size: int | None = None) -> Iterator[tuple[list[Recomputed], int]]:
    """recompute_stats a batch at a time (5,000 habits on PostgreSQL; 500 where statements
    take few parameters, as on SQLite): yields each batch's habits with their statistics
    before and after, and how many habits there are in all. Touches their Today lists."""
    batch_size = batch_size or (500 if connection.features.max_query_params else 5000)
    ids = list(habits.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        batch = _recompute(ids[start : start + batch_size])
        touch(*{row.user_id for row in batch})
        yield batch, len(ids)


@dataclass(slots=True)
class Recomputed:
    """One recomputed habit: its statistics before and after, and what they were computed
    from. Enough of a Habit for the rules that read a `Recent` snapshot (the pet's mood in
    gamification.services.recent_activity), so the day close need not read it again."""

    pk: int
    user_id: int
    name: str
    status: str
    spec: stats.Schedule
    days: list[int]  # its occurrences read, as compute_stats_coded reads them (after fold.a, if folded)
    before: tuple  # the STAT_FIELDS as they were
    after: tuple  # and as they are now
    fold: fold.Fold | None = None  # through yesterday: the status of the last 30 days
    state: str | None = None  # the fold, as stored
    read_through: dt.date | None = None  # the stored fold's day when read
    changed: bool = True  # statistics or fold differ from those stored

    def stored(self) -> tuple:
        """The row _write_stats writes."""
        folded = self.fold
        return (self.pk, *self.after, self.state, folded and dt.date.fromordinal(folded.a),
                self.read_through, self.before[_TOTAL_DONE], self.before[_TOTAL_SKIPPED], self.before[_STRENGTH])

    @property
    def is_per_week(self) -> bool:
        return self.spec.kind == Habit.Schedule.PER_WEEK

    @property
    def times_per_week(self) -> int | None:
        return self.spec.times_per_week

    @property
    def last_done_on(self) -> dt.date | None:
        return self.after[_LAST_DONE_ON]

    def schedule_spec(self, week_start: int = 0) -> stats.Schedule:
        """As Habit.schedule_spec. The week's start matters to "N per week" only."""
        if self.spec.week_start == week_start or self.spec.kind != Habit.Schedule.PER_WEEK:
            return self.spec
        return replace(self.spec, week_start=week_start)

    def week_counts(self, today: dt.date) -> tuple[int, int] | None:
        """gamification.services.habit_week for the 7 days ending today, read off the fold
        (its days through yesterday say which were expected); None when not folded
        through yesterday, or "N per week"."""
        folded = self.fold
        if folded is None or self.is_per_week or folded.a != today.toordinal() - 1:
            return None
        recent = folded.days[-6:]  # today - 6 … yesterday: expected days are digits
        hits = recent.count("1")
        expected = hits + recent.count("0") + recent.count("2") + recent.count("3")
        t, done = today.toordinal(), stats.STATUS_CODES["done"]
        if self.spec.is_expected(today) and any(day >> 3 == t and day & 7 == done for day in self.days):
            expected += 1
            hits += 1
        return expected, hits

    def done_between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """The done days from `first` through `last` (when folded: no more than 30 days back)."""
        low, high, done = first.toordinal(), last.toordinal(), stats.STATUS_CODES["done"]
        out = []
        folded = self.fold
        if folded is not None:  # the days through fold.a are in the fold, the later ones in `days`
            base = folded.a - fold.WINDOW + 1
            if low < base:
                raise ValueError(f"a folded habit keeps {fold.WINDOW} days, not {first}")
            out = [dt.date.fromordinal(d) for d in range(low, min(high, folded.a) + 1)
                   if folded.days[d - base] in fold.DONE_CHARS]
            low = max(low, folded.a + 1)
        low, high = low << 3, (high + 1) << 3
        return out + [dt.date.fromordinal(day >> 3) for day in sorted(self.days) if low <= day < high and day & 7 == done]


def schedule_of(schedule, start_date, weekdays, times_per_week, every_n_days, pauses, week_start) -> stats.Schedule:
    """Habit.schedule_spec from a habit's values (set-based work reads values, not models)."""
    if not pauses:  # most habits: many share one (immutable) Schedule
        return _plain_schedule(schedule, start_date, tuple(weekdays or ()), times_per_week, every_n_days, week_start)
    return stats.Schedule(
        kind=schedule, start_date=start_date, weekdays=tuple(weekdays or ()), times_per_week=times_per_week,
        every_n_days=every_n_days, week_start=week_start,
        pauses=tuple((dt.date.fromisoformat(a), dt.date.fromisoformat(b) if b else None) for a, b in (pauses or [])),
    )


@lru_cache(maxsize=4096)
def _plain_schedule(schedule, start_date, weekdays, times_per_week, every_n_days, week_start) -> stats.Schedule:
    return stats.Schedule(
        kind=schedule, start_date=start_date, weekdays=weekdays, times_per_week=times_per_week,
        every_n_days=every_n_days, week_start=week_start,
    )


def _recompute(ids: list[int]) -> list[Recomputed]:
    """Recompute these habits from their whole histories as of each owner's local today
    and write what changed (one query and one UPDATE on PostgreSQL)."""
    result, _ = _compute_rows(_recompute_rows(ids=ids), incremental=False)
    _write_stats([habit.stored() for habit in result if habit.changed])
    return result


def compute_for_close(user_ids: list[int], since: dt.date) -> list[Recomputed]:
    """The day close's read: every alive habit of these users, carried forward from its
    fold (or from its whole history where the fold does not apply), as of each owner's
    today. Each one's occurrences from `since` on are read too (Recomputed.days), for
    the close to see which closed days are still open. Writes nothing: write_computed."""
    result, again = _compute_rows(_recompute_rows(users=user_ids, since=since, incremental=True), incremental=True)
    if again:
        result += _compute_rows(_recompute_rows(ids=again), incremental=False)[0]
    return result


def write_computed(habits: list[Recomputed]) -> set[int]:
    """Write these habits' statistics and folds where they changed, unless a habit was
    rewritten since it was read (its history changed: a tick's statistics are newer).
    Returns the ids written. Touches the owners' Today lists."""
    written = _write_stats([habit.stored() for habit in habits if habit.changed], guarded=True)
    touch(*{habit.user_id for habit in habits}, now=False)
    return written


def _compute_rows(rows: Iterable[tuple], *, incremental: bool) -> tuple[list[Recomputed], list[int]]:
    """Recomputed habits from _recompute_rows, and the ids of those whose fold no longer
    applies (only the days after it were read: they need their whole history)."""
    from habitstory.accounts.models import Profile

    now = timezone.now()
    todays: dict[tuple, dt.date] = {}
    result, again = [], []
    for row in rows:
        (pk, user_id, name, status, schedule, start_date, weekdays, times_per_week, every_n_days, pauses,
         kind, target, zone, day_start, week_start, days, values, state, through) = row[:19]
        if state is not None:
            state = loads(state)
        today = todays.get((zone, day_start))
        if today is None:
            today = todays[zone, day_start] = Profile(timezone=zone, day_start_hour=day_start).local_today(now)
        spec = schedule_of(schedule, start_date, weekdays, times_per_week, every_n_days, pauses, week_start)
        # As Habit.measure.
        measure = stats.Measure(kind, target) if kind != Habit.Kind.YES_NO and target is not None else None
        folded = None
        if incremental and state is not None:  # only its days after the stored fold were read
            folded = fold.Fold.load(state, spec, measure) if fold.foldable(spec) else None
            if folded is None or folded.a >= today.toordinal():
                again.append(pk)  # the fold does not apply: from the whole history instead
                continue
        read_a = folded and folded.a
        outcome, folded = _compute_one(spec, measure, days, values, today, folded)
        if folded is None:
            dump, moved = None, state is not None
        else:
            dump = folded.dump(spec, measure)
            moved = folded.a != read_a if read_a is not None else _fold_moved(state, folded, spec, measure)
        before = row[19:]
        after = _stat_values(outcome)
        result.append(Recomputed(
            pk, user_id, name, status, spec, days, before, after, folded, dump, through, after != before or moved
        ))
    return result, again


def _compute_one(spec: stats.Schedule, measure: stats.Measure | None, days: Iterable[int],
                 values: dict[int, Decimal], today: dt.date, folded: fold.Fold | None = None,
                 ) -> tuple[stats.Stats, fold.Fold | None]:
    """The one way a habit's statistics are computed from its occurrences (`days` as
    compute_stats_coded reads them): carried forward from `folded` (or from the start) where
    the habit folds, with the new fold; otherwise from the whole history, with no fold."""
    if fold.foldable(spec):
        return fold.compute(spec, measure, {day >> 3: day & 7 for day in days}, values, today, folded)
    return stats.compute_stats_coded(spec, days, values, today, measure), None


def _code(status: str) -> int:
    """A status's code (stats.STATUS_CODES); 7 for one no rule knows, which they refuse."""
    return stats.STATUS_CODES.get(status, 7)


def _fold_moved(state, folded: fold.Fold, spec: stats.Schedule, measure: stats.Measure | None) -> bool:
    """Whether the stored fold differs from the new one (same version, key and day: the same)."""
    return not (
        isinstance(state, list) and len(state) > 2 and state[0] == fold.VERSION and state[2] == folded.a
        and state[1] == fold.key(spec, measure)
    )


_stat_values = attrgetter(*STAT_FIELDS)
_LAST_DONE_ON = STAT_FIELDS.index("last_done_on")
_TOTAL_DONE, _TOTAL_SKIPPED, _STRENGTH = (STAT_FIELDS.index(name) for name in ("total_done", "total_skipped", "strength"))
_HABIT_COLUMNS = ("id", "user_id", "name", "status", "schedule", "start_date", "weekdays", "times_per_week",
                  "every_n_days", "pauses", "kind", "target_value")
_PROFILE_COLUMNS = ("timezone", "day_start_hour", "week_start")
_CODE_SQL = " ".join(f"WHEN '{status}' THEN {code}" for status, code in stats.STATUS_CODES.items())
_ORDINAL_SQL = "(o.\"on\" - DATE '0001-01-01' + 1)"  # date.toordinal()


def _recompute_rows(
    ids: list[int] | None = None, *, users: list[int] | None = None, since: dt.date | None = None,
    incremental: bool = False,
) -> Iterable[tuple]:
    """Per habit (these `ids`, or the alive habits of these `users`): _HABIT_COLUMNS,
    _PROFILE_COLUMNS (the zone by name), its occurrences as compute_stats_coded reads them
    (days, values), its stats_state and stats_through, then its STAT_FIELDS. On PostgreSQL
    one query, the database folding each habit's occurrences into an array (`incremental`:
    only those after its stored fold's day, and from `since` on); elsewhere two, all of them."""
    from habitstory.accounts.models import Profile

    if connection.vendor != "postgresql":
        habits = Habit.objects.filter(pk__in=ids) if users is None else Habit.objects.alive().filter(user_id__in=users)
        histories: dict[int, tuple[list[int], dict]] = defaultdict(lambda: ([], {}))
        for habit_id, on, status, value in Occurrence.objects.filter(habit__in=habits).values_list(
            "habit_id", "on", "status", "value"
        ):
            days, values = histories[habit_id]
            days.append(on.toordinal() << 3 | _code(status))
            if value is not None:
                values[on.toordinal()] = value
        habits = habits.annotate(zone=Cast("user__profile__timezone", CharField()))
        for row in habits.values_list(
            *_HABIT_COLUMNS, "zone", *(f"user__profile__{c}" for c in _PROFILE_COLUMNS[1:]), "stats_state",
            "stats_through", *STAT_FIELDS,
        ):
            yield (*row[:15], *histories.get(row[0], ((), {})), *row[15:])
        return
    # Empty weekday and pause lists come back as NULL: no JSON to decode.
    json = {"weekdays", "pauses"}
    columns = ", ".join(f"NULLIF(h.{c}, '[]')::text" if c in json else f"h.{c}" for c in _HABIT_COLUMNS)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # For the rest of the transaction: fold 5,000 histories in memory, not on disk (the
        # default is 4 MB), and do not spend ~30 ms compiling each big statement (JIT).
        cursor.execute("SELECT set_config('work_mem', '64MB', true), set_config('jit', 'off', true)")
        cursor.execute(
            f"""SELECT {columns}, {", ".join(f"p.{c}" for c in _PROFILE_COLUMNS)},
                o.days, o.values, h.stats_state, h.stats_through, {", ".join(f"h.{c}" for c in STAT_FIELDS)}
            FROM {Habit._meta.db_table} h
            -- Each owner's profile by its index (OFFSET 0 keeps the planner from hashing them all).
            JOIN LATERAL (
                SELECT {", ".join(_PROFILE_COLUMNS)} FROM {Profile._meta.db_table} WHERE user_id = h.user_id OFFSET 0
            ) p ON true
            {_INCREMENTAL_HISTORIES if incremental else _HISTORIES}
            WHERE {"h.id = ANY(%(ids)s)" if users is None else "h.user_id = ANY(%(users)s) AND h.deleted_at IS NULL"}""",
            {"ids": array_literal(ids or ()), "users": array_literal(users or ()), "since": since},
        )
        rows = cursor.fetchall()
    for row in rows:
        weekdays, pauses, days, values = row[6], row[9], row[15], row[16]
        yield (
            *row[:6], weekdays and loads(weekdays), *row[7:9], pauses and loads(pauses), *row[10:15],
            days or (), _values(values) if values else {}, *row[17:],
        )


_AGGREGATES = f"""array_agg({_ORDINAL_SQL} * 8 + CASE o.status {_CODE_SQL} ELSE 7 END) AS days,
    string_agg({_ORDINAL_SQL} || ':' || o.value, ',') FILTER (WHERE o.value IS NOT NULL) AS values"""
_HISTORIES = f"""LEFT JOIN LATERAL (
    SELECT {_AGGREGATES} FROM {Occurrence._meta.db_table} o WHERE o.habit_id = h.id
) o ON true"""
# The days after the stored fold's (and from `since` on), by the (habit, day) index.
_INCREMENTAL_HISTORIES = f"""LEFT JOIN LATERAL (
    SELECT {_AGGREGATES} FROM {Occurrence._meta.db_table} o
    WHERE o.habit_id = h.id
      AND o."on" > LEAST(COALESCE(h.stats_through, '-infinity'::date), COALESCE(%(since)s::date - 1, 'infinity'))
) o ON true"""


def _values(pairs: str) -> dict[int, Decimal]:
    """"738000:8.00,738001:6.50" → {738000: Decimal("8.00"), 738001: Decimal("6.50")}"""
    return {int(ordinal): Decimal(value) for ordinal, value in (pair.split(":") for pair in pairs.split(","))}


def array_literal(values) -> str:
    """A PostgreSQL array literal of numbers, dates or booleans: much quicker for the
    driver to send than a list it adapts item by item."""
    values = list(values)
    if type(next((value for value in values if value is not None), 0)) in (int, float, bool):
        # A column of numbers or booleans (and None): Python's list display is nearly the
        # literal (True/False are booleans to PostgreSQL, a float's repr its shortest exact form).
        return "{" + str(values)[1:-1].replace("None", "NULL") + "}"
    if all(value is None or type(value) is dt.date for value in values):  # dates: str() is ISO
        return "{" + ",".join(map(str, values)).replace("None", "NULL") + "}"
    return "{" + ",".join(map(_literal, values)) + "}"


def text_array_literal(values) -> str:
    """A PostgreSQL array literal of strings (or None): each quoted, its quotes and
    backslashes escaped. Much quicker than the driver's quoting, character by character."""
    return "{" + ",".join(
        "NULL" if value is None else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for value in values
    ) + "}"


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)  # a float's str is its shortest exact form; PostgreSQL reads it back exactly


def _write_stats(rows: list[tuple], *, guarded: bool = False) -> set[int]:
    """Write Recomputed.stored() rows: STAT_FIELDS, stats_state and stats_through. On
    PostgreSQL one UPDATE … FROM unnest(arrays). `guarded`: only rows whose stats_through,
    total_done, total_skipped and strength are still as read (nothing rewrote them since).
    Returns the ids written."""
    if not rows:
        return set()
    names = [*STAT_FIELDS, "stats_state", "stats_through"]
    width = len(names) + 1
    if connection.vendor != "postgresql":
        if not guarded:
            Habit.objects.bulk_update(
                [Habit(pk=row[0], **dict(zip(names, row[1:width], strict=True))) for row in rows], names,
                batch_size=100,
            )
            return {row[0] for row in rows}
        return {
            row[0] for row in rows
            if Habit.objects.filter(
                pk=row[0], stats_through=row[width], total_done=row[width + 1], total_skipped=row[width + 2],
                strength=row[width + 3],
            ).update(**dict(zip(names, row[1:width], strict=True)))
        }
    fields = [Habit._meta.get_field(name) for name in names]
    columns = list(zip(*rows, strict=True))
    states = width - 2
    params = [text_array_literal(column) if n == states else array_literal(column) for n, column in enumerate(columns[:width])]
    guard = ""
    if guarded:
        params += [array_literal(column) for column in columns[width:]]
        guard = """AND h.stats_through IS NOT DISTINCT FROM v.read_through AND h.total_done = v.read_done
            AND h.total_skipped = v.read_skipped AND h.strength = v.read_strength"""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {Habit._meta.db_table} AS h SET {", ".join(f"{f.column} = v.{f.column}" for f in fields)}
            FROM unnest(%s::bigint[], {", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)}
                {", %s::date[], %s::integer[], %s::integer[], %s::double precision[]" if guarded else ""})
                AS v(id, {", ".join(f.column for f in fields)}
                {", read_through, read_done, read_skipped, read_strength" if guarded else ""})
            -- The ids again: the planner then reads these rows by the index, never the whole table.
            WHERE h.id = v.id AND h.id = ANY(%s::bigint[]) {guard}
            RETURNING h.id""",
            [*params, params[0]],
        )
        return {pk for pk, in cursor.fetchall()}


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
