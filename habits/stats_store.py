"""The SQL behind set-based statistics (habits.recompute): read many habits with their
owners' zones and their histories in one query, and write many habits' statistics in one
UPDATE. On PostgreSQL the database folds each history into arrays; elsewhere the ORM
reads the rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from json import loads

from django.db import connection, transaction
from django.db.models import CharField
from django.db.models.functions import Cast

from habitstory.accounts.models import Profile
from habitstory.core.sql import array_literal, text_array_literal

from . import stats
from .models import STAT_FIELDS, Habit, Occurrence

_HABIT_COLUMNS = ("id", "user_id", "name", "status", "schedule", "start_date", "weekdays", "times_per_week",
                  "every_n_days", "pauses", "kind", "target_value")
_PROFILE_COLUMNS = ("timezone", "day_start_hour", "week_start")
_CODE_SQL = " ".join(f"WHEN '{status}' THEN {code}" for status, code in stats.STATUS_CODES.items())
_ORDINAL_SQL = "(o.\"on\" - DATE '0001-01-01' + 1)"  # date.toordinal()


def recompute_rows(
    ids: list[int] | None = None, *, users: list[int] | None = None, since: dt.date | None = None,
    incremental: bool = False,
) -> Iterable[tuple]:
    """Per habit (these `ids`, or the alive habits of these `users`): _HABIT_COLUMNS,
    _PROFILE_COLUMNS (the zone by name), its occurrences as compute_stats_coded reads them
    (days, values), its stats_state and stats_through, then its STAT_FIELDS. On PostgreSQL
    one query, the database folding each habit's occurrences into an array (`incremental`:
    only those after its stored fold's day, and from `since` on); elsewhere two, all of them."""
    if connection.vendor != "postgresql":
        habits = Habit.objects.filter(pk__in=ids) if users is None else Habit.objects.alive().filter(user_id__in=users)
        histories: dict[int, tuple[list[int], dict]] = defaultdict(lambda: ([], {}))
        for habit_id, on, status, value in Occurrence.objects.filter(habit__in=habits).values_list(
            "habit_id", "on", "status", "value"
        ):
            days, values = histories[habit_id]
            days.append(on.toordinal() << 3 | stats.status_code(status))
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


_AGGREGATES = f"""array_agg({_ORDINAL_SQL} * 8 + CASE o.status {_CODE_SQL} ELSE {stats.UNKNOWN_CODE} END) AS days,
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


def write_stats(rows: list[tuple], *, guarded: bool = False) -> set[int]:
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
