"""Celery tasks, by the names beat's schedules (`manage.py setup_schedules`) and queued
work refer to: prompts every 15 minutes, nudges and weekly digests hourly, the risk
alerts the day close queues, quest reminders every 15 minutes. Thin loops over the story
layer (habitstory.story.prompts, .nudges, .digest, .risk, .quest_reminders), where the
rules are (and are tested without Celery). A whole run that cannot reach the database or
the broker is retried with backoff; a single failing user is logged and skipped by the job
and tried again next run. Each finished scheduled run records its time for /healthz."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from habitstory.core.health import record_success
from habitstory.story import digest, nudges, prompts, quest_reminders, risk

from . import services

logger = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (OperationalError, ConnectionError),
    "retry_backoff": True,
    "max_retries": 3,
}


@shared_task(name="notifications.send_prompts", soft_time_limit=10 * 60, time_limit=12 * 60, **RETRY)
def send_prompts() -> dict:
    """Habits whose reminder time has come get their occurrence prompted and a notification."""
    summary = prompts.send_prompts()
    record_success("notifications.send_prompts")
    logger.info("send_prompts: %s", summary)
    return summary


@shared_task(name="notifications.send_nudges", soft_time_limit=20 * 60, time_limit=25 * 60, **RETRY)
def send_nudges() -> dict:
    """Habits left undone on their last two expected days get one gentle nudge a day."""
    summary = nudges.send_nudges()
    record_success("notifications.send_nudges")
    logger.info("send_nudges: %s", summary)
    return summary


@shared_task(name="notifications.send_digests", soft_time_limit=20 * 60, time_limit=25 * 60, **RETRY)
def send_digests() -> dict:
    """On the first day of each user's week, at their prompt window's start, the digest of
    the week that just ended (habitstory.story.digest), once."""
    summary = digest.send_digests()
    record_success("notifications.send_digests")
    logger.info("send_digests: %s", summary)
    return summary


@shared_task(name="notifications.send_quest_reminders", soft_time_limit=10 * 60, time_limit=12 * 60, **RETRY)
def send_quest_reminders() -> dict:
    """Quests due on their owner's local tomorrow, and quests overdue, get one reminder each
    per due date (habitstory.story.quest_reminders)."""
    summary = quest_reminders.send_quest_reminders()
    record_success("notifications.send_quest_reminders")
    logger.info("send_quest_reminders: %s", summary)
    return summary


@shared_task(name="notifications.send_risk_alerts", soft_time_limit=20 * 60, time_limit=25 * 60, **RETRY)
def send_risk_alerts(alerts: list[list]) -> dict:
    """Queued by the day close after each batch commits: one "risk" notification per habit
    that became at risk, [habit id, local day], if it still is (habitstory.story.risk)."""
    summary = risk.send_risk_alerts(alerts)
    logger.info("send_risk_alerts: %s", summary)
    return summary


@shared_task(name="notifications.deliver", **RETRY)
def deliver(notification_id: int) -> dict:
    """Queued once a notification stored with its push and e-mail for later commits (the
    commit step's news): sends them, each once."""
    return services.deliver(notification_id)
