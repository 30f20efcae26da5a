"""Verification's scheduled job, by the name beat's schedule (`manage.py setup_schedules`)
refers to: media deleted 30 days after its decision (verification.services.purge_media,
where the rule is, tested without Celery). Idempotent and safe to run late."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from habitstory.core.health import record_success

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="verification.purge_media", autoretry_for=(OperationalError, ConnectionError),
             retry_backoff=True, max_retries=3)
def purge_media() -> int:
    purged = services.purge_media()
    record_success("verification.purge_media")
    logger.info("verification.purge_media deleted %s files", purged)
    return purged
