from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from habitstory.core.health import last_success_key, record_success
from habitstory.core.schedules import JOBS
from habitstory.notifications import tasks

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_it_reports_every_job_as_never_run_without_failing(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["jobs"] == {job.task: {"name": job.name, "last_success": None} for job in JOBS}


def test_it_reports_the_last_success_after_a_task_run(client, time_machine):
    time_machine.move_to(NOW, tick=False)
    assert tasks.send_prompts() == {"checked": 0, "sent": 0, "snoozed": 0, "failed": []}
    assert tasks.send_nudges() == {"checked": 0, "sent": 0, "snoozed": 0, "failed": []}

    jobs = client.get("/healthz").json()["jobs"]
    assert dt.datetime.fromisoformat(jobs["notifications.send_prompts"]["last_success"]) == NOW
    assert dt.datetime.fromisoformat(jobs["notifications.send_nudges"]["last_success"]) == NOW
    assert jobs["habits.close_days"]["last_success"] is None


def test_it_reads_the_key_the_day_close_writes(client):
    assert last_success_key("habits.close_days") == "job:last_success:habits.close_days"
    cache.set("job:last_success:habits.close_days", NOW.isoformat(), None)
    record_success("habits.purge_deleted", NOW)
    jobs = client.get("/healthz").json()["jobs"]
    assert jobs["habits.close_days"]["last_success"] == NOW.isoformat()
    assert jobs["habits.purge_deleted"]["last_success"] == NOW.isoformat()


def test_a_dead_cache_is_reported_in_jobs_too(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.5},
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503  # from the cache check, as before
    job = response.json()["jobs"]["notifications.send_prompts"]
    assert job["last_success"] is None
    assert "Error" in job["error"]


def test_a_failed_run_records_nothing(monkeypatch):
    from habitstory.story import prompts

    def down(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(prompts, "send_prompts", down)
    with pytest.raises(RuntimeError):
        tasks.send_prompts()
    assert cache.get(last_success_key("notifications.send_prompts")) is None


@pytest.mark.parametrize("task", [tasks.send_prompts, tasks.send_nudges, tasks.send_digests])
def test_tasks_retry_outages_with_backoff_and_have_time_limits(task):
    from django.db import OperationalError

    assert task.autoretry_for == (OperationalError, ConnectionError)
    assert task.retry_backoff is True
    assert task.max_retries == 3
    assert 0 < task.soft_time_limit < task.time_limit
