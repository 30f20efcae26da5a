"""The Celery app. Schedules live in the database (django-celery-beat), set up by
`manage.py setup_schedules`; the broker is Redis, or kombu's filesystem transport."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "habitstory.settings")

app = Celery("habitstory")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
