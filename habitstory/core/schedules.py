"""The periodic jobs beat runs. `setup_schedules` writes them to the database, where
staff can see and edit them in admin (django-celery-beat)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_celery_beat.models import CrontabSchedule, PeriodicTask


@dataclass(frozen=True)
class Job:
    name: str
    task: str
    minute: str
    hour: str = "*"
    description: str = ""


JOBS = [
    Job("Prompts", "notifications.send_prompts", "*/15", description="Habit prompts at reminder time"),
    Job("Day close", "habits.close_days", "5", description="Close ended local days; mark misses"),
    Job("Nudges", "notifications.send_nudges", "20", description="Gentle nudges for quiet habits"),
    Job("Quest reminders", "notifications.send_quest_reminders", "7,22,37,52",
        description="Quests due tomorrow or overdue, once per due date"),
    Job("Weekly digest", "notifications.send_digests", "10", description="Last week's digest, on the user's first weekday"),
    Job("Purge deleted habits", "habits.purge_deleted", "40", "3", description="Remove habits deleted 30+ days ago"),
    Job("Retrain models", "insights.retrain", "0", "2", description="Retrain insights models of users with new data"),
    Job("Purge proof media", "verification.purge_media", "50", "3",
        description="Delete verification media 30 days after its decision"),
]


@transaction.atomic
def setup_schedules() -> list[tuple[str, bool]]:
    """Create or update every job; running it again changes nothing. Returns
    (name, created) pairs. Staff edits to `enabled` are kept."""
    results = []
    for job in JOBS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=job.minute,
            hour=job.hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        _, created = PeriodicTask.objects.update_or_create(
            name=job.name,
            defaults={
                "task": job.task,
                "crontab": crontab,
                "interval": None,
                "description": job.description,
                "expire_seconds": 30 * 60,
            },
        )
        results.append((job.name, created))
    return results
