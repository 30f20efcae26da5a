"""Queueing a Celery task from below the interfaces, by its registered name: the task
modules are interfaces (imported only by Celery), so the layers under them queue work
without importing them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import current_app

logger = logging.getLogger(__name__)


def enqueue(name: str, *args, fallback: Callable[[], object] | None = None) -> bool:
    """Queue the task registered as `name` with `args` (run in place where tasks run
    eagerly, as in tests). If the broker cannot take it, `fallback()` runs here and now:
    slower, but nothing is lost. Returns whether it was queued."""
    try:
        if name not in current_app.tasks:
            # A web process imports the apps' task modules only when asked (a worker
            # does at start): import them now, once.
            current_app.autodiscover_tasks(force=True)
        current_app.tasks[name].delay(*args)
        return True
    except Exception as exc:  # the broker is away: the fallback keeps the work
        logger.warning("could not queue %s (%r)%s", name, exc, "; running it now" if fallback else "")
        if fallback is not None:
            fallback()
        return False
