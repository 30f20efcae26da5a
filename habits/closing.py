"""Habits' part of the hourly day close (docs/architecture.md; the flow is
habitstory.story.closing): once a user's local day has ended, its expected days still
open become missed (an "at most" habit's at or under its limit become done: stats.closed_code)
and statistics are recomputed. It hands back plain facts for the domains after it: the
days it made done (their XP, awarded inside the same transaction by the `on_done` the
story passes), each closed user's last 7 days (the pet's mood) and the habits that became
at risk (their alerts).

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
from collections.abc import Callable
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
    done: list[tuple[int, dt.date]] = field(default_factory=list)  # the same, of "at most" habits within the limit
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


@dataclass(frozen=True)
class DoneDay:
    """A day the close made done: an "at most" habit's expected day that ended at or under
    its limit. It earns XP as a tick would (keyed on the occurrence and its cycle)."""

    user_id: int
    occurrence_id: int
    cycle: int  # Occurrence.xp_cycle after the close
    difficulty: str
    streak: int  # the habit's current streak after the close (a tick's XP reads it so)
    on: dt.date
    today: dt.date  # the user's local today at the close


@dataclass
class Summary:
    """A run's counts, and what the close hands to the flow after it (not counted)."""

    users: int = 0
    days: int = 0
    missed: int = 0
    done: int = 0  # "at most" days made done
    at_risk: int = 0
    failed: list[int] = field(default_factory=list)  # user ids, retried next run
    alerts: list[tuple[int, str]] = field(default_factory=list)  # (habit id, local day) that became at risk
    weeks: list[Week] = field(default_factory=list)  # each closed user's last 7 days
    done_days: list[DoneDay] = field(default_factory=list)  # the days made done

    def add(self, other: Summary) -> None:
        self.users += other.users
        self.days += other.days
        self.missed += other.missed
        self.done += other.done
        self.at_risk += other.at_risk
        self.alerts += other.alerts
        self.weeks += other.weeks
        self.done_days += other.done_days

    def merge(self, other: Summary) -> None:
        self.add(other)
        self.failed.extend(other.failed)

    def as_dict(self) -> dict:
        return {"users": self.users, "days": self.days, "missed": self.missed, "done": self.done,
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


OnDone = Callable[[list[DoneDay]], object]


def close_batch(profile_ids: list[int], now: dt.datetime, until: dt.date | None, *,
                on_done: OnDone | None = None) -> Summary:
    """Close the ended days of these users (profile ids) that no run closed yet, up to
    yesterday (or `until`). One user's failure is logged and left for the next run.
    `on_done(days)` is called with the days made done inside the transaction that writes
    them (the story awards their XP there: the close and its XP commit together or not at
    all, and a failure there fails only those users' close)."""
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
        summary.add(_write(plans, on_done))
    except NEVER_SWALLOWED:
        raise
    except Exception:
        # One user's bad row must not cost the others their close: again, one by one.
        logger.warning("close_days: batch of %s users failed; closing them one by one", len(plans), exc_info=True)
        for plan in plans:
            try:
                summary.add(_write([plan], on_done))
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
        if habit.status == Habit.Status.ARCHIVED:
            continue
        at_most = stats.closes_done(habit.measure)
        if habit.is_per_week and not at_most:  # the week is what is expected: no day is missed
            continue
        spec = habit.spec
        # The closed days' rows: read with the habit (from plan.first on).
        kept = {day >> 3 for day in habit.days if first <= day >> 3 <= last and day & 7 not in _OPEN_CODES}
        if not at_most:
            plan.misses += [
                (habit.pk, day) for day in days if day.toordinal() not in kept and spec.is_expected(day)
            ]
            continue
        done = []
        for day in days:
            ordinal = day.toordinal()
            if ordinal in kept or not spec.is_expected(day):
                continue
            if stats.closed_code(habit.measure, habit.values.get(ordinal)) == stats.DONE_CODE:
                plan.done.append((habit.pk, day))
                done.append(ordinal << 3 | stats.DONE_CODE)
            elif not habit.is_per_week:
                plan.misses.append((habit.pk, day))
        if done:
            habit.days = [*habit.days, *done]  # as the close leaves them, for its week (_weeks)


_OPEN_CODES = {stats.STATUS_CODES[status] for status in OPEN}


def _write(plans: list[Plan], on_done: OnDone | None = None) -> Summary:
    """One transaction: claim the users' ranges, write the misses, the days made done
    (handed to `on_done`) and the statistics, find the new risks; then each user's week.
    Only the users claimed here are written."""
    result = Summary()
    with transaction.atomic():
        plans = _claim(plans)
        if not plans:
            return result
        result.missed += _mark_missed([miss for plan in plans for miss in plan.misses])
        result.done_days = _done_days(plans, _mark_done([day for plan in plans for day in plan.done]))
        result.done = len(result.done_days)
        if on_done is not None and result.done_days:
            on_done(result.done_days)
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


def _mark_done(rows: list[tuple[int, dt.date]]) -> list[tuple[int, int, dt.date, int]]:
    """(habit id, day) pairs of "at most" habits become done: a new row with the value 0
    (no entry is 0), or the open row there, keeping its value. Each counts as a tick (its
    xp_cycle moves on). A row changed since it was read (no longer open) is left alone.
    Returns (occurrence id, habit id, day, cycle) of each row made done."""
    if not rows:
        return []
    now = timezone.now()
    table = Occurrence._meta.db_table
    insert = f"""INSERT INTO {table} (habit_id, "on", status, value, note, verification, xp_cycle, completed_at,
        created_at, updated_at)"""
    upsert = f"""ON CONFLICT (habit_id, "on") DO UPDATE SET status = EXCLUDED.status,
        value = COALESCE({table}.value, EXCLUDED.value), xp_cycle = {table}.xp_cycle + 1,
        completed_at = EXCLUDED.completed_at, updated_at = EXCLUDED.updated_at
        WHERE {table}.status IN ({", ".join(f"'{status}'" for status in OPEN)})
        RETURNING id, habit_id, "on", xp_cycle"""
    done = Occurrence.Status.DONE
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement from two arrays
            habit_ids, days = zip(*rows, strict=True)
            cursor.execute(
                f"""{insert} SELECT habit_id, day, %s, 0, '', '', 1, %s, %s, %s
                FROM unnest(%s::bigint[], %s::date[]) AS v(habit_id, day) {upsert}""",
                [done, now, now, now, array_literal(habit_ids), array_literal(days)],
            )
            return cursor.fetchall()
        made = []
        for start in range(0, len(rows), 150):  # one statement per 150 rows (900 parameters)
            chunk = rows[start : start + 150]
            values = ", ".join(["(%s, %s, %s, 0, '', '', 1, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"{insert} VALUES {values} {upsert}",
                [param for habit_id, day in chunk for param in (habit_id, day, done, now, now, now)],
            )
            made += cursor.fetchall()
        return [(pk, habit_id, dt.date.fromisoformat(day) if isinstance(day, str) else day, cycle)
                for pk, habit_id, day, cycle in made]


def _done_days(plans: list[Plan], made: list[tuple[int, int, dt.date, int]]) -> list[DoneDay]:
    """The facts of the rows _mark_done made done."""
    if not made:
        return []
    habits = {habit.pk: (plan, habit) for plan in plans for habit in plan.habits}
    difficulty = dict(Habit.objects.filter(pk__in={habit_id for _, habit_id, _, _ in made})
                      .values_list("pk", "difficulty"))
    days = []
    for pk, habit_id, on, cycle in made:
        plan, habit = habits[habit_id]
        days.append(DoneDay(plan.user_id, pk, cycle, difficulty[habit_id], habit.current_streak, on, plan.today))
    return days


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
