"""What every scheduled job shares: the exceptions a job never swallows, and running
batches in worker processes."""

from __future__ import annotations

import multiprocessing
import multiprocessing.util
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection, connections

# A job that catches a user's failure and goes on still stops for these: a run out of
# time stops; the next one catches up.
NEVER_SWALLOWED = (SoftTimeLimitExceeded,)


def pages(queryset, size: int) -> Iterator[list]:
    """A queryset's rows in primary-key pages of `size`, each page one query: a job that
    walks many rows holds none of them for long, and one that runs late resumes cheaply."""
    last = 0
    while True:
        page = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not page:
            return
        last = page[-1].pk
        yield page


def map_batches(work: Callable, batches: list, workers: int) -> Iterator:
    """`work(batch)` for each batch, in order: here, or with `workers` > 1 in that many
    worker processes (forked, each with its own database connection), so a job that is
    mostly Python uses every core (threads could not run it at once). Workers only on
    PostgreSQL and outside a transaction (a worker could not see the caller's uncommitted
    rows). A run that stops (out of time, failing) leaves the batches not started."""
    workers = min(workers, len(batches))
    if workers <= 1 or connection.vendor != "postgresql" or connection.in_atomic_block:
        for batch in batches:
            yield work(batch)
        return
    # A forked worker must not share this process's connections: this thread's are closed
    # first, and a worker forgets the pool it inherits (_forget_inherited_connections).
    connections.close_all()
    pool = ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("fork"), initializer=_forget_inherited_connections
    )
    try:
        yield from pool.map(work, batches)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _forget_inherited_connections() -> None:
    """In a forked worker: drop the database connection pools copied from the parent
    without closing them (their sockets are the parent's: closing them would end its
    sessions); this process opens its own, closed when it exits. (Redis clients and
    Celery's broker connections notice the fork themselves.)"""
    for conn in connections.all(initialized_only=True):
        conn.connection = None
        pools = getattr(type(conn), "_connection_pools", None)
        if pools is not None and pools.pop(conn.alias, None) is not None:
            multiprocessing.util.Finalize(None, conn.close_pool, exitpriority=10)
