"""The hourly day close, across domains: habits closes each user's ended days (misses,
"at most" days made done, statistics: habits.closing) and, in the same transaction,
gamification awards the days made done their XP; then gamification moves the pets' moods
from the weeks habits hands over, then the habits that became at risk are alerted
(habitstory.story.risk) once the batch has committed. Safe to run twice, at once, or late: habits claims each
user's days once (docs/architecture.md, "The day close")."""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from gamification import services as gamification
from gamification.pets import Activity
from habits import closing
from habitstory.core.jobs import map_batches

from .risk import queue_risk_alerts

logger = logging.getLogger(__name__)


def close_days(now: dt.datetime | None = None, *, users=None, until: dt.date | None = None,
               batch_size: int = 500, workers: int | None = None) -> dict:
    """Close every ended, not yet closed local day up to yesterday (or `until`, if
    earlier), for all users or only `users`. Returns {"users", "days", "missed", "done",
    "at_risk", "failed"}. Batches run in `workers` processes (default
    settings.CLOSE_DAYS_WORKERS) on PostgreSQL (habitstory.core.jobs.map_batches)."""
    now = now or timezone.now()
    ids = closing.due_profiles(now, users)
    batches = [ids[start : start + batch_size] for start in range(0, len(ids), batch_size)]
    workers = settings.CLOSE_DAYS_WORKERS if workers is None else workers
    summary = closing.Summary()
    for result in map_batches(partial(_close_in_worker, now=now, until=until), batches, workers):
        summary.merge(result)
    return summary.as_dict()


def _close_in_worker(profile_ids: list[int], now: dt.datetime, until: dt.date | None) -> closing.Summary:
    """What a worker process runs: a module-level function (what runs in a worker is
    pickled by name) that looks `_close_batch` up when called."""
    return _close_batch(profile_ids, now, until)


def _close_batch(profile_ids: list[int], now: dt.datetime, until: dt.date | None) -> closing.Summary:
    """One batch: habits closes it and gamification awards the days made done (committed
    together), then the pets, then the alerts."""
    summary = closing.close_batch(profile_ids, now, until, on_done=_award_done_days)
    try:
        gamification.move_moods([(week.user_id, Activity(week.today, week.counts, week.last_done))
                                 for week in summary.weeks])
    except Exception:
        logger.exception("close_days: pets' moods not updated for users %s", [w.user_id for w in summary.weeks])
    if summary.alerts:
        # Sent by a task of their own (notify() per alert: preferences, inbox, push,
        # e-mail), so the close stays a few queries a batch.
        transaction.on_commit(partial(queue_risk_alerts, summary.alerts), robust=True)
    summary.alerts, summary.weeks, summary.done_days = [], [], []  # handed on: not sent back from a worker
    return summary


def _award_done_days(days: list[closing.DoneDay]) -> None:
    """Inside habits' transaction, which holds these users' profiles: each day made done
    earns its XP as a tick would, once (gamification.services.award_closed_days)."""
    gamification.award_closed_days([
        gamification.ClosedDay(day.user_id, day.occurrence_id, day.cycle, day.difficulty, day.streak, day.today)
        for day in days
    ])
