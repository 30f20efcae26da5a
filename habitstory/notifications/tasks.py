"""Scheduled delivery jobs. Registered with beat by `manage.py setup_schedules`.

Their bodies arrive with the notifications issue (prompts every 15 minutes, nudges
hourly); until then each run only records that the schedule fired, so the beat → worker
path can be seen working in the logs and in admin.
"""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="notifications.send_prompts")
def send_prompts() -> int:
    logger.info("send_prompts ran: prompt delivery is not built yet, nothing sent")
    return 0


@shared_task(name="notifications.send_nudges")
def send_nudges() -> int:
    logger.info("send_nudges ran: nudges are not built yet, nothing sent")
    return 0
