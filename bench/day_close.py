"""Time of one day close (habitstory.story.closing.close_days, docs/jobs.md) over many users, on
PostgreSQL, and how it grows with the number of users.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/habitstory REDIS_URL=redis://127.0.0.1:6379/5 \
        .venv/bin/python bench/day_close.py --users 10000,50000,100000 --days 30

For each size, a fresh database (`habitstory_bench_close`, dropped afterwards) gets that
many users × 10 habits (daily, weekdays, 3 per week, every other day; every fifth
measurable), spread over five time zones, with `--days` days of history written by
INSERT … SELECT generate_series, in day order as the rows would arrive. Every user's
yesterday (in their zone) is left open: for half the expected habits no row, for the
other half a prompted one; each user's `closed_through` is the day before, so one close
closes exactly one day per user. Statistics, their folds (habits.fold), at-risk flags and
pets (every user has one) are as they were yesterday (recomputed from the whole history
with the clock a day back). Then one `close_days(now)` runs, timed, with its queries
counted and its live messages timed; a few COUNTs and a second run check the result. The
risk alerts it queues (a task's work, not the close's) are kept, and the task's work is
timed apart on the first `--alerts` of them. The default 30 days of history keep building
bearable (~11 min for 100k users); the close carries each habit's fold forward and reads
only the days after it, so the length of the history does not change its time.

Options: --reuse keeps each size's data as a template database and copies it next time
(seconds instead of minutes; drop the templates with dropdb when done), --sql shows where
the close's query time goes, --profile FILE writes cProfile stats of each close (of this
process only: with --workers 1 that is all of it).

Cache and live events go to Redis under their own prefixes (REDIS_URL set), so other
processes' keys and sockets are not touched; e-mail goes to the local-memory backend.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import multiprocessing
import os
import sys
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

import time_machine  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

DATABASE = "habitstory_bench_close"
ZONES = ["Pacific/Auckland", "Europe/London", "America/Los_Angeles", "UTC", "Asia/Tokyo"]
HABITS = 10
OPEN = "('scheduled', 'prompted', 'started')"
# Whether habit h is expected on day d (the generator's schedules; never paused).
EXPECTED = """(h.schedule = 'daily'
    OR (h.schedule = 'weekdays' AND extract(isodow FROM {day}) <= 5)
    OR (h.schedule = 'every_n_days' AND mod({day} - h.start_date, 2) = 0))"""


class Reports:
    """What the close's worker processes (forked: each has its own copy of this process)
    report back to the benchmark: one pipe, written by any process, read here by a thread
    so that a full pipe never blocks a worker."""

    def __init__(self) -> None:
        self.queue = multiprocessing.get_context("fork").SimpleQueue()
        self.handlers: dict[str, object] = {}
        self.reader: threading.Thread | None = None

    def put(self, kind: str, item) -> None:
        self.queue.put((kind, item))

    def _read(self) -> None:
        while (message := self.queue.get())[0] is not None:
            kind, item = message
            self.handlers[kind](item)

    @contextmanager
    def reading(self):
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        try:
            yield self
        finally:
            self.put(None, None)  # after everything the workers wrote: they are gone by now
            self.reader.join()


class QueryCounter:
    """connection.execute_wrapper that counts queries and sums their time by the start of
    their SQL (a list of every statement, with its parameters, would not fit)."""

    def __init__(self, reports: Reports) -> None:
        self.count = 0
        self.by_kind: dict[str, list] = defaultdict(lambda: [0, 0.0])
        self.reports = reports
        reports.handlers["query"] = self.add

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.reports.put("query", (" ".join(sql.split())[:90], time.perf_counter() - started))

    def add(self, query: tuple[str, float]) -> None:
        kind = self.by_kind[query[0]]
        kind[0] += 1
        kind[1] += query[1]
        self.count += 1

    @contextmanager
    def everywhere(self):
        """Count this process's queries and those of every connection opened meanwhile
        (the close's worker processes open their own). With several workers the seconds
        are summed over them: more than the wall time."""

        def attach(sender, connection, **kwargs):
            if self not in connection.execute_wrappers:
                connection.execute_wrappers.append(self)

        connection_created.connect(attach)
        try:
            with connection.execute_wrapper(self):
                yield self
        finally:
            connection_created.disconnect(attach)

    def slowest(self, n: int = 12) -> list[tuple[str, int, float]]:
        return sorted(((sql, c, t) for sql, (c, t) in self.by_kind.items()), key=lambda r: -r[2])[:n]


@contextmanager
def timed_sends(reports: Reports):
    """How many live messages go out, and the time spent sending them (one round trip each)."""
    from habitstory.live import events

    totals = {"count": 0, "seconds": 0.0}
    send = events._send

    def add(seconds: float) -> None:
        totals["count"] += 1
        totals["seconds"] += seconds

    def timed(group, message):
        started = time.perf_counter()
        try:
            return send(group, message)
        finally:
            reports.put("send", time.perf_counter() - started)

    reports.handlers["send"] = add
    events._send = timed
    try:
        yield totals
    finally:
        events._send = send


@contextmanager
def queued_alerts(reports: Reports):
    """The risk alerts the close hands to the `notifications.send_risk_alerts` task, kept
    here instead of queued (the benchmark settings would run the task in place)."""
    from habitstory.story import closing

    queued: list[tuple[int, str]] = []
    queue = closing.queue_risk_alerts
    reports.handlers["alerts"] = queued.extend
    closing.queue_risk_alerts = partial(reports.put, "alerts")
    try:
        yield queued
    finally:
        closing.queue_risk_alerts = queue


def time_alerts(alerts: list[tuple[int, str]], sample: int) -> tuple[int, float]:
    """Send the first `sample` queued alerts as the task would (notify() each: preferences,
    the inbox row and its deliveries, the bell); returns how many were sent and the seconds."""
    from habitstory.story.risk import send_risk_alerts

    started = time.perf_counter()
    sent = send_risk_alerts(alerts[:sample])["sent"]
    return sent, time.perf_counter() - started


def _sql(sql: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _one(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def build(users: int, days: int, now: dt.datetime, echo=print) -> None:
    """Users, profiles, pets, habits and history, with raw SQL (millions of rows)."""
    from habitstory.accounts.models import Profile, default_notification_preferences

    zones = [(i, zone, Profile(timezone=zone).local_today(now)) for i, zone in enumerate(ZONES)]
    prefs = connection.ops.adapt_json_value(default_notification_preferences(), None)
    with transaction.atomic():
        _sql("CREATE TEMP TABLE bench_zone (idx int PRIMARY KEY, zone text, today date)")
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO bench_zone VALUES (%s, %s, %s)", zones)
        _sql(
            """INSERT INTO accounts_user (id, password, is_superuser, email, is_staff, is_active, date_joined)
            SELECT n, '!bench', false, 'close' || n || '@bench.local', false, true, %s
            FROM generate_series(1, %s) n""",
            [now, users],
        )
        _sql(
            """INSERT INTO accounts_profile (id, user_id, display_name, timezone, day_start_hour, week_start,
                prompt_window_start, prompt_window_end, notification_preferences, created_at, updated_at,
                level, show_on_leaderboards, xp_today, xp_total, closed_through)
            SELECT n, n, '', z.zone, 0, 0, '07:00', '22:00', %s::jsonb, %s, %s, 1, false, 0, 0, z.today - 2
            FROM generate_series(1, %s) n JOIN bench_zone z ON z.idx = mod(n, 5)""",
            [prefs, now, now, users],
        )
        _sql(
            """INSERT INTO gamification_pet (id, user_id, name, species, xp, level, stage, mood, created_at, updated_at)
            SELECT n, n, 'Egg', 'fox', 0, 1, 'egg', 'okay', %s, %s FROM generate_series(1, %s) n""",
            [now, now, users],
        )
        # Habit i of user n: the synthetic.py schedules in turn, every fifth one measurable;
        # every other "every other day" habit is due yesterday.
        _sql(
            """INSERT INTO habits_habit (id, user_id, name, notes, schedule, weekdays, times_per_week,
                every_n_days, start_date, kind, target_value, unit, difficulty, priority,
                requires_verification, status, position, current_streak, longest_streak, total_done,
                total_skipped, strength, consecutive_misses, at_risk, created_at, updated_at, pauses)
            SELECT (n - 1) * %s + i + 1, n, 'Habit ' || (i + 1), '',
                (ARRAY['daily', 'weekdays', 'per_week', 'every_n_days'])[mod(i, 4) + 1],
                (CASE WHEN mod(i, 4) = 1 THEN '[0, 1, 2, 3, 4]' ELSE '[]' END)::jsonb,
                CASE WHEN mod(i, 4) = 2 THEN 3 END, CASE WHEN mod(i, 4) = 3 THEN 2 END,
                z.today - %s - CASE WHEN mod(i, 4) = 3 THEN mod(n + i / 4, 2) ELSE 0 END,
                CASE WHEN mod(i, 5) = 4 THEN 'at_least' ELSE 'yes_no' END,
                CASE WHEN mod(i, 5) = 4 THEN 8 END, CASE WHEN mod(i, 5) = 4 THEN 'glasses' ELSE '' END,
                (ARRAY['easy', 'medium', 'hard'])[mod(n + i, 3) + 1], 2, false, 'active', i,
                0, 0, 0, 0, 0.0, 0, false, %s, %s, '[]'::jsonb
            FROM generate_series(1, %s) n JOIN bench_zone z ON z.idx = mod(n, 5) CROSS JOIN generate_series(0, %s) i""",
            [HABITS, days, now, now, users, HABITS - 1],
        )
        for table in ("accounts_user", "accounts_profile", "gamification_pet", "habits_habit"):
            _sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
    echo(f"  {users:,} users, {users * HABITS:,} habits")
    # History one day at a time (rows arrive in day order): done / skipped / missed at a
    # per-habit rate from 55% to 95%; "3 per week" habits have a row on about half the
    # days (done or skipped). Yesterday: half the expected habits have no row, half an
    # open (prompted) one.
    _sql("SELECT setseed(0.1123)")
    first = min(z[2] for z in zones) - dt.timedelta(days=days + 1)
    last = max(z[2] for z in zones) - dt.timedelta(days=1)
    day, rows = first, 0
    while day <= last:
        with transaction.atomic():
            rows += _sql(
                f"""INSERT INTO habits_occurrence (habit_id, "on", status, value, note, verification,
                    created_at, updated_at, xp_cycle)
                SELECT id, %(day)s, status,
                    CASE WHEN kind <> 'yes_no' AND status = 'done' THEN 6 + mod(floor(roll * 1000)::int, 5) END,
                    '', '', %(now)s, %(now)s, CASE WHEN status = 'done' THEN 1 ELSE 0 END
                FROM (
                    SELECT h.id, h.kind, roll, CASE
                        WHEN h.schedule = 'per_week' THEN
                            CASE WHEN pick >= 0.5 THEN NULL WHEN roll < rate THEN 'done' ELSE 'skipped' END
                        WHEN NOT {EXPECTED.format(day="%(day)s::date")} THEN NULL
                        WHEN %(day)s = z.today - 1 THEN CASE WHEN pick < 0.5 THEN NULL ELSE 'prompted' END
                        WHEN roll < rate THEN 'done'
                        WHEN roll < rate + 0.04 THEN 'skipped'
                        ELSE 'missed' END AS status
                    FROM (SELECT h.*, 0.55 + 0.4 * mod(h.id * 7919, 1000) / 1000.0 AS rate,
                                 random() AS roll, random() AS pick
                          FROM habits_habit h) h
                    JOIN accounts_profile p ON p.user_id = h.user_id
                    JOIN bench_zone z ON z.zone = p.timezone
                    WHERE h.start_date <= %(day)s AND %(day)s < z.today
                ) picked
                WHERE status IS NOT NULL""",
                {"day": day, "now": now},
            )
        day += dt.timedelta(days=1)
    _sql("DROP TABLE bench_zone")
    echo(f"  {rows:,} occurrences ({days} days of history)")
    _sql("ANALYZE")


def yesterday_stats(now: dt.datetime) -> None:
    """Statistics, risks and Today caches as the previous day left them."""
    from habits.models import Habit
    from habits.recompute import recompute_stats

    with time_machine.travel(now - dt.timedelta(days=1), tick=False):
        recompute_stats(Habit.objects.all(), batch_size=2000)
    _sql("VACUUM ANALYZE habits_habit")


def expected_work() -> tuple[int, int]:
    """(rows to create, open rows to mark) for everyone's yesterday, straight from SQL."""
    day = "p.closed_through + 1"
    create = _one(
        f"""SELECT count(*) FROM habits_habit h JOIN accounts_profile p ON p.user_id = h.user_id
        WHERE h.start_date <= {day} AND {EXPECTED.format(day=day)}
          AND NOT EXISTS (SELECT 1 FROM habits_occurrence o WHERE o.habit_id = h.id AND o."on" = {day})"""
    )
    mark = _one(
        f"""SELECT count(*) FROM habits_occurrence o JOIN habits_habit h ON h.id = o.habit_id
        JOIN accounts_profile p ON p.user_id = h.user_id
        WHERE o."on" = {day} AND o.status IN {OPEN} AND h.start_date <= {day} AND {EXPECTED.format(day=day)}"""
    )
    return create, mark


def check(now: dt.datetime) -> dict:
    """What one close must leave behind: every user closed through yesterday, nothing of
    yesterday still open or missing, and a second run with nothing to do."""
    from habitstory.story.closing import close_days

    day = "p.closed_through"
    zones = " ".join(f"WHEN '{z}' THEN date '{_today(z, now) - dt.timedelta(days=1)}'" for z in ZONES)
    return {
        "not closed through yesterday": _one(
            "SELECT count(*) FROM accounts_profile p"
            f" WHERE p.closed_through IS DISTINCT FROM (CASE p.timezone {zones} END)"
        ),
        "open left": _one(
            f"""SELECT count(*) FROM habits_occurrence o JOIN habits_habit h ON h.id = o.habit_id
            JOIN accounts_profile p ON p.user_id = h.user_id
            WHERE o."on" = {day} AND o.status IN {OPEN} AND h.schedule <> 'per_week'"""
        ),
        "missing": _one(
            f"""SELECT count(*) FROM habits_habit h JOIN accounts_profile p ON p.user_id = h.user_id
            WHERE h.start_date <= {day} AND {EXPECTED.format(day=day)}
              AND NOT EXISTS (SELECT 1 FROM habits_occurrence o WHERE o.habit_id = h.id AND o."on" = {day})"""
        ),
        "second run": close_days(now),
    }


def _today(zone: str, now: dt.datetime) -> dt.date:
    from habitstory.accounts.models import Profile

    return Profile(timezone=zone).local_today(now)


def fresh_database(users: int, days: int, reuse: bool) -> tuple[str, dt.datetime]:
    """Create the database with its data; returns the settings' database name to restore
    and the instant the data was built for. With `reuse`, the data is kept as a template
    database and copied from it next time (much faster than building again)."""
    from habits.models import Habit

    template = f"{DATABASE}_{users}u_{days}d"
    connection.settings_dict["TEST"]["NAME"] = DATABASE
    with connection.creation._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template])
        copy = reuse and cursor.fetchone() is not None
        if copy:
            cursor.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
            cursor.execute(f"CREATE DATABASE {DATABASE} TEMPLATE {template}")
    if copy:
        old_name = connection.settings_dict["NAME"]
        connection.close()
        connection.close_pool()  # the pool's connections are to the old database
        connection.settings_dict["NAME"] = DATABASE
        now = _one("SELECT built_for FROM bench_meta")
        print(f"{users:,} users: copied from {template} (built for {now:%Y-%m-%d %H:%M} UTC)")
        return old_name, now
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    now = timezone.now()
    started = time.perf_counter()
    print(f"{users:,} users: building")
    build(users, days, now)
    yesterday_stats(now)
    _sql("CREATE TABLE bench_meta AS SELECT %s::timestamptz AS built_for", [now])
    print(f"  built in {time.perf_counter() - started:.0f} s; "
          f"{Habit.objects.filter(at_risk=True).count():,} habits at risk before the close")
    if reuse:
        connection.close()
        connection.close_pool()  # pooled connections would hold the database open
        with connection.creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {template}")
            cursor.execute(f"CREATE DATABASE {template} TEMPLATE {DATABASE}")
    return old_name, now


def run(users: int, days: int, profile: str | None, show_sql: bool, reuse: bool, alert_sample: int,
        workers: int | None) -> dict:
    from habitstory.story.closing import close_days

    old_name, now = fresh_database(users, days, reuse)
    # The clock as when the data was built, moving on from there.
    clock = time_machine.travel(now, tick=True)
    clock.start()
    try:
        create, mark = expected_work()
        print(f"  to close: {create:,} rows to create, {mark:,} open rows")

        reports = Reports()
        counter = QueryCounter(reports)
        profiler = cProfile.Profile() if profile else None
        with reports.reading(), counter.everywhere(), timed_sends(reports) as sends, queued_alerts(reports) as alerts:
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            summary = close_days(now, workers=workers)
            if profiler:
                profiler.disable()
            seconds = time.perf_counter() - started
        if profiler:
            profiler.dump_stats(f"{profile}.{users}")
        checks = check(now)
        sent, alert_seconds = time_alerts(alerts, alert_sample)
        closed = summary["missed"]
        row = {
            "users": users, "habits": users * HABITS, "closed": closed, "seconds": seconds,
            "queries": counter.count, "at_risk": summary["at_risk"], "failed": len(summary["failed"]),
            "send_seconds": sends["seconds"], "alerts_per_s": sent / alert_seconds if sent else 0,
        }
        print(f"  closed {closed:,} occurrences for {summary['users']:,} users in {seconds:.1f} s "
              f"({closed / seconds:,.0f} occurrences/s, {users / seconds:,.0f} users/s), "
              f"{counter.count:,} queries; {summary['at_risk']:,} new at-risk alerts queued "
              f"({len(alerts):,}), {sends['count']:,} live messages sent in {sends['seconds']:.1f} s of it")
        if sent:
            print(f"  then the alert task: {sent:,} alerts in {alert_seconds:.1f} s "
                  f"({alert_seconds / sent * 1000:.1f} ms each, {sent / alert_seconds:,.0f}/s), not part of the close")
        second = checks.pop("second run")
        ok = (
            summary["users"] == users and closed == create + mark and not summary["failed"]
            and all(v == 0 for v in checks.values()) and second["users"] == 0 and second["missed"] == 0
            and len(alerts) == summary["at_risk"]
        )
        if show_sql:
            for sql, count, spent in counter.slowest():
                print(f"    {spent:7.2f} s {count:5} x {sql}")
        print(f"  check: expected {create + mark:,} closed, got {closed:,}; "
              + ", ".join(f"{k}: {v}" for k, v in checks.items())
              + f"; second run: {second['users']} users, {second['missed']} missed -> {'OK' if ok else 'WRONG'}")
        row["ok"] = ok
        return row
    finally:
        clock.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", default="10000,50000,100000", help="comma-separated sizes")
    parser.add_argument("--days", type=int, default=30, help="days of history, yesterday included")
    parser.add_argument("--profile", metavar="FILE", help="write cProfile stats of each close to FILE.<users>")
    parser.add_argument("--sql", action="store_true", help="show where the close's query time goes")
    parser.add_argument("--reuse", action="store_true",
                        help=f"keep each size's data as a template database ({DATABASE}_<users>u_<days>d) and "
                             "copy it next time instead of building again")
    parser.add_argument("--alerts", type=int, default=2000,
                        help="after the close, time the alert task on this many of the alerts it queued")
    parser.add_argument("--workers", type=int, help="worker processes for the close (default: settings.CLOSE_DAYS_WORKERS)")
    args = parser.parse_args()
    sizes = [int(n) for n in args.users.split(",")]
    if connection.vendor != "postgresql":
        sys.exit("bench/day_close.py needs PostgreSQL: set DATABASE_URL=postgres://…")

    setup_test_environment()
    overrides = {"DEBUG": False, "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if settings.CACHES["default"].get("KEY_PREFIX"):  # Redis: keep apart from other processes
        overrides["CACHES"] = {"default": {**settings.CACHES["default"], "KEY_PREFIX": "bench-close"}}
        layer = settings.CHANNEL_LAYERS["default"]
        overrides["CHANNEL_LAYERS"] = {"default": {**layer, "CONFIG": {**layer["CONFIG"], "prefix": "bench-close"}}}
    rows = []
    with override_settings(**overrides):
        cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
        print(f"database: {connection.vendor}, cache: {cache}; {HABITS} habits per user, "
              f"{args.days} days of history, yesterday open; close in "
              f"{args.workers or settings.CLOSE_DAYS_WORKERS} worker process(es)")
        for users in sizes:
            rows.append(run(users, args.days, args.profile, args.sql, args.reuse, args.alerts, args.workers))

    print(f"\n{'users':>8}{'habits':>10}{'closed':>10}{'seconds':>9}{'occ/s':>9}{'users/s':>9}{'queries':>9}"
          f"{'alerts':>8}{'alerts/s':>9}  check")
    for r in rows:
        print(f"{r['users']:>8,}{r['habits']:>10,}{r['closed']:>10,}{r['seconds']:>9.1f}"
              f"{r['closed'] / r['seconds']:>9,.0f}{r['users'] / r['seconds']:>9,.0f}{r['queries']:>9,}"
              f"{r['at_risk']:>8,}{r['alerts_per_s']:>9,.0f}  {'OK' if r['ok'] else 'WRONG'}")
    for small, large in zip(rows, rows[1:], strict=False):
        print(f"{_size(large['users'])}/{_size(small['users'])}: time ×{large['seconds'] / small['seconds']:.2f} "
              f"for ×{large['users'] / small['users']:.2f} users")


def _size(users: int) -> str:
    return f"{users // 1000}k" if users % 1000 == 0 else f"{users:,}"


if __name__ == "__main__":
    main()
