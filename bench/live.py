"""Live updates under load: 1,000 open sockets on one server process, and the time from a
tick (the htmx POST from Today) to its live message arriving on every tab of that user.

    .venv/bin/python bench/live.py      # PostgreSQL + Redis, the defaults below

Production stack: PostgreSQL (DATABASE_URL, default habitstory_bench_live; the script makes
and drops the test_ database beside it, like the other benches), Redis (REDIS_URL, default
db 6; the script flushes that database, so give it one of its own), and one uvicorn process
started as in the Procfile, with the production settings. The bench process builds the
users (bench/synthetic.py, 5 habits and 60 days each) and their sessions directly, starts
the server, and opens the sockets with the session cookie, as a signed-in browser does
(aiohttp, 50 handshakes at a time). Then, in each scenario, on a fresh server:

  1. idle: the sockets stay open and quiet for --idle seconds (server CPU; dropped sockets);
  2. ticks: done and undo alternating on a daily habit, the users in turn, --rate a second
     on a fixed schedule (a slow answer does not hold back the next one), one per user at
     a time; timed from just before the POST to the first and the last tab's receipt;
  3. publishes: live.publish_many() called from the bench process, as a view's on-commit
     does: the live path alone (Redis, the server, the sockets), without request or commit.

Scenarios (same number of sockets): `users`, 1,000 users with one tab each; `tabs`, 250
users with four tabs each, every tick fanning out to four sockets. A message that has not
reached a tab 5 s after its tick is lost. The report counts refused and dropped sockets and
the exceptions in the server's log. --server-settings tries a settings module (on
PYTHONPATH) without editing habitstory/settings.py.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import concurrent.futures
import dataclasses
import datetime as dt
import os
import re
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/habitstory_bench_live")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/6")

import django  # noqa: E402

django.setup()

import aiohttp  # noqa: E402
import redis  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from bench import synthetic  # noqa: E402
from habitstory import live  # noqa: E402

LOST_AFTER = 5.0  # seconds
CSRF = secrets.token_hex(16)  # a 32-character secret: the cookie and the X-CSRFToken header


@dataclasses.dataclass
class Account:
    pk: int
    session_key: str
    habit_id: int
    day: str
    next_action: str = "done"


@dataclasses.dataclass
class Probe:
    """One tick (or one bare publish) and its arrival on the user's tabs."""

    account: Account
    started: float
    tabs: int
    responded: float | None = None  # the HTTP answer read (tick), or publish() returned
    status: int | None = None
    received: list[float] = dataclasses.field(default_factory=list)
    complete: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)  # every tab has it
    finished: asyncio.Event = dataclasses.field(default_factory=asyncio.Event)  # no longer pending


def build_accounts(count: int) -> list[Account]:
    """`count` users with 5 habits and 60 days of history each, and a session per user."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from habits.models import Habit
    from habitstory.accounts.models import User

    today = dt.date.today()
    synthetic.build(users=count, heavy_habits=5, heavy_days=60, today=today, echo=lambda *_: None)
    daily = {}
    for habit in Habit.objects.filter(schedule="daily", kind="yes_no").order_by("pk"):
        daily.setdefault(habit.user_id, habit.pk)
    accounts = []
    for user in User.objects.select_related("profile").order_by("pk"):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        day = user.profile.local_today().isoformat()
        accounts.append(Account(user.pk, session.session_key, daily[user.pk], day))
    return accounts


class Server:
    """`uvicorn habitstory.asgi:application` as in the Procfile: one process, one worker."""

    def __init__(self, env: dict[str, str]):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.log = tempfile.NamedTemporaryFile("w+", prefix="bench-live-server-", suffix=".log")
        command = [
            sys.executable, "-m", "uvicorn", "habitstory.asgi:application", "--host", "127.0.0.1",
            "--port", str(self.port), "--proxy-headers", "--no-server-header",
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 30
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{self.output()}")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        """Whether /healthz answers 200; False while the server is not listening yet."""
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def status(self, field: str) -> int:
        """A /proc/<pid>/status figure in KiB (VmRSS, VmHWM)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()[-4000:]

    def errors(self) -> dict[str, int]:
        """The exceptions the server logged (the last line of each traceback), counted."""
        self.log.seek(0)
        found = re.findall(r"^([\w.]+(?:Error|Exception)): ", self.log.read(), flags=re.MULTILINE)
        return dict(collections.Counter(found))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class Browsers:
    """The bench's side: `tabs` sockets per user, and the probes waiting for their message.
    One probe per user at a time, so a message is matched by user and habit row."""

    def __init__(self, server: Server, session: aiohttp.ClientSession, tabs: int):
        self.server, self.session, self.tabs = server, session, tabs
        self.headers = {"Origin": server.url}
        self.sockets: list[aiohttp.ClientWebSocketResponse] = []
        self.listeners: list[asyncio.Task] = []
        self.pending: dict[int, Probe] = {}
        self.refused = self.stray = 0
        self.phase = "connect"
        # (phase, close code) of every socket the server closed
        self.dropped: list[tuple[str, int | None]] = []
        self.closing = False
        # publish() needs a database connection (on_commit asks for autocommit): one thread
        # keeps it.
        self.publisher = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="publish")

    async def open(self, accounts: list[Account], concurrency: int) -> None:
        gate = asyncio.Semaphore(concurrency)

        async def open_one(account: Account) -> None:
            async with gate:
                try:
                    ws = await self.session.ws_connect(
                        f"ws://127.0.0.1:{self.server.port}/ws/live/",
                        headers={**self.headers, "Cookie": f"sessionid={account.session_key}"},
                    )
                except aiohttp.ClientError:
                    self.refused += 1
                    return
            self.sockets.append(ws)
            self.listeners.append(asyncio.create_task(self.listen(ws, account)))

        await asyncio.gather(*(open_one(account) for account in accounts for _ in range(self.tabs)))

    async def listen(self, ws: aiohttp.ClientWebSocketResponse, account: Account) -> None:
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                self.on_message(account, message.data, time.perf_counter())
        if not self.closing:
            self.dropped.append((self.phase, ws.close_code))

    def on_message(self, account: Account, text: str, at: float) -> None:
        probe = self.pending.get(account.pk)
        row = f'id="habit-row-{account.habit_id}"'
        if probe is None or row not in text or 'data-event="habit_logged"' not in text:
            self.stray += 1
            return
        probe.received.append(at)
        if len(probe.received) == probe.tabs:
            probe.complete.set()

    async def _probe(self, account: Account, send) -> Probe:
        while account.pk in self.pending:
            await self.pending[account.pk].finished.wait()
        probe = Probe(account, time.perf_counter(), self.tabs)
        self.pending[account.pk] = probe
        try:
            probe.status = await send()
            probe.responded = time.perf_counter()
            left = LOST_AFTER - (probe.responded - probe.started)
            # A tab still without the message then is counted lost: fewer receipts than tabs.
            waiter = asyncio.ensure_future(probe.complete.wait())
            await asyncio.wait([waiter], timeout=max(left, 0))
            waiter.cancel()
        finally:
            del self.pending[account.pk]
            probe.finished.set()
        return probe

    async def tick(self, account: Account) -> Probe:
        """The htmx POST from Today, as the browser sends it."""
        action = account.next_action
        account.next_action = "undo" if action == "done" else "done"
        headers = {
            **self.headers, "HX-Request": "true", "X-CSRFToken": CSRF,
            "Cookie": f"sessionid={account.session_key}; csrftoken={CSRF}",
        }

        async def send() -> int:
            url = f"{self.server.url}/habits/{account.habit_id}/log/{account.day}/"
            async with self.session.post(url, data={"action": action}, headers=headers) as response:
                await response.read()
                return response.status

        return await self._probe(account, send)

    async def publish(self, account: Account) -> Probe:
        """The live path alone: live.publish_many() from this process (as a view's on_commit
        does), through Redis and the server to the tabs; no request, no commit step."""
        row = f'<li class="habit-row" id="habit-row-{account.habit_id}" hx-swap-oob="true">'
        html = row + "x" * 2000 + "</li>"  # about the size of a real row
        events = [("habit_logged", {"habit_id": account.habit_id, "html": html})]

        async def send() -> int:
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(self.publisher, live.publish_many, account.pk, events)
            return 200

        return await self._probe(account, send)

    async def close(self) -> None:
        self.closing = True
        await asyncio.gather(*(ws.close() for ws in self.sockets))
        await asyncio.gather(*self.listeners, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self.publisher, lambda: connection.close())
        self.publisher.shutdown()


async def paced(count: int, rate: float, start) -> list[Probe]:
    """`start(n)` for n in range(count), `rate` a second on a fixed schedule."""
    began, tasks = time.perf_counter(), []
    for n in range(count):
        await asyncio.sleep(max(0.0, began + n / rate - time.perf_counter()))
        tasks.append(asyncio.create_task(start(n)))
    return await asyncio.gather(*tasks)


async def run_scenario(server: Server, accounts: list[Account], tabs: int, args) -> dict:
    result: dict = {"rss_idle": server.status("VmRSS")}
    connector = aiohttp.TCPConnector(limit=0)
    jar = aiohttp.DummyCookieJar()  # every request names its cookies
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as session:
        browsers = Browsers(server, session, tabs)
        started = time.perf_counter()
        await browsers.open(accounts, args.connect_concurrency)
        result["connect_seconds"] = time.perf_counter() - started
        await asyncio.sleep(2)  # let the server settle before reading its memory
        result["rss_open"] = server.status("VmRSS")

        browsers.phase = "idle"
        cpu = server.cpu_seconds()
        await asyncio.sleep(args.idle)
        result["cpu_idle"] = (server.cpu_seconds() - cpu) / max(args.idle, 0.001)

        browsers.phase = "ticks"
        for account in accounts[:10]:  # warm up: the first requests import, connect, fill caches
            await browsers.tick(account)
        cpu, started = server.cpu_seconds(), time.perf_counter()
        result["ticks"] = await paced(
            args.ticks, args.rate, lambda n: browsers.tick(accounts[(10 + n) % len(accounts)])
        )
        result["rate"] = args.ticks / (time.perf_counter() - started)
        result["cpu_ticks"] = (server.cpu_seconds() - cpu) / (time.perf_counter() - started)

        browsers.phase = "publishes"
        await browsers.publish(accounts[-1])  # warm up: the publishing thread connects
        result["publishes"] = await paced(
            args.publishes, args.rate, lambda n: browsers.publish(accounts[(7 * n) % len(accounts)])
        )
        await browsers.close()
        await asyncio.sleep(1)  # the server logs what failed while the sockets closed
    result["errors"] = server.errors()
    result.update(
        sockets=len(browsers.sockets),
        refused=browsers.refused,
        stray=browsers.stray,
        dropped=browsers.dropped,
    )
    return result


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile of sorted `values`."""
    return values[min(len(values) - 1, max(0, round(p * len(values)) - 1))] if values else float("nan")


def percentiles(values: list[float]) -> str:
    values = sorted(values)
    return " ".join(f"{percentile(values, p):7.1f}" for p in (0.5, 0.95, 0.99, 1.0))


def latencies(probes: list[Probe]) -> dict[str, list[float]]:
    return {
        "answer": [(p.responded - p.started) * 1000 for p in probes if p.responded],
        "first": [(min(p.received) - p.started) * 1000 for p in probes if p.received],
        "last": [(max(p.received) - p.started) * 1000 for p in probes if len(p.received) == p.tabs],
    }


def report(name: str, users: int, tabs: int, result: dict, target_ms: float) -> bool:
    ticks, publishes = result["ticks"], result["publishes"]
    tick, bare = latencies(ticks), latencies(publishes)
    sockets, refused, dropped = result["sockets"], result["refused"], result["dropped"]
    phases = dict(collections.Counter(phase for phase, _ in dropped))
    codes = sorted({int(code or 0) for _, code in dropped})
    before, after = result["rss_idle"] / 1024, result["rss_open"] / 1024
    per_socket = (result["rss_open"] - result["rss_idle"]) / max(1, sockets)
    print(f"\n== {name}: {users} users x {tabs} tab(s) ==")
    print(f"sockets: {sockets} open in {result['connect_seconds']:.1f} s, {refused} refused")
    print(f"sockets closed by the server: {len(dropped)} {phases or ''} {codes or ''}")
    print(f"server RSS: {before:.0f} MiB, {after:.0f} MiB with the sockets (~{per_socket:.0f} KiB each)")
    print(
        f"server CPU: {100 * result['cpu_idle']:.1f}% of a core idle, "
        f"{100 * result['cpu_ticks']:.0f}% while ticking at {result['rate']:.1f}/s"
    )
    for label, probes in (("ticks", ticks), ("publishes", publishes)):
        expected = len(probes) * tabs
        received = sum(len(p.received) for p in probes)
        failed = sum(1 for p in probes if p.status != 200)
        print(f"{label}: {len(probes)}, {failed} failed; messages {received}/{expected} received")
    print(f"unexpected messages: {result['stray']}; server errors: {result['errors'] or 'none'}")
    print(f"{'ms':<24}{'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
    print(f"{'tick: HTTP answer':<24}{percentiles(tick['answer'])}")
    print(f"{'tick -> first tab':<24}{percentiles(tick['first'])}")
    print(f"{'tick -> last tab':<24}{percentiles(tick['last'])}")
    print(f"{'publish -> first tab':<24}{percentiles(bare['first'])}")
    print(f"{'publish -> last tab':<24}{percentiles(bare['last'])}")
    p95 = percentile(sorted(tick["last"]), 0.95)
    lost = sum(p.tabs - len(p.received) for p in ticks)
    met = p95 <= target_ms and not lost and not refused and not dropped
    print(
        f"target (p95 tick -> last tab <= {target_ms:.0f} ms; no socket refused or dropped, "
        f"no message lost): {'met' if met else 'NOT met'}"
    )
    return met


def raise_open_files(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        if hard != resource.RLIM_INFINITY and hard < wanted:
            raise SystemExit(f"need {wanted} open files, the hard limit is {hard}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))  # inherited by the server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=["users", "tabs", "both"], default="both")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--tabs", type=int, default=4, help="tabs per user in the tabs scenario")
    parser.add_argument("--ticks", type=int, default=400)
    parser.add_argument("--publishes", type=int, default=200)
    parser.add_argument("--rate", type=float, default=5.0, help="ticks (then publishes) a second")
    parser.add_argument("--idle", type=float, default=15.0, help="seconds idle before the ticks")
    parser.add_argument("--connect-concurrency", type=int, default=50, help="sockets opening at once")
    parser.add_argument("--target", type=float, default=100.0, help="p95 tick -> last tab, ms")
    parser.add_argument(
        "--server-settings", default="habitstory.settings", help="the server's settings module"
    )
    args = parser.parse_args()
    raise_open_files(2 * args.sockets + 1000)  # both ends of every socket; the server inherits it

    if not settings.REDIS_URL or connection.vendor != "postgresql":
        raise SystemExit("bench/live.py measures PostgreSQL and Redis: set DATABASE_URL and REDIS_URL")
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        accounts = build_accounts(args.sockets)
        print(
            f"database: {connection.settings_dict['NAME']}, channel layer: Redis {settings.REDIS_URL}; "
            f"built {len(accounts)} users with sessions in {time.perf_counter() - started:.1f} s"
        )
        db = connection.settings_dict
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": args.server_settings,  # production settings, not the tests'
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        }
        connection.close()
        scenarios = {"users": (args.sockets, 1), "tabs": (args.sockets // args.tabs, args.tabs)}
        for name, (users, tabs) in scenarios.items():
            if args.scenario not in (name, "both"):
                continue
            server = Server(env)
            try:
                result = asyncio.run(run_scenario(server, accounts[:users], tabs, args))
            except BaseException:
                print(server.output(), file=sys.stderr)
                raise
            finally:
                server.stop()
            report(name, users, tabs, result, args.target)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        redis.Redis.from_url(settings.REDIS_URL).flushdb()


if __name__ == "__main__":
    main()
