"""Settings for the test run: the real settings module, with the environment a test run
needs filled in where the caller did not say (CI passes DATABASE_URL and REDIS_URL for the
production-stack run). No setting is overridden here; only the environment is."""

import os
from pathlib import Path

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "k" * 40)
os.environ.setdefault("STATIC_MANIFEST", "0")  # tests run without collectstatic
os.environ.setdefault("LOG_FORMAT", "text")
os.environ.setdefault("EMAIL_URL", "memory://")
os.environ.setdefault("VAR_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test"))

from habitstory.settings import *  # noqa: E402,F403
