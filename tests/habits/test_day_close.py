"""The hourly day close (habits.closing): ended local days' open expected days become
missed exactly once, across zones, day-start hours, DST changes, repeats, overlaps and
outages."""

from __future__ import annotations

import datetime as dt
import io
import logging
import multiprocessing
import os
import threading

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gamification.models import Pet
from gamification.services import pet_of
from habitstory.story import closing as day_close
from habitstory.story.commit import commit
from habits import closing, recompute, tasks
from habits.models import Habit, Occurrence
from habits.models import STAT_FIELDS
from habits.services import save_habit
from habitstory.live import events as live_events
from habitstory.notifications.models import Notification

pytestmark = pytest.mark.django_db

UTC = dt.UTC
D = dt.date

# zone, day-start hour, the instant the close runs (UTC), the user's day then, the days it
# closes (closed_through was the day before the first one).
CASES = [
    # 23:59 NZDT on the 23rd, then midnight: the 23rd has ended.
    ("Pacific/Auckland", 0, dt.datetime(2026, 11, 23, 10, 59, tzinfo=UTC), D(2026, 11, 23), [D(2026, 11, 22)]),
    ("Pacific/Auckland", 0, dt.datetime(2026, 11, 23, 11, 0, tzinfo=UTC), D(2026, 11, 24),
     [D(2026, 11, 22), D(2026, 11, 23)]),
    # Auckland springs forward on 27 September: 01:59 NZST, then 03:00 NZDT (day starts at 2).
    ("Pacific/Auckland", 2, dt.datetime(2026, 9, 26, 13, 59, tzinfo=UTC), D(2026, 9, 26), [D(2026, 9, 25)]),
    ("Pacific/Auckland", 2, dt.datetime(2026, 9, 26, 14, 0, tzinfo=UTC), D(2026, 9, 27),
     [D(2026, 9, 25), D(2026, 9, 26)]),
    ("Europe/London", 0, dt.datetime(2026, 11, 23, 23, 59, tzinfo=UTC), D(2026, 11, 23), [D(2026, 11, 22)]),
    ("Europe/London", 0, dt.datetime(2026, 11, 24, 0, 0, tzinfo=UTC), D(2026, 11, 24),
     [D(2026, 11, 22), D(2026, 11, 23)]),
    ("America/Los_Angeles", 0, dt.datetime(2026, 11, 24, 7, 59, tzinfo=UTC), D(2026, 11, 23), [D(2026, 11, 22)]),
    # Los Angeles falls back on 1 November: 01:30 PST (the second one) is still the 31st
    # with a 2 a.m. day start; 02:00 PST starts the 1st.
    ("America/Los_Angeles", 2, dt.datetime(2026, 11, 1, 9, 30, tzinfo=UTC), D(2026, 10, 31), [D(2026, 10, 30)]),
    ("America/Los_Angeles", 2, dt.datetime(2026, 11, 1, 10, 0, tzinfo=UTC), D(2026, 11, 1),
     [D(2026, 10, 30), D(2026, 10, 31)]),
]


def _user(make_user, email, zone="Europe/London", day_start=0, closed_through=None):
    user = make_user(email)
    profile = user.profile
    profile.timezone = zone
    profile.day_start_hour = day_start
    profile.closed_through = closed_through
    profile.save()
    return user


def _habit(user, name, start, **fields):
    return save_habit(Habit(user=user, name=name, start_date=start, **fields))


def _state(users) -> dict:
    """Everything the close writes, keyed by names so that two users can be compared."""
    rows = {}
    for user in users:
        user.profile.refresh_from_db()
        habits = Habit.objects.filter(user=user).order_by("name")
        rows[user.pk] = {
            "closed_through": user.profile.closed_through,
            "occurrences": sorted(
                Occurrence.objects.filter(habit__user=user).values_list("habit__name", "on", "status", "value")
            ),
            "stats": [(h.name, *[getattr(h, f) for f in STAT_FIELDS]) for h in habits],
        }
    return rows


def _missed(user) -> set[tuple[str, dt.date]]:
    return set(Occurrence.objects.filter(habit__user=user, status="missed").values_list("habit__name", "on"))


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(live_events, "_send", lambda group, message: messages.append((group, message)) or True)
    return messages


def _risk_events(sent):
    return [(group, m["data"]["habit_id"]) for group, m in sent if m["event"] == "habit_at_risk"]


# --- which days close -----------------------------------------------------------------------

@pytest.mark.parametrize(("zone", "day_start", "instant", "today", "closes"), CASES)
def test_it_marks_exactly_the_open_expected_days_of_ended_days(
    make_user, time_machine, zone, day_start, instant, today, closes
):
    time_machine.move_to(instant, tick=False)
    closed_through = closes[0] - dt.timedelta(days=1)
    user = _user(make_user, "tz@example.com", zone, day_start, closed_through)
    start = closes[0] - dt.timedelta(days=10)
    daily = _habit(user, "Daily", start)
    logged = _habit(user, "Logged", start)
    weekdays = _habit(user, "Weekdays", start, schedule="weekdays", weekdays=[0, 2, 4])
    _habit(user, "PerWeek", start, schedule="per_week", times_per_week=3)
    paused = _habit(user, "Paused", start, pauses=[[closes[0].isoformat(), closes[0].isoformat()]])
    _habit(user, "Late", closes[-1])  # started on the last closed day: only that day can be missed
    _habit(user, "Archived", start, status="archived")
    deleted = _habit(user, "Deleted", start)
    deleted.deleted_at = instant
    deleted.save()
    commit(logged, closes[0], "done")
    if len(closes) > 1:
        commit(logged, closes[-1], "skip")
    for day in (closed_through, closes[-1], today):  # open rows: an already closed day, an ended one, today
        Occurrence.objects.create(habit=daily, on=day, status="prompted")

    summary = day_close.close_days()

    expected = {("Daily", d) for d in closes}
    expected |= {("Weekdays", d) for d in closes if weekdays.schedule_spec().is_expected(d)}
    expected |= {("Paused", d) for d in closes[1:]}
    expected.add(("Late", closes[-1]))
    assert _missed(user) == expected
    assert paused.occurrences.count() == len(closes) - 1
    assert not Occurrence.objects.filter(habit__name__in=["PerWeek", "Archived", "Deleted"]).exists()
    assert set(logged.occurrences.values_list("on", "status")) == (
        {(closes[0], "done"), (closes[-1], "skipped")} if len(closes) > 1 else {(closes[0], "done")}
    )
    assert daily.occurrences.get(on=today).status == "prompted"
    assert daily.occurrences.get(on=closed_through).status == "prompted"
    assert not Occurrence.objects.filter(on__gte=today).exclude(habit=daily).exists()
    user.profile.refresh_from_db()
    assert user.profile.closed_through == closes[-1]
    assert summary == {"users": 1, "days": len(closes), "missed": len(expected), "done": 0,
                       "at_risk": summary["at_risk"], "failed": []}
    daily.refresh_from_db()
    assert daily.consecutive_misses >= len(closes)  # stats were recomputed from the new rows


def test_it_closes_only_yesterday_for_a_user_never_closed(make_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, "new@example.com")
    _habit(user, "Daily", D(2026, 11, 1))

    day_close.close_days()

    assert _missed(user) == {("Daily", D(2026, 11, 22))}
    user.profile.refresh_from_db()
    assert user.profile.closed_through == D(2026, 11, 22)


def test_it_closes_up_to_until_and_never_today(make_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, "until@example.com", closed_through=D(2026, 11, 18))
    _habit(user, "Daily", D(2026, 11, 1))

    day_close.close_days(until=D(2026, 11, 20))
    assert _missed(user) == {("Daily", D(2026, 11, 19)), ("Daily", D(2026, 11, 20))}
    day_close.close_days(until=D(2026, 12, 31))
    assert max(on for _, on in _missed(user)) == D(2026, 11, 22)
    user.profile.refresh_from_db()
    assert user.profile.closed_through == D(2026, 11, 22)


# --- exactly once ------------------------------------------------------------------------------

def _three_zone_users(make_user, time_machine, closed_through):
    """Four users set up on the day after `closed_through` (their stats as of then)."""
    time_machine.move_to(dt.datetime.combine(closed_through, dt.time(12), UTC) + dt.timedelta(days=1), tick=False)
    users = []
    for n, (zone, day_start) in enumerate(
        [("Pacific/Auckland", 0), ("Europe/London", 0), ("America/Los_Angeles", 0), ("Europe/London", 2)]
    ):
        user = _user(make_user, f"u{n}@example.com", zone, day_start, closed_through)
        start = closed_through + dt.timedelta(days=1)
        daily = _habit(user, "Daily", start)
        _habit(user, "Weekdays", start, schedule="weekdays", weekdays=[1, 3])
        commit(daily, start, "done")
        users.append(user)
    return users


def test_it_changes_nothing_when_run_twice(make_user, time_machine, sent, django_capture_on_commit_callbacks):
    users = _three_zone_users(make_user, time_machine, D(2026, 10, 27))
    time_machine.move_to(dt.datetime(2026, 11, 1, 10, 30, tzinfo=UTC), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        first = day_close.close_days()
    state = _state(users)
    events = _risk_events(sent)
    with django_capture_on_commit_callbacks(execute=True):
        second = day_close.close_days()

    assert first["users"] == 4 and first["missed"] > 0
    assert second == {"users": 0, "days": 0, "missed": 0, "done": 0, "at_risk": 0, "failed": []}
    assert _state(users) == state
    assert _risk_events(sent) == events
    assert len(events) == 4  # each user's daily habit: two misses in a row, raised once


def test_an_outage_then_one_run_equals_on_time_runs(make_user, time_machine, sent, django_capture_on_commit_callbacks):
    start = dt.datetime(2026, 11, 20, 12, tzinfo=UTC)
    on_time = _three_zone_users(make_user, time_machine, D(2026, 11, 18))
    late = []
    for user in on_time:  # the same users again, closed only after a 3-day outage
        twin = _user(make_user, "late-" + user.email, str(user.profile.timezone), user.profile.day_start_hour,
                     D(2026, 11, 18))
        for habit in user.habits.all():
            twin_habit = _habit(twin, habit.name, habit.start_date, schedule=habit.schedule, weekdays=habit.weekdays)
            for on in habit.occurrences.filter(status="done").values_list("on", flat=True):
                commit(twin_habit, on, "done")
        late.append(twin)

    with django_capture_on_commit_callbacks(execute=True):
        for days in range(4):
            time_machine.move_to(start + dt.timedelta(days=days), tick=False)
            day_close.close_days(users=on_time)
        day_close.close_days(users=late)

    on_time_state, late_state = _state(on_time), _state(late)
    assert list(on_time_state.values()) == list(late_state.values())
    assert late_state[late[1].pk]["closed_through"] == D(2026, 11, 22)
    raised = _risk_events(sent)
    assert sorted(group for group, _ in raised) == sorted(f"user-{u.pk}" for u in on_time + late)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="overlapping runs need PostgreSQL's row locks")
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_close_each_day_once(make_user, time_machine, sent):
    from django.db import connections

    users = _three_zone_users(make_user, time_machine, D(2026, 10, 27))
    for n in range(12):
        user = _user(make_user, f"more{n}@example.com", closed_through=D(2026, 10, 27))
        commit(_habit(user, "Daily", D(2026, 10, 28)), D(2026, 10, 28), "done")
        users.append(user)
    now = dt.datetime(2026, 11, 1, 10, 30, tzinfo=UTC)
    time_machine.move_to(now, tick=False)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(day_close.close_days(now, batch_size=4, workers=1))  # two runs, one process each
        except Exception as error:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(r["users"] for r in results) == len(users)
    assert sum(r["at_risk"] for r in results) == len(users)
    state = _state(users)
    assert day_close.close_days(now)["users"] == 0
    assert _state(users) == state
    raised = _risk_events(sent)
    assert len(raised) == len(set(raised)) == len(users)
    for user in users:
        days = Occurrence.objects.filter(habit__user=user, habit__name="Daily").values_list("on", flat=True)
        assert len(days) == len(set(days))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="worker processes are used on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_batches_in_worker_processes_end_as_one_process_does(make_user, time_machine, sent, monkeypatch, tmp_path):
    time_machine.move_to(dt.datetime(2026, 10, 28, 12, tzinfo=UTC), tick=False)
    groups = {"workers": [], "serial": []}
    for name, group in groups.items():
        for n, (zone, day_start) in enumerate(
            [("Pacific/Auckland", 0), ("Europe/London", 0), ("America/Los_Angeles", 0), ("Europe/London", 2)] * 3
        ):
            user = _user(make_user, f"{name}{n}@example.com", zone, day_start, D(2026, 10, 27))
            daily = _habit(user, "Daily", D(2026, 10, 28))
            _habit(user, "Weekdays", D(2026, 10, 28), schedule="weekdays", weekdays=[1, 3])
            if n % 2:
                commit(daily, D(2026, 10, 28), "done")
            group.append(user)
    now = dt.datetime(2026, 11, 1, 10, 30, tzinfo=UTC)
    time_machine.move_to(now, tick=False)
    ran_in, close_batch = tmp_path / "pids", day_close._close_batch

    def recorded(*args):
        with ran_in.open("a") as log:  # the workers are other processes: they tell a file
            log.write(f"{os.getpid()}\n")
        return close_batch(*args)

    monkeypatch.setattr(day_close, "_close_batch", recorded)

    in_workers = day_close.close_days(now, users=groups["workers"], batch_size=2, workers=3)
    pids = ran_in.read_text().split()
    assert len(pids) == 6 and str(os.getpid()) not in pids and 1 < len(set(pids)) <= 3
    serial = day_close.close_days(now, users=groups["serial"], batch_size=2, workers=1)
    assert ran_in.read_text().split()[6:] == [str(os.getpid())] * 6

    assert in_workers == serial and in_workers["users"] == 12
    assert list(_state(groups["workers"]).values()) == list(_state(groups["serial"]).values())
    assert multiprocessing.active_children() == []  # the pool is gone
    assert day_close.close_days(now, workers=3)["users"] == 0


# --- alerts, pets, failures --------------------------------------------------------------------

def test_it_raises_the_at_risk_alert_once(make_user, time_machine, sent, django_capture_on_commit_callbacks):
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, "risk@example.com", closed_through=D(2026, 11, 19))
    habit = _habit(user, "Stretch", D(2026, 11, 15))
    commit(habit, D(2026, 11, 19), "done")
    commit(habit, D(2026, 11, 20), "done")
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        summary = day_close.close_days()
    with django_capture_on_commit_callbacks(execute=True):
        day_close.close_days()

    habit.refresh_from_db()
    assert habit.at_risk and summary["at_risk"] == 1
    risk = [m for _, m in sent if m["event"] == "habit_at_risk"]
    assert len(risk) == 1
    assert risk[0]["data"] == {"habit_id": habit.pk}
    # One notification (in-app and push by default), keyed by the habit and the user's day.
    alert = Notification.objects.get(user=user, kind="risk")
    assert alert.title == "“Stretch” is at risk"
    assert alert.key == f"risk:{habit.pk}:2026-11-23" and alert.url == f"/habits/{habit.pk}/"
    assert alert.in_app and {d.channel: d.status for d in alert.deliveries.all()}["push"] == "skipped_unavailable"
    toasts = [m for _, m in sent if m["event"] == "notification"]
    assert [m["data"]["message"] for m in toasts] == ["“Stretch” is at risk"]


def _going_quiet(make_user, time_machine, email, name):
    """A user whose habit was done on the 19th and 20th, then left: the close on the 23rd
    marks the 21st and 22nd missed and the habit becomes at risk."""
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, email, closed_through=D(2026, 11, 20))
    habit = _habit(user, name, D(2026, 11, 15))
    commit(habit, D(2026, 11, 19), "done")
    commit(habit, D(2026, 11, 20), "done")
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False)
    return user, habit


def test_a_risk_alert_goes_by_the_users_channels(make_user, time_machine, sent, django_capture_on_commit_callbacks):
    user, _ = _going_quiet(make_user, time_machine, "quiet@example.com", "Read")
    user.profile.notification_preferences["risk"] = ["email"]
    user.profile.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert day_close.close_days()["at_risk"] == 1

    alert = Notification.objects.get(user=user, kind="risk")
    assert not alert.in_app
    assert {d.channel: d.status for d in alert.deliveries.all()} == {
        "in_app": "skipped_pref", "push": "skipped_pref", "email": "sent",
    }
    assert [m.subject for m in mail.outbox] == ["[HabitStory] “Read” is at risk"]
    assert not [m for _, m in sent if m["event"] == "notification"]


def test_a_habit_ticked_before_its_alert_goes_out_is_not_alerted(make_user, time_machine, monkeypatch, sent):
    from habitstory.story import risk

    _, habit = _going_quiet(make_user, time_machine, "quick@example.com", "Walk")
    queued = []
    monkeypatch.setattr(day_close, "queue_risk_alerts", queued.extend)

    day_close.close_days()
    for callback in connection.run_on_commit:  # the test's transaction never commits: run them
        callback[1]()
    assert queued == [(habit.pk, "2026-11-23")]
    commit(habit, D(2026, 11, 23), "done")  # the user checks in before the worker gets to it

    assert risk.send_risk_alerts(queued) == {"checked": 0, "sent": 0, "snoozed": 0, "failed": []}
    assert not Notification.objects.filter(kind="risk").exists()


def test_risk_alerts_are_sent_once_and_in_place_when_the_broker_is_down(make_user, time_machine, monkeypatch, sent):
    from habitstory.notifications import tasks as notification_tasks
    from habitstory.story import risk

    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, "down@example.com", closed_through=D(2026, 11, 20))
    habit = _habit(user, "Stretch", D(2026, 11, 15))
    Habit.objects.filter(pk=habit.pk).update(at_risk=True)

    def refuse(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(notification_tasks.send_risk_alerts, "delay", refuse)
    risk.queue_risk_alerts([(habit.pk, "2026-11-23")])
    risk.queue_risk_alerts([(habit.pk, "2026-11-23")])  # a retried batch

    assert Notification.objects.filter(user=user, kind="risk").count() == 1


def test_it_moves_the_pets_mood(make_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, "pet@example.com", closed_through=D(2026, 11, 15))
    habit = _habit(user, "Walk", D(2026, 11, 1))
    for day in (D(2026, 11, 17), D(2026, 11, 18), D(2026, 11, 21)):
        commit(habit, day, "done")
    pet = pet_of(user)
    # A pet past its first days (a younger one keeps the calm "new" mood).
    Pet.objects.filter(pk=pet.pk).update(mood="thriving", created_at=dt.datetime(2026, 11, 1, tzinfo=UTC))

    day_close.close_days()

    pet.refresh_from_db()
    assert pet.mood == "okay"  # 3 of the last 6 ended days done
    assert pet.events.filter(kind="mood").exists()


def test_a_failing_user_does_not_stop_the_others(make_user, time_machine, monkeypatch, caplog):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False)
    good = _user(make_user, "good@example.com", closed_through=D(2026, 11, 20))
    bad = _user(make_user, "bad@example.com", closed_through=D(2026, 11, 20))
    for user in (good, bad):
        _habit(user, "Daily", D(2026, 11, 1))
    plan_user = closing._plan_user

    def failing(plan, *args):
        if plan.user_id == bad.pk:
            raise ValueError("corrupt schedule")
        return plan_user(plan, *args)

    monkeypatch.setattr(closing, "_plan_user", failing)
    with caplog.at_level(logging.ERROR, logger="habits.closing"):
        summary = day_close.close_days()

    assert summary["users"] == 1 and summary["failed"] == [bad.pk]
    assert f"user {bad.pk}" in caplog.text
    assert len(_missed(good)) == 2 and not _missed(bad)
    bad.profile.refresh_from_db()
    assert bad.profile.closed_through == D(2026, 11, 20)

    monkeypatch.setattr(closing, "_plan_user", plan_user)
    assert day_close.close_days()["users"] == 1
    assert _missed(bad) == _missed(good)


def test_a_failing_write_rolls_back_only_that_users_claim(make_user, time_machine, monkeypatch, caplog):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False)
    users = [_user(make_user, f"w{n}@example.com", closed_through=D(2026, 11, 21)) for n in range(3)]
    for user in users:
        _habit(user, "Daily", D(2026, 11, 1))
    bad = users[1]
    write = closing._write

    def failing(plans, on_done):
        result = write(plans, on_done)  # the claim and writes happen, then the transaction fails
        if any(plan.user_id == bad.pk for plan in plans):
            raise RuntimeError("database said no")
        return result

    monkeypatch.setattr(closing, "_write", lambda plans, on_done=None: _atomic(failing, plans, on_done))
    with caplog.at_level(logging.ERROR, logger="habits.closing"):
        summary = day_close.close_days()

    assert summary["users"] == 2 and summary["failed"] == [bad.pk]
    assert f"user {bad.pk}" in caplog.text
    assert not _missed(bad) and all(_missed(u) == {("Daily", D(2026, 11, 22))} for u in users if u != bad)
    bad.profile.refresh_from_db()
    assert bad.profile.closed_through == D(2026, 11, 21)


def _atomic(function, plans, on_done):
    from django.db import transaction

    with transaction.atomic():
        return function(plans, on_done)


# --- cost ------------------------------------------------------------------------------------

def test_queries_per_batch_do_not_grow_with_users_or_occurrences(make_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False)

    def users(prefix, count):
        made = []
        for n in range(count):
            user = _user(make_user, f"{prefix}{n}@example.com", closed_through=D(2026, 11, 19))
            for name in ("Read", "Walk"):
                habit = _habit(user, name, D(2026, 11, 1))
                Occurrence.objects.create(habit=habit, on=D(2026, 11, 21), status="prompted")
            commit(habit, D(2026, 11, 20), "done")
            pet_of(user)
            made.append(user)
        return made

    few, many = users("few", 5), users("many", 20)
    with CaptureQueriesContext(connection) as few_queries:
        assert day_close.close_days(users=few)["users"] == 5
    with CaptureQueriesContext(connection) as many_queries:
        summary = day_close.close_days(users=many)
    assert summary["users"] == 20 and summary["missed"] == 20 * 5
    assert len(many_queries) == len(few_queries)


# --- the command and the task ------------------------------------------------------------------

def test_the_command_closes_and_reports(make_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 19, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, "cmd@example.com", closed_through=D(2026, 11, 19))
    _habit(user, "Daily", D(2026, 11, 19))
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False)
    out = io.StringIO()

    call_command("close_days", "--user", "CMD@example.com", "--until", "2026-11-21", stdout=out)
    assert out.getvalue().strip() == (
        "Closed 2 days for 1 users: 2 occurrences marked missed, 0 marked done, 1 at-risk alerts."
    )
    out = io.StringIO()
    call_command("close_days", stdout=out)
    assert "Closed 1 days for 1 users: 1 occurrences marked missed, 0 marked done, 0 at-risk alerts." in out.getvalue()
    assert cache.get("job:last_success:habits.close_days") == "2026-11-23T12:00:00+00:00"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--user", "nobody@example.com"], "No user with e-mail nobody@example.com"),
        (["--until", "23/11/2026"], "--until must be a date such as 2026-11-23"),
    ],
)
def test_the_command_rejects_bad_input(args, error):
    with pytest.raises(CommandError, match=error):
        call_command("close_days", *args)


def test_the_task_closes_and_records_its_success(make_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, "task@example.com", closed_through=D(2026, 11, 21))
    _habit(user, "Daily", D(2026, 11, 1))

    assert tasks.close_days() == {"users": 1, "days": 1, "missed": 1, "done": 0, "at_risk": 0, "failed": []}
    assert cache.get("job:last_success:habits.close_days") == "2026-11-23T12:00:00+00:00"
    assert tasks.close_days.max_retries == 3 and tasks.close_days.name == "habits.close_days"


# --- the fold: what the close reads -------------------------------------------------------------

def _fresh_stats(habit) -> tuple:
    """The habit's statistics recomputed from its whole history (the reference)."""
    from habits.recompute import recompute_stats

    recompute_stats(Habit.objects.filter(pk=habit.pk))
    habit.refresh_from_db()
    return tuple(getattr(habit, f) for f in STAT_FIELDS)


def test_the_close_carries_each_habits_fold_forward_a_day(make_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, "fold@example.com", closed_through=D(2026, 11, 19))
    daily = _habit(user, "Daily", D(2026, 11, 1))
    weekly = _habit(user, "Weekly", D(2026, 11, 1), schedule="per_week", times_per_week=3)
    for day in (15, 17, 18, 20):
        commit(daily, D(2026, 11, day), "done")
        commit(weekly, D(2026, 11, day), "done")
    daily.refresh_from_db()
    assert daily.stats_through == D(2026, 11, 19)  # a tick stores the fold through yesterday

    for day in (21, 22, 23):
        time_machine.move_to(dt.datetime(2026, 11, day, 12, tzinfo=UTC), tick=False)
        day_close.close_days()
        for habit in (daily, weekly):
            habit.refresh_from_db()
            assert habit.stats_through == D(2026, 11, day - 1)
            state = tuple(getattr(habit, f) for f in STAT_FIELDS)
            assert state == _fresh_stats(habit)


def test_the_close_reads_only_the_days_after_the_fold(make_user, time_machine):
    """A row changed behind the services' back (no recompute) is not seen by the close,
    which starts from the fold: proof that it does not read the whole history. A full
    recompute (the admin action, `manage.py recompute_stats`) sees it."""
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, "behind@example.com", closed_through=D(2026, 11, 19))
    habit = _habit(user, "Daily", D(2026, 11, 1))
    for day in range(1, 20):
        commit(habit, D(2026, 11, day), "done")
    Occurrence.objects.filter(habit=habit, on=D(2026, 11, 5)).update(status="skipped")

    time_machine.move_to(dt.datetime(2026, 11, 21, 12, tzinfo=UTC), tick=False)
    day_close.close_days()
    habit.refresh_from_db()
    assert habit.total_done == 19 and habit.total_skipped == 0
    assert _fresh_stats(habit)[STAT_FIELDS.index("total_skipped")] == 1


def test_a_fold_that_no_longer_applies_is_computed_from_the_whole_history(make_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, "moved@example.com", closed_through=D(2026, 11, 19))
    habit = _habit(user, "Daily", D(2026, 11, 1))
    for day in range(1, 20):
        commit(habit, D(2026, 11, day), "done")
    # The schedule changes without a recompute (as a raw UPDATE would): the fold's key no
    # longer matches the habit.
    Habit.objects.filter(pk=habit.pk).update(schedule="weekdays", weekdays=[0, 2, 4])

    time_machine.move_to(dt.datetime(2026, 11, 21, 12, tzinfo=UTC), tick=False)
    day_close.close_days()
    habit.refresh_from_db()
    assert tuple(getattr(habit, f) for f in STAT_FIELDS) == _fresh_stats(habit)
    # Mon/Wed/Fri from 2 November: all 8 through the 18th done, Friday the 20th missed.
    assert (habit.longest_streak, habit.current_streak) == (8, 0)
    assert Occurrence.objects.get(habit=habit, on=D(2026, 11, 20)).status == "missed"


def test_a_tick_between_the_close_reading_and_writing_keeps_its_statistics(make_user, time_machine):
    """The close reads a batch, then writes it: a tick in between (its own statistics,
    from the history it changed) is not overwritten by what the close read before it."""

    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, "race@example.com", closed_through=D(2026, 11, 19))
    habit = _habit(user, "Daily", D(2026, 11, 1))
    commit(habit, D(2026, 11, 19), "done")
    time_machine.move_to(dt.datetime(2026, 11, 21, 12, tzinfo=UTC), tick=False)

    read = recompute.compute_for_close([user.pk], D(2026, 11, 20))
    commit(habit, D(2026, 11, 21), "done")  # the tick, meanwhile
    ticked = Habit.objects.get(pk=habit.pk)
    assert recompute.write_computed(read) == set()
    habit.refresh_from_db()
    assert habit.total_done == 2 == ticked.total_done
    assert habit.stats_state == ticked.stats_state

    # Read after the tick, the same statistics: nothing to write.
    assert recompute.write_computed(recompute.compute_for_close([user.pk], D(2026, 11, 20))) == set()


def test_a_user_whose_history_cannot_be_read_does_not_stop_the_others(make_user, time_machine, caplog):
    time_machine.move_to(dt.datetime(2026, 11, 23, 12, tzinfo=UTC), tick=False)
    good = _user(make_user, "readable@example.com", closed_through=D(2026, 11, 21))
    bad = _user(make_user, "unreadable@example.com", closed_through=D(2026, 11, 21))
    for user in (good, bad):
        _habit(user, "Daily", D(2026, 11, 1))
    # A row no rule knows (written around the services): the statistics refuse it.
    Occurrence.objects.create(habit=Habit.objects.get(user=bad), on=D(2026, 11, 23), status="bogus")

    with caplog.at_level(logging.ERROR, logger="habits.closing"):
        summary = day_close.close_days()

    assert summary["users"] == 1 and summary["failed"] == [bad.pk]
    assert f"user {bad.pk}" in caplog.text
    assert _missed(good) == {("Daily", D(2026, 11, 22))} and not _missed(bad)
    bad.profile.refresh_from_db()
    assert bad.profile.closed_through == D(2026, 11, 21)


def test_a_habit_paused_behind_the_services_back_is_computed_from_its_whole_history(make_user, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 20, 12, tzinfo=UTC), tick=False)
    user = _user(make_user, "paused@example.com", closed_through=D(2026, 11, 19))
    habit = _habit(user, "Daily", D(2026, 11, 1))
    for day in range(1, 20):
        commit(habit, D(2026, 11, day), "done")
    # Pauses are not folded; the stored fold (from before the pause) must not be carried on.
    Habit.objects.filter(pk=habit.pk).update(pauses=[["2026-11-10", "2026-11-12"]])

    time_machine.move_to(dt.datetime(2026, 11, 21, 12, tzinfo=UTC), tick=False)
    day_close.close_days()
    habit.refresh_from_db()
    assert tuple(getattr(habit, f) for f in STAT_FIELDS) == _fresh_stats(habit)
    assert habit.total_done == 16 and habit.stats_state is None
