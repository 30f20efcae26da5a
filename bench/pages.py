"""Request timings and query counts for the shell's pages, on the demo account.

    .venv/bin/python bench/pages.py [--requests 200]

Runs in a throwaway test database (SQLite unless DATABASE_URL says otherwise) through
Django's test client, so it measures the app, not a network. Figures go to
docs/benchmarks.md by hand.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

PAGES = ["/", "/habits/", "/profile/", "/healthz", "/manifest.webmanifest", "/sw.js"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from habitstory.story.demo import seed_demo

        seed_demo()
        client = Client()
        assert client.login(email=settings.DEMO_EMAIL, password=settings.DEMO_PASSWORD)
        print(f"database: {connection.vendor}; {args.requests} requests per page")
        print(f"{'page':<24}{'queries':>8}{'median ms':>11}{'p95 ms':>9}")
        for page in PAGES:
            client.get(page)  # warm up
            queries = []
            with connection.execute_wrapper(lambda execute, sql, *a: queries.append(sql) or execute(sql, *a)):
                response = client.get(page)
            assert response.status_code == 200, (page, response.status_code)
            timings = []
            for _ in range(args.requests):
                started = time.perf_counter()
                client.get(page)
                timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(f"{page:<24}{len(queries):>8}{statistics.median(timings):>11.2f}{p95:>9.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
