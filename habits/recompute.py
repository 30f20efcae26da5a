"""A habit's statistics, kept on the habit (Habit.STAT_FIELDS) with their fold
(habits.fold): rewritten after each change to its days (`refresh_stats`), recomputed
set-based for many habits (`recompute_stats`), and carried forward by the day close
(`compute_for_close`, `write_computed`). The rules are habits.stats; the SQL that reads
histories and writes statistics in bulk is habits.stats_store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from json import loads
from operator import attrgetter

from django.db import connection
from django.utils import timezone

from habitstory.accounts.models import Profile

from . import fold, stats
from .models import STAT_FIELDS, Habit, Occurrence
from .stats_store import recompute_rows, write_stats
from .today_cache import touch


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

    `changed`: the occurrence just written. When it is after the day the habit's stored
    fold runs through, the fold still stands: the statistics follow from it and the days
    after it (a tick on today with the fold through yesterday reads no history at all);
    otherwise from the whole history."""
    today = today or habit.user.profile.local_today()
    spec, measure = habit.schedule_spec(habit.user.profile.week_start), habit.measure
    folded = stored_fold(habit, spec, measure, today) if changed is not None else None
    if folded is not None and changed.on.toordinal() <= folded.through:
        folded = None  # a day inside the fold changed
    if folded is not None and folded.through == today.toordinal() - 1 and changed.on == today:
        result = fold.finish(folded, spec, measure, folded.through + 1, stats.status_code(changed.status), changed.value)
    else:
        after = dt.date.fromordinal(folded.through) if folded is not None else None
        days, values = _history(habit, after)
        result, folded = compute_coded(spec, measure, days, values, today, folded)
        habit.stats_state = folded and folded.dump(spec, measure)
        habit.stats_through = folded and dt.date.fromordinal(folded.through)
    apply_stats(habit, result)
    Habit.objects.filter(pk=habit.pk).update(
        stats_state=habit.stats_state, stats_through=habit.stats_through,
        **{name: getattr(habit, name) for name in STAT_FIELDS},
    )
    touch(habit.user_id)
    return result


def stored_fold(habit: Habit, spec: stats.Schedule, measure: stats.Measure | None, today: dt.date) -> fold.Fold | None:
    """The habit's stored fold, where it can be carried forward to `today`: the habit
    folds, the fold is for its schedule and measure as they are, and it runs through a day
    before today. Only the days after it need reading then."""
    through = habit.stats_through
    if through is None or through >= today or not habit.stats_state or not fold.foldable(spec):
        return None
    folded = fold.Fold.load(habit.stats_state, spec, measure)
    return folded if folded is not None and folded.through == through.toordinal() else None


def _history(habit: Habit, after: dt.date | None = None) -> tuple[list[int], dict[int, Decimal]]:
    """The habit's occurrences (after a day, if given) as compute_coded reads them."""
    rows = Occurrence.objects.filter(habit=habit)
    if after is not None:
        rows = rows.filter(on__gt=after)
    days, values = [], {}
    for on, status, value in rows.values_list("on", "status", "value"):
        days.append(on.toordinal() << 3 | stats.status_code(status))
        if value is not None:
            values[on.toordinal()] = value
    return days, values


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
    days: list[int]  # its occurrences read, as compute_stats_coded reads them (after fold.through, if folded)
    before: tuple  # the STAT_FIELDS as they were
    after: tuple  # and as they are now
    fold: fold.Fold | None = None  # through yesterday: the status of the last 30 days
    state: str | None = None  # the fold, as stored
    read_through: dt.date | None = None  # the stored fold's day when read
    changed: bool = True  # statistics or fold differ from those stored
    measure: stats.Measure | None = None  # as Habit.measure
    values: dict = field(default_factory=dict)  # the measured values read, by ordinal

    def stored(self) -> tuple:
        """The row stats_store.write_stats writes."""
        folded = self.fold
        return (self.pk, *self.after, self.state, folded and dt.date.fromordinal(folded.through),
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

    @property
    def current_streak(self) -> int:
        return self.after[_CURRENT_STREAK]

    def schedule_spec(self, week_start: int = 0) -> stats.Schedule:
        """As Habit.schedule_spec. The week's start matters to "N per week" only."""
        if self.spec.week_start == week_start or self.spec.kind != Habit.Schedule.PER_WEEK:
            return self.spec
        return replace(self.spec, week_start=week_start)

    def week_counts(self, today: dt.date) -> tuple[int, int] | None:
        """today_list.habit_week for the 7 days ending today, read off the fold (its days
        through yesterday say which were expected); None when not folded through
        yesterday, or "N per week"."""
        folded = self.fold
        if folded is None or self.is_per_week or folded.through != today.toordinal() - 1:
            return None
        expected, hits = fold.expected_and_done(folded, 6)  # today - 6 … yesterday
        t, done = today.toordinal(), stats.DONE_CODE
        if self.spec.is_expected(today) and any(day >> 3 == t and day & 7 == done for day in self.days):
            expected += 1
            hits += 1
        return expected, hits

    def done_between(self, first: dt.date, last: dt.date) -> list[dt.date]:
        """The done days from `first` through `last` (when folded: no more than 30 days back)."""
        low, high, done = first.toordinal(), last.toordinal(), stats.STATUS_CODES["done"]
        out = []
        folded = self.fold
        if folded is not None:  # the days through fold.through are in the fold, the later ones in `days`
            base = folded.through - fold.WINDOW + 1
            if low < base:
                raise ValueError(f"a folded habit keeps {fold.WINDOW} days, not {first}")
            out = [dt.date.fromordinal(d) for d in range(low, min(high, folded.through) + 1)
                   if folded.days[d - base] in fold.DONE_CHARS]
            low = max(low, folded.through + 1)
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
    result, _ = _compute_rows(recompute_rows(ids=ids), incremental=False)
    write_stats([habit.stored() for habit in result if habit.changed])
    return result


def compute_for_close(user_ids: list[int], since: dt.date) -> list[Recomputed]:
    """The day close's read: every alive habit of these users, carried forward from its
    fold (or from its whole history where the fold does not apply), as of each owner's
    today. Each one's occurrences from `since` on are read too (Recomputed.days), for
    the close to see which closed days are still open. Writes nothing: write_computed."""
    result, again = _compute_rows(recompute_rows(users=user_ids, since=since, incremental=True), incremental=True)
    if again:
        result += _compute_rows(recompute_rows(ids=again), incremental=False)[0]
    return result


def write_computed(habits: list[Recomputed]) -> set[int]:
    """Write these habits' statistics and folds where they changed, unless a habit was
    rewritten since it was read (its history changed: a tick's statistics are newer).
    Returns the ids written. Touches the owners' Today lists."""
    written = write_stats([habit.stored() for habit in habits if habit.changed], guarded=True)
    touch(*{habit.user_id for habit in habits}, now=False)
    return written


def _compute_rows(rows: Iterable[tuple], *, incremental: bool) -> tuple[list[Recomputed], list[int]]:
    """Recomputed habits from stats_store.recompute_rows, and the ids of those whose fold no longer
    applies (only the days after it were read: they need their whole history)."""
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
            if folded is None or folded.through >= today.toordinal():
                again.append(pk)  # the fold does not apply: from the whole history instead
                continue
        loaded_through = folded and folded.through
        outcome, folded = compute_coded(spec, measure, days, values, today, folded)
        if folded is None:
            dump, moved = None, state is not None
        else:
            dump = folded.dump(spec, measure)
            moved = folded.through != loaded_through if loaded_through is not None else _fold_moved(state, folded, spec, measure)
        before = row[19:]
        after = _stat_values(outcome)
        result.append(Recomputed(
            pk, user_id, name, status, spec, days, before, after, folded, dump, through, after != before or moved,
            measure, values,
        ))
    return result, again


def compute_coded(spec: stats.Schedule, measure: stats.Measure | None, days: Iterable[int],
                 values: dict[int, Decimal], today: dt.date, folded: fold.Fold | None = None,
                 ) -> tuple[stats.Stats, fold.Fold | None]:
    """The one way a habit's statistics are computed from its occurrences (`days` as
    compute_stats_coded reads them): carried forward from `folded` (or from the start) where
    the habit folds, with the new fold; otherwise from the whole history, with no fold."""
    if fold.foldable(spec):
        return fold.compute(spec, measure, {day >> 3: day & 7 for day in days}, values, today, folded)
    return stats.compute_stats_coded(spec, days, values, today, measure), None


def _fold_moved(state, folded: fold.Fold, spec: stats.Schedule, measure: stats.Measure | None) -> bool:
    """Whether the stored fold differs from the new one (same version, key and day: the same)."""
    return fold.stored_through(state, spec, measure) != folded.through


_stat_values = attrgetter(*STAT_FIELDS)
_LAST_DONE_ON = STAT_FIELDS.index("last_done_on")
_CURRENT_STREAK = STAT_FIELDS.index("current_streak")
_TOTAL_DONE, _TOTAL_SKIPPED, _STRENGTH = (STAT_FIELDS.index(name) for name in ("total_done", "total_skipped", "strength"))
