"""Scheduled delivery jobs, registered with beat by `manage.py setup_schedules`: prompts
every 15 minutes, nudges and weekly digests hourly. Thin loops over notifications.jobs and
notifications.digest, where the rules are (and are tested without Celery). A whole run
that cannot reach the database or the broker is retried with backoff; a single failing
user is logged and skipped by the job and tried again next run. Each finished run records
its time for /healthz."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from habitstory.core.health import record_success
from habitstory.story import news, risk

logger = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (OperationalError, ConnectionError),
    "retry_backoff": True,
    "max_retries": 3,
}


@shared_task(name="notifications.send_prompts", soft_time_limit=10 * 60, time_limit=12 * 60, **RETRY)
def send_prompts() -> dict:
    """Habits whose reminder time has come get their occurrence prompted and a notification."""
    from .jobs import send_prompts as run

    summary = run()
    record_success("notifications.send_prompts")
    logger.info("send_prompts: %s", summary)
    return summary


@shared_task(name="notifications.send_nudges", soft_time_limit=20 * 60, time_limit=25 * 60, **RETRY)
def send_nudges() -> dict:
    """Habits left undone on their last two expected days get one gentle nudge a day."""
    from .jobs import send_nudges as run

    summary = run()
    record_success("notifications.send_nudges")
    logger.info("send_nudges: %s", summary)
    return summary


@shared_task(name="notifications.send_digests", soft_time_limit=20 * 60, time_limit=25 * 60, **RETRY)
def send_digests() -> dict:
    """On the first day of each user's week, at their prompt window's start, the digest of
    the week that just ended (notifications.digest), once."""
    from .digest import send_digests as run

    summary = run()
    record_success("notifications.send_digests")
    logger.info("send_digests: %s", summary)
    return summary


@shared_task(name="notifications.send_risk_alerts", soft_time_limit=20 * 60, time_limit=25 * 60, **RETRY)
def send_risk_alerts(alerts: list[list]) -> dict:
    """Queued by the day close after each batch commits: one "risk" notification per habit
    that became at risk, [habit id, local day], if it still is (habitstory.story.risk)."""
    summary = risk.send_risk_alerts(alerts)
    logger.info("send_risk_alerts: %s", summary)
    return summary


@shared_task(name="notifications.send_news", **RETRY)
def send_news(user_id: int, items: list[dict]) -> bool:
    """Queued by the commit step once it commits: one notification summing up its news
    (level-ups, achievements, goals), by the user's preferences (habitstory.story.news)."""
    return news.send_notification(user_id, items) is not None
