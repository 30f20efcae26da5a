"""Habits' part of the hourly day close (docs/architecture.md; the flow is
habitstory.story.closing): once a user's local day has ended, its expected days still
open become missed and statistics are recomputed. It hands back plain facts for the
domains after it: each closed user's last 7 days (the pet's mood) and the habits that
became at risk (their alerts).

Exactly once: each user's range of days is claimed with a conditional UPDATE of
`Profile.closed_through` (healthchecks' "claim one row"), in the same transaction as the
writes. A second run, an overlapping run or a run after an outage finds nothing left to
claim, or claims exactly the days no one closed yet, so it ends in the same state as
on-time runs. The decisions (which days close, how statistics carry forward, who is
alerted) are in docs/architecture.md, "The day close"."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from habitstory.accounts.models import Profile
from habitstory.core.jobs import NEVER_SWALLOWED
from habitstory.core.sql import array_literal

from . import recompute, stats
from .models import OPEN, STAT_FIELDS, Habit, Occurrence
from .today_list import habit_week

logger = logging.getLogger(__name__)

AT_RISK = STAT_FIELDS.index("at_risk")


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
    habits: list[recompute.Recomputed] = field(default_factory=list)  # every alive habit, recomputed

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class Week:
    """A closed user's last 7 days, for the pet's mood: each active habit's (expected,
    done) days (today_list.habit_week) and last done day."""

    user_id: int
    today: dt.date
    counts: list[tuple[int, int]]
    last_done: list[dt.date | None]


@dataclass
class Summary:
    """A run's counts, and what the close hands to the flow after it (not counted)."""

    users: int = 0
    days: int = 0
    missed: int = 0
    at_risk: int = 0
    failed: list[int] = field(default_factory=list)  # user ids, retried next run
    alerts: list[tuple[int, str]] = field(default_factory=list)  # (habit id, local day) that became at risk
    weeks: list[Week] = field(default_factory=list)  # each closed user's last 7 days

    def add(self, other: Summary) -> None:
        self.users += other.users
        self.days += other.days
        self.missed += other.missed
        self.at_risk += other.at_risk
        self.alerts += other.alerts
        self.weeks += other.weeks

    def merge(self, other: Summary) -> None:
        self.add(other)
        self.failed.extend(other.failed)

    def as_dict(self) -> dict:
        return {"users": self.users, "days": self.days, "missed": self.missed,
                "at_risk": self.at_risk, "failed": list(self.failed)}


def due_profiles(now: dt.datetime, users=None) -> list[int]:
    """The profiles (ids, in order) of active users, all or only `users`, who may have an
    ended day left to close."""
    profiles = Profile.objects.filter(user__is_active=True)
    if users is not None:
        profiles = profiles.filter(user__in=users)
    # No local "yesterday" is later than the UTC date: anyone closed through it is done.
    profiles = profiles.filter(Q(closed_through__isnull=True) | Q(closed_through__lt=now.astimezone(dt.UTC).date()))
    return list(profiles.order_by("pk").values_list("pk", flat=True))


def close_batch(profile_ids: list[int], now: dt.datetime, until: dt.date | None) -> Summary:
    """Close the ended days of these users (profile ids) that no run closed yet, up to
    yesterday (or `until`). One user's failure is logged and left for the next run."""
    summary = Summary()
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
        return summary
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
    return summary


def _find_misses(plans: list[Plan], summary: Summary) -> list[Plan]:
    """Recompute each user's habits (one query for the batch: recompute.compute_for_close)
    and list the closed days still open. A user whose habits cannot be read is logged and
    left for the next run."""
    habits = defaultdict(list)
    unread = set()
    try:
        computed = recompute.compute_for_close([plan.user_id for plan in plans], min(plan.first for plan in plans))
    except NEVER_SWALLOWED:
        raise
    except Exception:
        # One user's bad row must not cost the others their close: again, one by one.
        logger.warning("close_days: could not read a batch of %s users; one by one", len(plans), exc_info=True)
        computed = []
        for plan in plans:
            try:
                computed += recompute.compute_for_close([plan.user_id], plan.first)
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


def _plan_user(plan: Plan, habits: list[recompute.Recomputed]) -> None:
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


_OPEN_CODES = {stats.STATUS_CODES[status] for status in OPEN}


def _write(plans: list[Plan]) -> Summary:
    """One transaction: claim the users' ranges, write the misses and the statistics, find
    the new risks; then each user's week. Only the users claimed here are written."""
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
        written = recompute.write_computed(recomputed)
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
        result.alerts = alerts
    result.weeks = _weeks(plans)
    return result


def _mark_missed(rows: list[tuple[int, dt.date]]) -> int:
    """(habit id, day) pairs become missed: a new row, or the open row there. A row done
    or skipped since it was read (a tick meanwhile) is left alone. Returns how many."""
    if not rows:
        return 0
    now = timezone.now()
    table = Occurrence._meta.db_table
    upsert = f"""ON CONFLICT (habit_id, "on") DO UPDATE SET status = EXCLUDED.status, updated_at = EXCLUDED.updated_at
        WHERE {table}.status IN ({", ".join(f"'{status}'" for status in OPEN)})"""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement from two arrays
            habit_ids, days = zip(*rows, strict=True)
            cursor.execute(
                f"""INSERT INTO {table} (habit_id, "on", status, note, verification, xp_cycle, created_at, updated_at)
                SELECT habit_id, day, %s, '', '', 0, %s, %s FROM unnest(%s::bigint[], %s::date[]) AS v(habit_id, day)
                {upsert}""",
                [Occurrence.Status.MISSED, now, now, array_literal(habit_ids), array_literal(days)],
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


def _weeks(plans: list[Plan]) -> list[Week]:
    """Each closed user's last 7 days, from the habits and histories the close read."""
    weeks = []
    for plan in plans:
        today, first = plan.today, plan.today - dt.timedelta(days=6)
        active = [habit for habit in plan.habits if habit.status == Habit.Status.ACTIVE]
        # From the fold where it can tell (no dates to make), from the days read otherwise.
        counts = [habit.week_counts(today) or habit_week(habit, today, set(habit.done_between(first, today)))
                  for habit in active]
        weeks.append(Week(plan.user_id, today, counts, [habit.last_done_on for habit in active]))
    return weeks
