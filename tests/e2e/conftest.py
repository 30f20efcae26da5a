"""Browser journeys: the real ASGI app (HTTP and the live WebSocket) served by uvicorn in
a thread, driven by Playwright in the system Chromium.

Without Chromium these tests skip, saying why; with REQUIRE_BROWSER=1 they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
import time

import pytest
import uvicorn

# Playwright's sync API runs an event loop on this thread while Django works normally.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _browser_available() -> bool:
    return os.path.exists(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not _browser_available():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_FLAGS}


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "timezone_id": "Pacific/Auckland", "locale": "en-GB"}


class ServerThread(threading.Thread):
    """uvicorn serving habitstory.asgi in a thread of the test process."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        from habitstory.asgi import application

        config = uvicorn.Config(
            application, host="127.0.0.1", port=port, log_level="warning", lifespan="off", ws="websockets-sansio"
        )
        self.server = uvicorn.Server(config)
        self.loop: asyncio.AbstractEventLoop | None = None

    def run(self) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve())

    def call(self, coroutine, timeout: float = 5):
        """Run a coroutine on the server's loop (where its channel layer lives)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def asgi_server(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        thread = ServerThread(_free_port())
        thread.start()
        deadline = time.monotonic() + 20
        while not thread.server.started:
            if time.monotonic() > deadline or not thread.is_alive():
                raise RuntimeError("the test ASGI server did not start")
            time.sleep(0.05)
        thread.url = f"http://localhost:{thread.server.config.port}"
        yield thread
        thread.server.should_exit = True
        thread.join(10)


@pytest.fixture
def server(asgi_server, transactional_db):
    """The running app, with a database the test and the server both see."""
    return asgi_server


@pytest.fixture
def seeded_content(server):
    """The content the data migrations seed (the habit library, the ready-made quest
    templates, the quiz, houses and archetypes), again: a transactional test's flush
    empties every table, so only the first such test would find it otherwise."""
    import importlib

    from django.apps import apps

    from archetypes import content

    for migration in ("habits.migrations.0009_habit_library", "quests.migrations.0003_ready_made_templates",
                      "archetypes.migrations.0002_content"):
        importlib.import_module(migration).add(apps, None)
    content.clear()
    return server
