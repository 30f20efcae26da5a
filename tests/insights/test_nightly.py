"""The nightly retraining (habitstory.story.learning over habitstory.insights.jobs): who
is due, leases, batches, the time limit, failures, two runs at once, the task and its
schedule. Training itself is faked here (test_pipeline trains for real)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from habits.models import Habit, Occurrence
from habits.services import save_habit
from habitstory.core.health import last_success_key
from habitstory.core.schedules import JOBS
from habitstory.insights import jobs, pipeline, predictions, state, synth_db, tasks
from habitstory.insights.models import ModelVersion, TrainingState
from habitstory.story import commit as story_commit
from habitstory.story import learning
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)


class FakeTraining:
    """Counts whom it trained; `fail` user ids raise; `pause` seconds each."""

    def __init__(self, fail=(), pause=0.0):
        self.trained: list[int] = []
        self.refitted: list[int] = []
        self.fail = set(fail)
        self.pause = pause
        self.lock = threading.Lock()

    def train_user(self, user, **kwargs):
        if user.pk in self.fail:
            raise RuntimeError("bad data")
        time.sleep(self.pause)
        with self.lock:
            self.trained.append(user.pk)
        return [pipeline.Result("mood", "user", reason="0 of 60 labelled days")]

    def refit(self, user, *, now=None):
        self.refitted.append(user.pk)


@pytest.fixture
def fake(monkeypatch):
    fake = FakeTraining()
    monkeypatch.setattr(pipeline, "train_user", fake.train_user)
    monkeypatch.setattr(learning.learned, "refit", fake.refit)
    monkeypatch.setattr(pipeline, "train_pooled", lambda **kwargs: [])
    return fake


def changed_users(make_user, n, *, prefix="u"):
    users = [make_user(f"{prefix}{i}@example.com") for i in range(n)]
    for user in users:
        state.data_changed(user.pk)
    return users


def test_users_with_new_data_are_trained_once_and_their_lease_ends(make_user, fake):
    users = changed_users(make_user, 3)
    summary = learning.retrain(batch_size=2)
    assert sorted(fake.trained) == [u.pk for u in users] == sorted(fake.refitted)
    assert summary["claimed"] == summary["trained"] == 3 and summary["skipped"] == 3
    assert summary["failed"] == [] and not summary["stopped"]
    for training_state in TrainingState.objects.all():
        assert training_state.trained_at is not None and training_state.claimed_until is None
        assert training_state.claimed_by == ""
    assert learning.retrain()["claimed"] == 0  # nothing new since


def test_who_is_due(make_user, time_machine):
    time_machine.move_to(NOW - dt.timedelta(days=1), tick=False)
    fresh, trained, changed_since, leased = changed_users(make_user, 4)
    TrainingState.objects.filter(user__in=[trained, changed_since, leased]).update(trained_at=NOW - dt.timedelta(hours=20))
    time_machine.move_to(NOW - dt.timedelta(hours=10), tick=False)
    state.data_changed(changed_since.pk)
    TrainingState.objects.filter(user=leased).update(claimed_until=NOW + dt.timedelta(hours=1), claimed_by="other")
    time_machine.move_to(NOW, tick=False)
    due = set(jobs.due(NOW).values_list("user_id", flat=True))
    assert due == {fresh.pk, changed_since.pk}
    TrainingState.objects.filter(user=leased).update(claimed_until=NOW - dt.timedelta(minutes=1))
    assert leased.pk not in set(jobs.due(NOW).values_list("user_id", flat=True))  # its data is older


def test_a_habit_logged_since_the_last_training_makes_a_user_due(owner, time_machine):
    time_machine.move_to(NOW - dt.timedelta(days=2), tick=False)
    habit = save_habit(Habit(user=owner, name="Run", start_date=dt.date(2026, 11, 1)))
    state.data_changed(owner.pk)
    TrainingState.objects.filter(user=owner).update(trained_at=NOW - dt.timedelta(days=1))
    time_machine.move_to(NOW, tick=False)
    assert not jobs.due(NOW).exists()
    story_commit.commit(habit, dt.date(2026, 11, 22), "done")
    assert list(jobs.due(NOW).values_list("user_id", flat=True)) == [owner.pk]


def test_a_user_who_only_logs_habits_gets_a_training_state(owner, fake):
    habit = save_habit(Habit(user=owner, name="Run", start_date=dt.date(2026, 11, 1)))
    story_commit.commit(habit, timezone.localdate(), "done")
    assert not TrainingState.objects.exists()
    assert Occurrence.objects.filter(habit__user=owner).exists()
    learning.retrain()
    assert fake.trained == [owner.pk]
    assert TrainingState.objects.get(user=owner).trained_at is not None


def test_data_changed_during_training_is_seen_next_run(make_user, fake, monkeypatch):
    (user,) = changed_users(make_user, 1)

    def train_and_change(user, **kwargs):
        state.data_changed(user.pk, now=timezone.now() + dt.timedelta(seconds=1))
        return fake.train_user(user)

    monkeypatch.setattr(pipeline, "train_user", train_and_change)
    learning.retrain()
    assert fake.trained == [user.pk]  # not again in the same run
    learning.retrain()
    assert fake.trained == [user.pk, user.pk]


def test_a_failing_user_is_kept_for_the_next_night_and_the_others_go_on(make_user, fake):
    bad, good = changed_users(make_user, 2)
    fake.fail = {bad.pk}
    summary = learning.retrain()
    assert summary["failed"] == [bad.pk] and fake.trained == [good.pk]
    failed = TrainingState.objects.get(user=bad)
    assert "bad data" in failed.last_error and failed.trained_at is None
    assert failed.claimed_until is not None  # leased until it runs out: not again tonight
    assert learning.retrain()["claimed"] == 0
    TrainingState.objects.filter(user=bad).update(claimed_until=timezone.now() - dt.timedelta(seconds=1))
    fake.fail = set()
    assert learning.retrain()["trained"] == 1


def test_the_time_limit_stops_the_run_and_frees_what_it_did_not_start(make_user, fake, monkeypatch):
    changed_users(make_user, 5)
    monkeypatch.setattr(learning.Run, "out_of_time", lambda run: len(fake.trained) >= 2)
    summary = learning.retrain(batch_size=4)
    assert summary["trained"] == 2 and summary["stopped"]
    left = TrainingState.objects.filter(trained_at__isnull=True)
    assert left.count() == 3
    assert not left.filter(claimed_until__isnull=False).exists()  # free for the next run
    monkeypatch.setattr(learning.Run, "out_of_time", lambda run: False)
    assert learning.retrain()["trained"] == 3


def test_no_time_claims_nothing(make_user, fake):
    changed_users(make_user, 2)
    summary = learning.retrain(time_limit=0)
    assert summary["claimed"] == 0 and summary["stopped"] and fake.trained == []


def test_the_pooled_models_are_trained_once_a_day_by_one_run(fake, monkeypatch):
    calls = []
    monkeypatch.setattr(pipeline, "train_pooled", lambda **kwargs: calls.append(kwargs) or [])
    learning.retrain()
    assert len(calls) == 1
    assert jobs.claim_pooled("other") is True  # no pooled version was made (too little data)
    learning.retrain()
    assert len(calls) == 1  # the other run holds the lock
    jobs.release_pooled("other")


def test_a_failing_learned_ranking_does_not_undo_the_training(make_user, fake, monkeypatch):
    (user,) = changed_users(make_user, 1)

    def broken(user, *, now=None):
        raise ValueError("no choices")

    monkeypatch.setattr(learning.learned, "refit", broken)
    summary = learning.retrain()
    assert summary["trained"] == 1 and summary["failed"] == []


def test_the_task_runs_the_job_and_records_success(make_user, fake):
    changed_users(make_user, 1)
    assert tasks.retrain()["trained"] == 1
    assert cache.get(last_success_key("insights.retrain"))


def test_it_is_scheduled_at_two_utc():
    (job,) = [job for job in JOBS if job.task == "insights.retrain"]
    assert (job.minute, job.hour) == ("0", "2")


def test_a_tick_drops_cached_forecasts(owner):
    habit = save_habit(Habit(user=owner, name="Run", start_date=dt.date(2026, 11, 1)))
    before = state.generation(owner.pk)
    story_commit.commit(habit, timezone.localdate(), "done")
    assert state.generation(owner.pk) == before + 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_train_each_user_once(make_user, fake):
    users = changed_users(make_user, 8)
    fake.pause = 0.05
    results = []
    errors = run_together([lambda: results.append(learning.retrain(batch_size=2, pooled=False))] * 2)
    assert errors == []
    assert sorted(fake.trained) == sorted(u.pk for u in users)  # each once
    assert sum(r["trained"] for r in results) == 8
    assert all(r["trained"] > 0 for r in results)  # both worked (SKIP LOCKED, not one waiting)
    assert not TrainingState.objects.filter(trained_at__isnull=True).exists()


def test_the_command_runs_the_nightly_job_with_progress(make_user, fake):
    users = changed_users(make_user, 2)
    out, err = StringIO(), StringIO()
    call_command("train_models", stdout=out, stderr=err)
    text = out.getvalue()
    assert all(f"{u.email}: mood: not trained (0 of 60 labelled days)" in text for u in users)
    assert "Trained 2 users: 0 new champions, 0 rejected, 2 with too little data." in text
    assert err.getvalue() == ""
    assert cache.get(last_success_key("insights.retrain"))


def test_the_command_trains_one_user_now_or_the_pooled_models(owner, fake, monkeypatch):
    monkeypatch.setattr(pipeline, "train_pooled", lambda **kwargs: [pipeline.Result("mood", "pooled", reason="x")])
    out = StringIO()
    call_command("train_models", "--user", "OWNER@example.com", "--kind", "mood", "--pooled", stdout=out)
    assert fake.trained == [owner.pk] and fake.refitted == [owner.pk]
    assert "owner@example.com…\n  mood: not trained" in out.getvalue()
    assert "pooled mood: not trained (x)" in out.getvalue()
    assert TrainingState.objects.get(user=owner).trained_at is not None
    with pytest.raises(CommandError, match="No user"):
        call_command("train_models", "--user", "nobody@example.com")


def test_a_real_night_trains_a_synthetic_user_and_their_forecast_follows(make_user, monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    user = make_user("real@example.com")
    synth_db.write(user, synth_db.generate(1, 100, 3, end=timezone.localdate())[0], end=timezone.localdate())
    calls = []
    monkeypatch.setattr(learning.learned, "refit", lambda user, now=None: calls.append(user.pk))
    summary = learning.retrain(params={"num_threads": 1, "num_boost_round": 40})
    assert summary["trained"] == 1 and summary["promoted"] + summary["rejected"] == 3 and calls == [user.pk]
    assert ModelVersion.objects.filter(user=user).count() == 3
    served = predictions.forecast(user, timezone.localdate())["model_versions"]
    assert served == {v.kind: v.pk for v in ModelVersion.objects.filter(user=user, status="champion")} | {
        k: None for k in ("mood", "energy", "completion")
        if not ModelVersion.objects.filter(user=user, kind=k, status="champion").exists()}


def test_the_longest_waiting_are_claimed_first(make_user, time_machine):
    time_machine.move_to(NOW - dt.timedelta(days=3), tick=False)
    recent, old, never = changed_users(make_user, 3)
    TrainingState.objects.filter(user=recent).update(trained_at=NOW - dt.timedelta(days=1))
    TrainingState.objects.filter(user=old).update(trained_at=NOW - dt.timedelta(days=2))
    time_machine.move_to(NOW - dt.timedelta(hours=1), tick=False)
    for user in (recent, old):
        state.data_changed(user.pk)
    time_machine.move_to(NOW, tick=False)
    claimed = jobs.claim("run", NOW, size=3)
    assert [s.user_id for s in claimed] == [never.pk, old.pk, recent.pk]
