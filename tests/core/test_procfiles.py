"""The web processes of Procfile and Procfile.dev start without warnings: uvicorn is told
there is no lifespan protocol (Django has none), so it does not probe for it and log
"ASGI 'lifespan' protocol appears unsupported"."""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UVICORN = Path(sys.executable).parent / "uvicorn"


def web_command(procfile: str, port: int) -> list[str]:
    line = next(line for line in (ROOT / procfile).read_text().splitlines() if line.startswith("web:"))
    args = shlex.split(line.removeprefix("web:").replace("${PORT:-8000}", str(port)))
    # .venv/bin/uvicorn, or the one on PATH in production; one process: the reloader's
    # watcher adds nothing to what is checked here.
    return [str(UVICORN), *_without_reload_options(args[1:])]


def _without_reload_options(args: list[str]) -> list[str]:
    kept, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("--reload-dir", "--reload-include"):
            skip = True
        elif arg != "--reload":
            kept.append(arg)
    return kept


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("procfile", ["Procfile", "Procfile.dev"])
def test_the_web_process_starts_without_a_lifespan_warning(procfile):
    port = free_port()
    command = [arg if arg != "0.0.0.0" else "127.0.0.1" for arg in web_command(procfile, port)]
    env = {**os.environ, "DEBUG": "1", "PYTHONWARNINGS": "default"}
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, deadline = "", time.monotonic() + 30
        while "Uvicorn running" not in output:
            assert time.monotonic() < deadline and server.poll() is None, output
            output += server.stdout.readline()
    finally:
        server.send_signal(signal.SIGINT)
        output += server.communicate(timeout=20)[0]
    assert "lifespan" not in output.lower(), output
    assert re.search(r"Application startup complete|Uvicorn running", output)
