"""`make run` ends cleanly on Ctrl-C: honcho stops the processes and make prints no
"Error 130". Run in a copy of the Makefile with a stand-in venv (its python a no-op, its
honcho the real one) and a Procfile.dev of sleepers; Ctrl-C is a SIGINT to the foreground
process group, as a terminal sends it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HONCHO = Path(sys.executable).parent / "honcho"

pytestmark = pytest.mark.skipif(not shutil.which("make") or not HONCHO.exists(), reason="needs make and honcho")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "Procfile.dev").write_text("one: sleep 60\ntwo: sleep 60\n")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "python").chmod(0o755)
    (bin_dir / "honcho").symlink_to(HONCHO)
    stamp = tmp_path / ".venv" / ".installed"
    stamp.touch()
    later = time.time() + 5
    os.utime(stamp, (later, later))  # installed after pyproject.toml changed: no pip run
    return tmp_path


def test_ctrl_c_ends_make_run_without_an_error(project: Path):
    make = subprocess.Popen(
        ["make", "run", "PORT=8999"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        started = ""
        while "two.1 started" not in started or "one.1 started" not in started:
            assert time.monotonic() < deadline, started
            started += make.stdout.readline()
        os.killpg(make.pid, signal.SIGINT)
        output = started + make.stdout.read()
        code = make.wait(timeout=20)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
    assert "SIGINT received" in output
    assert "Error" not in output and "Interrupt" not in output, output
    assert code in (0, -signal.SIGINT, 128 + signal.SIGINT)
