from django.core.management.base import BaseCommand

from habitstory.core.schedules import setup_schedules


class Command(BaseCommand):
    help = "Register HabitStory's periodic jobs with celery beat (idempotent)."

    def handle(self, *args, **options) -> None:
        for name, created in setup_schedules():
            self.stdout.write(f"{'created' if created else 'up to date'}: {name}")
