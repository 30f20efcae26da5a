"""The habits API's reads through uvicorn: GET /api/v1/habits, /habits/{id} and
/habits/{id}/stats for one user with 30 habits x 2 years of history, statistics from the
stored folds (habits.current) and, for comparison, from the whole histories.

    .venv/bin/python bench/api.py      # PostgreSQL + Redis, the defaults below

Production stack: PostgreSQL (DATABASE_URL, default h4bench; the script makes and drops the
test_ database beside it, like the other benches), Redis (REDIS_URL, default db 3; the
script flushes that database, so give it one of its own) and one uvicorn process started
as in the Procfile, with the production settings. The bench process builds 1,000 users
around the heavy one (bench/synthetic.py), folds the heavy user's statistics through
yesterday as the day close does, issues an API token and times the requests over one
keep-alive connection (http.client: little client time), with the server's CPU time per
request (from /proc; steadier than wall time on a busy machine). GET /pillars (the API's
own cost: authentication, throttle, envelope) and the Today page are the yardsticks.
Query counts are taken in the bench process (Django's test client, same views, same
database).

The server is `uvicorn --factory bench.api:server`: habitstory.asgi's application with the
API's per-user rate limit raised (it still counts every request in Redis; it just never
refuses) and, with BENCH_WHOLE_HISTORY=1, every habit computed from its whole history
(the way the API read statistics before habits.current). Options: --requests N,
--users N, --days N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/h4bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/3")

import django

django.setup()

import redis
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from bench import synthetic
from habits import current
from habits.models import Habit, Occurrence
from habits.recompute import recompute_stats
from habitstory.api.api import api
from habitstory.api.services import issue_token


def server():
    """The server's ASGI application (uvicorn --factory), as described above."""
    # Imported here: habitstory.asgi sets up the ASGI handler, which only the server needs.
    from habitstory.asgi import application

    for throttle in api.throttle:
        throttle.limit = 10**9
    if os.environ.get("BENCH_WHOLE_HISTORY") == "1":
        current.stored_fold = lambda *args: None  # no fold applies: every history is read
    return application


class Server:
    """One uvicorn process on a free port, as in the Procfile."""

    def __init__(self, env: dict[str, str]):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        # Open while the server runs (closed by stop()).
        self.log = tempfile.NamedTemporaryFile("w+", prefix="bench-api-server-", suffix=".log")  # noqa: SIM115
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "bench.api:server", "--host", "127.0.0.1",
            "--port", str(self.port), "--proxy-headers", "--no-server-header",
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the server did not start:\n{self.output()}")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def cpu_seconds(self) -> float:
        """The server process's CPU time so far (all its threads)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()[-4000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


def timings(server: Server, url: str, headers: dict[str, str], requests: int) -> dict:
    """Milliseconds per GET of `url`, over one keep-alive connection (after 20 warm-ups),
    and the server's CPU milliseconds per request (less sensitive to a busy machine)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    times = []
    cpu = 0.0
    try:
        for n in range(20 + requests):
            started = time.perf_counter()
            conn.request("GET", url, headers=headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise RuntimeError(f"GET {url}: {response.status} {body[:300]!r}")
            if n >= 20:
                times.append(elapsed)
            elif n == 19:
                cpu = server.cpu_seconds()
        cpu = server.cpu_seconds() - cpu
    finally:
        conn.close()
    times.sort()
    return {
        "p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)],
        "cpu": 1000 * cpu / requests,
    }


def query_count(client, url: str) -> int:
    """Queries one request makes (in this process, with Django's test client)."""
    client.get(url)  # warm: the token's use is written at most once a minute
    queries: list[str] = []
    with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code, response.content[:300])
    return len(queries)


def session_cookie(user) -> str:
    """A signed-in browser's session, for the Today page."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def build(users: int, days: int):
    """The data set, the heavy user's statistics folded through yesterday (as the day close
    leaves them); returns the heavy user and one of their daily habits."""
    started = time.perf_counter()
    heavy = synthetic.build(users=users, heavy_days=days, today=dt.date.today(), echo=lambda *_: None)
    recompute_stats(Habit.objects.filter(user=heavy))
    habits = Habit.objects.filter(user=heavy)
    yesterday = heavy.profile.local_today() - dt.timedelta(days=1)
    print(
        f"database: {connection.settings_dict['NAME']}, cache: Redis {settings.REDIS_URL}; built {users} users, "
        f"{Occurrence.objects.count():,} occurrences in {time.perf_counter() - started:.1f} s; the heavy user: "
        f"{habits.count()} habits ({habits.filter(stats_through=yesterday).count()} folded through yesterday), "
        f"{Occurrence.objects.filter(habit__user=heavy).count():,} occurrences"
    )
    return heavy, habits.filter(schedule="daily").first()


def serve_and_time(urls: dict[str, str], auth: dict, today_page: dict, requests: int) -> dict:
    """Timings by (request, mode): a server reading the folds, then one reading every
    history; the yardsticks on the first."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "habitstory.settings",  # production settings, not the tests'
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
    }
    connection.close()
    results = {}
    for mode, whole in (("fold", "0"), ("whole history", "1")):
        server = Server({**env, "BENCH_WHOLE_HISTORY": whole})
        try:
            for name, url in urls.items():
                results[name, mode] = timings(server, url, auth, requests)
            if mode == "fold":
                results["GET /pillars", mode] = timings(server, "/api/v1/pillars", auth, requests)
                results["Today page", mode] = timings(server, "/", today_page, requests)
        except BaseException:
            print(server.output(), file=sys.stderr)
            raise
        finally:
            server.stop()
    return results


def report(results: dict, counts: dict[str, int], requests: int) -> None:
    print(f"through uvicorn, {requests} requests each over one keep-alive connection")
    print(f"{'':<34}{'from the folds':^27}{'from the whole histories':^27}")
    print(f"{'request':<26}{'queries':>8}" + f"{'p50 ms':>9}{'p95 ms':>9}{'CPU ms':>9}" * 2)
    for name, count in counts.items():
        fold, whole = results[name, "fold"], results[name, "whole history"]
        print(f"{name:<26}{count:>8}{_row(fold)}{_row(whole)}")
    for name, label in (("GET /pillars", "GET /pillars (yardstick)"), ("Today page", "Today page (yardstick)")):
        print(f"{label:<26}{'':>8}{_row(results[name, 'fold'])}")


def _row(timing: dict) -> str:
    return f"{timing['p50']:>9.2f}{timing['p95']:>9.2f}{timing['cpu']:>9.2f}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--days", type=int, default=730)
    args = parser.parse_args()
    if not settings.REDIS_URL or connection.vendor != "postgresql":
        raise SystemExit("bench/api.py measures PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        heavy, habit = build(args.users, args.days)
        _, token = issue_token(heavy, "bench")
        auth = {"Authorization": f"Bearer {token}"}
        urls = {
            "GET /habits": "/api/v1/habits",
            "GET /habits/{id}": f"/api/v1/habits/{habit.pk}",
            "GET /habits/{id}/stats": f"/api/v1/habits/{habit.pk}/stats",
        }
        for throttle in api.throttle:
            throttle.limit = 10**9
        client = Client(headers=auth)
        counts = {name: query_count(client, url) for name, url in urls.items()}
        results = serve_and_time(urls, auth, {"Cookie": session_cookie(heavy)}, args.requests)
        report(results, counts, args.requests)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        redis.Redis.from_url(settings.REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
