from __future__ import annotations

import pytest
from django.core.management import call_command
from django_celery_beat.models import PeriodicTask

from habitstory.celery import app
from habitstory.core.schedules import JOBS

pytestmark = pytest.mark.django_db


def test_setup_schedules_twice_registers_each_job_once(capsys):
    call_command("setup_schedules")
    call_command("setup_schedules")
    tasks = PeriodicTask.objects.exclude(task="celery.backend_cleanup")
    assert sorted(tasks.values_list("name", flat=True)) == sorted(job.name for job in JOBS)
    assert tasks.count() == len(JOBS)
    assert "up to date: Prompts" in capsys.readouterr().out


def test_schedules_are_crontabs_on_registered_tasks():
    call_command("setup_schedules")
    prompts = PeriodicTask.objects.get(name="Prompts")
    assert prompts.crontab.minute == "*/15"
    assert PeriodicTask.objects.get(name="Day close").crontab.hour == "*"
    app.loader.import_default_modules()
    for task in PeriodicTask.objects.all():
        assert task.task in app.tasks, f"{task.task} is not a registered Celery task"


def test_a_job_staff_disabled_stays_disabled():
    call_command("setup_schedules")
    PeriodicTask.objects.filter(name="Nudges").update(enabled=False)
    call_command("setup_schedules")
    assert PeriodicTask.objects.get(name="Nudges").enabled is False


def test_the_jobs_run(caplog):
    from habits.tasks import close_days

    caplog.set_level("INFO")
    assert close_days.apply().get()["users"] == 0
    assert "close_days ran" in caplog.text
