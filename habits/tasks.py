"""Habit jobs run by beat. Registered by `manage.py setup_schedules`."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from habitstory.core.health import record_success
from habitstory.story.closing import close_days as close

from .services import purge_deleted as purge

logger = logging.getLogger(__name__)


@shared_task(
    name="habits.close_days",
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=20 * 60,
    time_limit=25 * 60,
)
def close_days() -> dict:
    """Hourly day close (habitstory.story.closing): ended local days' open occurrences
    become missed, statistics move on, pets' moods follow and new risks are alerted,
    exactly once per user and day, however often or late it runs."""
    summary = close()
    record_success("habits.close_days")
    logger.info("close_days ran: %s", summary)
    return summary


@shared_task(name="habits.purge_deleted")
def purge_deleted() -> int:
    """Daily: habits deleted more than 30 days ago are removed for good."""
    count = purge()
    logger.info("purge_deleted removed %s habits", count)
    return count
