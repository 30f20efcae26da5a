"""The hourly day close (DESIGN.md §5): once a user's local day has ended, its expected
days still open become missed, statistics are recomputed, new risks raise an alert and
pets' moods follow.

Exactly once: each user's range of days is claimed with a conditional UPDATE of
`Profile.closed_through` (healthchecks' "claim one row"), in the same transaction as the
writes. A second run, an overlapping run or a run after an outage finds nothing left to
claim, or claims exactly the days no one closed yet, so it ends in the same state as
on-time runs.

Decisions:
- A user never closed before (`closed_through` null) has only yesterday closed: older
  open days are already counted as missed by the statistics, and writing them out would
  turn imported history into a wall of misses.
- "N per week" habits have no individually expected day: their days are left alone.
- Only expected days are closed: paused days, days before the start and days off the
  schedule are left as they are; archived and deleted habits are skipped.
- Statistics are recomputed for every alive habit of a closed user (the day moving on
  changes streaks and windows even where nothing was missed), with the current clock:
  carried forward from each habit's fold (habits.fold), so one read per batch brings the
  habits, their folds and the closed days' rows. The rules already count a past day left
  open as missed, so statistics computed before the misses are written are the ones after.
  A habit ticked between that read and the write keeps the tick's statistics (and raises
  no alert).
- A pet's mood is updated only for users who already have a pet.
- A habit that becomes at risk in a close (active, `at_risk` false before and true after)
  raises one risk alert: queued after the batch commits as one `notifications.send_risk_alerts`
  task (keyed by habit and local day, so a retried task alerts once); the task notifies only
  habits still at risk then (a tick in between means no alert).
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import multiprocessing.util
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.models import Q
from django.utils import timezone

from habitstory.accounts.models import Profile

from . import services, stats
from .models import Habit, Occurrence

logger = logging.getLogger(__name__)

NEVER_SWALLOWED = (SoftTimeLimitExceeded,)  # a run out of time stops; the next one catches up
AT_RISK = services.STAT_FIELDS.index("at_risk")


@dataclass
class Plan:
    """One user's days to close and the occurrences that become missed."""

    profile_id: int
    user_id: int
    old: dt.date | None  # closed_through before this run
    first: dt.date
    last: dt.date
    today: dt.date
    misses: list[tuple[int, dt.date]] = field(default_factory=list)  # (habit id, day) without a row or open
    habits: list[services.Recomputed] = field(default_factory=list)  # every alive habit, recomputed

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass
class Summary:
    users: int = 0
    days: int = 0
    missed: int = 0
    at_risk: int = 0
    failed: list[int] = field(default_factory=list)  # user ids, retried next run

    def add(self, other: Summary) -> None:
        self.users += other.users
        self.days += other.days
        self.missed += other.missed
        self.at_risk += other.at_risk

    def merge(self, other: Summary) -> None:
        self.add(other)
        self.failed.extend(other.failed)

    def as_dict(self) -> dict:
        return {"users": self.users, "days": self.days, "missed": self.missed,
                "at_risk": self.at_risk, "failed": list(self.failed)}


def close_days(
    now: dt.datetime | None = None,
    *,
    users=None,
    until: dt.date | None = None,
    batch_size: int = 500,
    workers: int | None = None,
) -> dict:
    """Close every ended, not yet closed local day up to yesterday (or `until`, if
    earlier), for all users or only `users`. Safe to run twice, at once, or late.
    Returns {"users", "days", "missed", "at_risk", "failed"}.

    With `workers` > 1 (default settings.CLOSE_DAYS_WORKERS) batches run in that many
    worker processes (forked, each with its own database connection), so the close uses
    every core: its work is mostly Python, which threads could not run at once. Only on
    PostgreSQL and outside a transaction (a worker could not see the caller's uncommitted
    rows); the claims keep concurrent batches apart anyway."""
    now = now or timezone.now()
    profiles = Profile.objects.filter(user__is_active=True)
    if users is not None:
        profiles = profiles.filter(user__in=users)
    # No local "yesterday" is later than the UTC date: anyone closed through it is done.
    profiles = profiles.filter(Q(closed_through__isnull=True) | Q(closed_through__lt=now.astimezone(dt.UTC).date()))
    ids = list(profiles.order_by("pk").values_list("pk", flat=True))
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    workers = min(settings.CLOSE_DAYS_WORKERS if workers is None else workers, len(batches))
    summary = Summary()
    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        for batch in batches:
            _close_batch(batch, now, until, summary)
        return summary.as_dict()
    # A forked worker must not share this process's connections: this thread's are closed
    # first, and a worker forgets the pool it inherits (_forget_inherited_connections).
    connections.close_all()
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_forget_inherited_connections
    )
    try:
        for result in pool.map(partial(_close_batch_in_worker, now=now, until=until), batches):
            summary.merge(result)
    finally:
        # A run out of time (or failing) stops here: batches not started are left for the next run.
        pool.shutdown(wait=True, cancel_futures=True)
    return summary.as_dict()


def _forget_inherited_connections() -> None:
    """In a forked worker: drop the database connection pools copied from the parent
    without closing them (their sockets are the parent's: closing them would end its
    sessions); this process opens its own, closed when it exits. (Redis clients and
    Celery's broker connections notice the fork themselves.)"""
    for conn in connections.all(initialized_only=True):
        conn.connection = None
        pools = getattr(type(conn), "_connection_pools", None)
        if pools is not None and pools.pop(conn.alias, None) is not None:
            multiprocessing.util.Finalize(None, conn.close_pool, exitpriority=10)


def _close_batch_in_worker(profile_ids: list[int], now: dt.datetime, until: dt.date | None) -> Summary:
    summary = Summary()
    _close_batch(profile_ids, now, until, summary)
    return summary


def _close_batch(profile_ids: list[int], now: dt.datetime, until: dt.date | None, summary: Summary) -> None:
    plans = []
    todays: dict[tuple, dt.date] = {}
    for pk, user_id, zone, day_start, closed_through in (
        Profile.objects.filter(pk__in=profile_ids)
        .order_by("pk")
        .values_list("pk", "user_id", "timezone", "day_start_hour", "closed_through")
    ):
        today = todays.get((zone, day_start))
        if today is None:
            today = todays[zone, day_start] = Profile(timezone=zone, day_start_hour=day_start).local_today(now)
        last = today - dt.timedelta(days=1)
        if until is not None:
            last = min(last, until)
        first = closed_through + dt.timedelta(days=1) if closed_through else last
        if first <= last:
            plans.append(Plan(pk, user_id, closed_through, first, last, today))
    if not plans:
        return
    plans = _find_misses(plans, summary)
    try:
        summary.add(_write(plans))
    except NEVER_SWALLOWED:
        raise
    except Exception:
        # One user's bad row must not cost the others their close: again, one by one.
        logger.warning("close_days: batch of %s users failed; closing them one by one", len(plans), exc_info=True)
        for plan in plans:
            try:
                summary.add(_write([plan]))
            except NEVER_SWALLOWED:
                raise
            except Exception:
                logger.exception("close_days: could not close days for user %s", plan.user_id)
                summary.failed.append(plan.user_id)


def _find_misses(plans: list[Plan], summary: Summary) -> list[Plan]:
    """Recompute each user's habits (one query for the batch: services.compute_for_close)
    and list the closed days still open. A user whose habits cannot be read is logged and
    left for the next run."""
    habits = defaultdict(list)
    unread = set()
    try:
        computed = services.compute_for_close([plan.user_id for plan in plans], min(plan.first for plan in plans))
    except NEVER_SWALLOWED:
        raise
    except Exception:
        # One user's bad row must not cost the others their close: again, one by one.
        logger.warning("close_days: could not read a batch of %s users; one by one", len(plans), exc_info=True)
        computed = []
        for plan in plans:
            try:
                computed += services.compute_for_close([plan.user_id], plan.first)
            except NEVER_SWALLOWED:
                raise
            except Exception:
                logger.exception("close_days: could not read the habits of user %s", plan.user_id)
                unread.add(plan.user_id)
    for habit in computed:
        habits[habit.user_id].append(habit)
    planned = []
    for plan in plans:
        if plan.user_id in unread:  # logged above; the next run tries again
            summary.failed.append(plan.user_id)
            continue
        plan.habits = habits[plan.user_id]
        try:
            _plan_user(plan, plan.habits)
        except Exception:
            logger.exception("close_days: could not plan the close for user %s", plan.user_id)
            summary.failed.append(plan.user_id)
            continue
        planned.append(plan)
    return planned


def _plan_user(plan: Plan, habits: list[services.Recomputed]) -> None:
    days = [plan.first + dt.timedelta(days=n) for n in range(plan.days)]
    first, last = days[0].toordinal(), days[-1].toordinal()
    for habit in habits:
        if habit.status == Habit.Status.ARCHIVED or habit.is_per_week:
            continue
        spec = habit.spec
        # The closed days' rows: read with the habit (from plan.first on).
        kept = {day >> 3 for day in habit.days if first <= day >> 3 <= last and day & 7 not in _OPEN_CODES}
        plan.misses += [
            (habit.pk, day) for day in days if day.toordinal() not in kept and spec.is_expected(day)
        ]


_OPEN_CODES = {stats.STATUS_CODES[status] for status in services.OPEN}


def _write(plans: list[Plan]) -> Summary:
    """One transaction: claim the users' ranges, write the misses and the statistics,
    raise new risks; then pets' moods. Only the users claimed here are written."""
    result = Summary()
    with transaction.atomic():
        plans = _claim(plans)
        if not plans:
            return result
        result.missed += _mark_missed([miss for plan in plans for miss in plan.misses])
        # Every alive habit of these users (their Today lists are touched there); the ones
        # that became at risk (and are active) raise an alert, once. A habit ticked since
        # it was read keeps the tick's statistics (and raises none).
        recomputed = [habit for plan in plans for habit in plan.habits]
        written = services.write_computed(recomputed)
        today_of = {plan.user_id: plan.today for plan in plans}
        alerts = [
            (habit.pk, today_of[habit.user_id].isoformat())
            for habit in recomputed
            if habit.after[AT_RISK] and not habit.before[AT_RISK] and habit.status == Habit.Status.ACTIVE
            and habit.pk in written
        ]
        result.at_risk += len(alerts)
        result.users = len(plans)
        result.days = sum(plan.days for plan in plans)
        if alerts:
            # Sent by a task of their own once this commits (notify() per alert: preferences,
            # inbox, push, e-mail), so the close stays a few queries a batch.
            from habitstory.notifications.jobs import queue_risk_alerts

            transaction.on_commit(partial(queue_risk_alerts, alerts), robust=True)
    try:
        _move_pets(plans, recomputed)
    except Exception:
        logger.exception("close_days: pets' moods not updated for users %s", [p.user_id for p in plans])
    return result


def _mark_missed(rows: list[tuple[int, dt.date]]) -> int:
    """(habit id, day) pairs become missed: a new row, or the open row there. A row done
    or skipped since it was read (a tick meanwhile) is left alone. Returns how many."""
    if not rows:
        return 0
    now = timezone.now()
    table = Occurrence._meta.db_table
    upsert = f"""ON CONFLICT (habit_id, "on") DO UPDATE SET status = EXCLUDED.status, updated_at = EXCLUDED.updated_at
        WHERE {table}.status IN ({", ".join(f"'{status}'" for status in services.OPEN)})"""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement from two arrays
            habit_ids, days = zip(*rows, strict=True)
            cursor.execute(
                f"""INSERT INTO {table} (habit_id, "on", status, note, verification, xp_cycle, created_at, updated_at)
                SELECT habit_id, day, %s, '', '', 0, %s, %s FROM unnest(%s::bigint[], %s::date[]) AS v(habit_id, day)
                {upsert}""",
                [Occurrence.Status.MISSED, now, now, services.array_literal(habit_ids), services.array_literal(days)],
            )
            return cursor.rowcount
        cursor.executemany(
            f"""INSERT INTO {table} (habit_id, "on", status, note, verification, xp_cycle, created_at, updated_at)
            VALUES (%s, %s, %s, '', '', 0, %s, %s) {upsert}""",
            [(habit_id, day, Occurrence.Status.MISSED, now, now) for habit_id, day in rows],
        )
        return cursor.rowcount


class _Contended(Exception):
    """Another run claimed some of these users first."""


def _claim(plans: list[Plan]) -> list[Plan]:
    """Move each user's closed_through from what this run read to its last day; keep the
    plans whose row this run moved. Users with the same range are claimed with one UPDATE;
    if another run got to some of them first, they are claimed one by one instead."""
    groups: dict[tuple, list[Plan]] = defaultdict(list)
    for plan in plans:
        groups[plan.old, plan.last].append(plan)
    claimed = []
    for (old, new), group in groups.items():
        ids = [plan.profile_id for plan in group]
        try:
            with transaction.atomic():
                if Profile.objects.filter(pk__in=ids, closed_through=old).update(closed_through=new) != len(ids):
                    raise _Contended
            claimed += group
        except _Contended:
            claimed += [
                plan for plan in group
                if Profile.objects.filter(pk=plan.profile_id, closed_through=old).update(closed_through=new)
            ]
    return claimed


def _move_pets(plans: list[Plan], habits: list[services.Recomputed]) -> None:
    """Each closed user's pet takes the mood of their last 7 days (gamification.rules),
    from the habits and histories the recompute read; one UPDATE per mood."""
    from gamification import rules
    from gamification.models import Pet, PetEvent
    from gamification.services import activity, habit_week

    pets = {
        user_id: (pk, name, mood)
        for pk, user_id, name, mood in Pet.objects.filter(user_id__in=[p.user_id for p in plans]).values_list(
            "pk", "user_id", "name", "mood"
        )
    }
    if not pets:
        return
    active = defaultdict(list)
    for habit in habits:
        if habit.status == Habit.Status.ACTIVE:
            active[habit.user_id].append(habit)
    changed = defaultdict(list)
    for plan in plans:
        if plan.user_id not in pets:
            continue
        today, first = plan.today, plan.today - dt.timedelta(days=6)
        mine = active[plan.user_id]
        # From the fold where it can tell (no dates to make), as recent_activity otherwise.
        counts = [habit.week_counts(today) or habit_week(habit, today, set(habit.done_between(first, today)))
                  for habit in mine]
        mood = rules.mood_for(*activity(counts, [habit.last_done_on for habit in mine], today))
        pk, name, before = pets[plan.user_id]
        if mood != before:
            changed[mood].append((pk, name))
    now = timezone.now()
    for mood, moved in changed.items():
        Pet.objects.filter(pk__in=[pk for pk, _ in moved]).update(mood=mood, updated_at=now)
    events = [(pk, f"{name} is {mood}.") for mood, moved in changed.items() for pk, name in moved]
    if events and connection.vendor == "postgresql":  # one INSERT from two arrays
        pet_ids, details = zip(*events, strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {PetEvent._meta.db_table} (pet_id, kind, detail, created_at)
                SELECT pet_id, %s, detail, %s FROM unnest(%s::bigint[], %s::text[]) AS v(pet_id, detail)""",
                [PetEvent.Kind.MOOD, now, services.array_literal(pet_ids), services.text_array_literal(details)],
            )
    elif events:
        PetEvent.objects.bulk_create(
            PetEvent(pet_id=pk, kind=PetEvent.Kind.MOOD, detail=detail, created_at=now) for pk, detail in events
        )


def record_success(name: str, now: dt.datetime | None = None) -> None:
    """The health page shows when each job last finished."""
    cache.set(f"job:last_success:{name}", (now or timezone.now()).isoformat(), None)
