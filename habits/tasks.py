"""Habit jobs run by beat. Registered by `manage.py setup_schedules`."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="habits.close_days")
def close_days() -> int:
    """Hourly day close. The exactly-once close of ended local days arrives with the
    scheduling issue; until then a run records that the schedule fired and closes nothing."""
    logger.info("close_days ran: day close is not built yet, nothing closed")
    return 0


@shared_task(name="habits.purge_deleted")
def purge_deleted() -> int:
    """Daily: habits deleted more than 30 days ago are removed for good."""
    from .services import purge_deleted as purge

    count = purge()
    logger.info("purge_deleted removed %s habits", count)
    return count
