"""Insights' scheduled job, by the name beat's schedule (`manage.py setup_schedules`)
refers to: the nightly retraining at 02:00 UTC, a thin call of the story layer's run
(habitstory.story.learning), where the rules are (and are tested without Celery)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from habitstory.core.health import record_success
from habitstory.story import learning

logger = logging.getLogger(__name__)


@shared_task(
    name="insights.retrain",
    autoretry_for=(OperationalError, ConnectionError),
    retry_backoff=True,
    max_retries=3,
    soft_time_limit=learning.TIME_LIMIT + 10 * 60,
    time_limit=learning.TIME_LIMIT + 15 * 60,
)
def retrain() -> dict:
    """Users with new data since their last training get their models retrained (and
    promoted only if they win), then their learned quest ranking refitted; the pooled
    models once a day. Safe to run twice at once: each user is leased to one run."""
    summary = learning.retrain()
    record_success("insights.retrain")
    logger.info("insights.retrain ran: %s", summary)
    return summary
