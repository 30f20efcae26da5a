"""Running calls at the same moment, as concurrent requests would: the tests of locks,
claims and exactly-once awards use it (most need PostgreSQL's row locks)."""

from __future__ import annotations

import threading

from django.db import close_old_connections, connection


def run_together(calls) -> list[BaseException]:
    """Start every call at once (a barrier), each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def worker(call):
        try:
            barrier.wait()
            call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors
