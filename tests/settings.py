"""Settings for the test run: the real settings module, with the environment a test run
needs filled in where the caller did not say (CI passes DATABASE_URL and REDIS_URL for the
production-stack run)."""

import os
from pathlib import Path

VAR = Path(__file__).resolve().parent.parent / "var" / "test"

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "k" * 40)
os.environ.setdefault("STATIC_MANIFEST", "0")  # tests run without collectstatic
os.environ.setdefault("LOG_FORMAT", "text")
os.environ.setdefault("EMAIL_URL", "memory://")
os.environ.setdefault("VAR_DIR", str(VAR))
os.environ.setdefault("MEDIA_ROOT", str(VAR / "media"))  # uploads (the demo's proof, attachments) stay under var/
os.environ.setdefault("VAPID_KEYS_FILE", "")  # push is off unless a test turns it on
# verification media at rest: a fixed test key (tests of rotation add their own)
os.environ.setdefault("VERIFICATION_KEYS", "test1:" + "A" * 43)
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")  # no worker: a task queued by the code under test runs in place

from habitstory.settings import *  # noqa: E402,F403
from habitstory.settings import DATABASES  # noqa: E402

# The one override: on SQLite the test database is a file, not shared memory, so the
# browser tests' ASGI server thread sees what the test wrote (WAL lets them share it).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR / f"test-db-{os.getpid()}.sqlite3")}

# Fast hashing: tests create many users; nothing here guards a real password.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The browser tests' server answers from several threads; with persistent connections
# those threads would keep the PostgreSQL test database open past its teardown.
DATABASES["default"]["CONN_MAX_AGE"] = 0
