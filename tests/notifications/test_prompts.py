from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from habits.models import Habit, Occurrence
from habits.reminders import snooze_prompt
from habits.services import log_occurrence, save_habit, set_status
from habitstory.notifications.models import Notification
from habitstory.story import prompts as prompts_module
from habitstory.story.prompts import send_prompts

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def at(zone: str, *args) -> dt.datetime:
    """A local wall time in `zone`, as an aware datetime."""
    return dt.datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


@pytest.fixture
def clock(time_machine):
    def move(when: dt.datetime) -> None:
        time_machine.move_to(when, tick=False)

    move(at("Europe/London", 2026, 3, 10, 6, 0))
    return move


@pytest.fixture
def run(clock):
    def run(when: dt.datetime) -> dict:
        clock(when)
        return send_prompts()

    return run


@pytest.fixture
def make_profile_user(make_user):
    def make(email: str = "owner@example.com", zone: str = "Europe/London", **profile):
        user = make_user(email)
        user.profile.timezone = zone
        for field, value in profile.items():
            setattr(user.profile, field, value)
        user.profile.save()
        return user

    return make


def make_habit(user, name: str = "Stretch", reminder=dt.time(9, 0), **fields) -> Habit:
    return save_habit(
        Habit(user=user, name=name, start_date=dt.date(2026, 1, 1), reminder_time=reminder, **fields)
    )


def prompts(user=None) -> list[Notification]:
    rows = Notification.objects.filter(kind="prompts").order_by("id")
    return list(rows.filter(user=user) if user else rows)


def occurrence(habit: Habit, on=dt.date(2026, 3, 10)) -> Occurrence | None:
    return Occurrence.objects.filter(habit=habit, on=on).first()


@pytest.mark.parametrize(
    ("zone", "due_utc"),
    [
        # 9:00 NZDT (UTC+13) on 10 March is 20:00 UTC on the 9th.
        ("Pacific/Auckland", dt.datetime(2026, 3, 9, 20, 0, tzinfo=UTC)),
        ("Europe/London", dt.datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),  # GMT
        ("America/Los_Angeles", dt.datetime(2026, 3, 10, 16, 0, tzinfo=UTC)),  # PDT since 8 March
    ],
)
def test_it_prompts_at_the_local_reminder_minute_once(run, make_profile_user, zone, due_utc):
    user = make_profile_user(zone=zone)
    habit = make_habit(user)

    assert run(due_utc - dt.timedelta(minutes=1))["sent"] == 0
    assert prompts() == []

    assert run(due_utc)["sent"] == 1
    assert run(due_utc + dt.timedelta(minutes=15))["sent"] == 0

    [notification] = prompts(user)
    row = occurrence(habit)
    assert row.status == Occurrence.Status.PROMPTED
    assert row.prompted_at == due_utc
    assert notification.title == "Time for Stretch"
    assert notification.url == "/"
    assert notification.key == f"prompt:{row.pk}:2026-03-10"


def test_it_follows_los_angeles_across_the_dst_fall_back(run, make_profile_user):
    user = make_profile_user(zone="America/Los_Angeles")
    habit = make_habit(user)

    # Saturday 31 October: PDT, UTC-7 → 9:00 is 16:00 UTC.
    assert run(dt.datetime(2026, 10, 31, 15, 45, tzinfo=UTC))["sent"] == 0
    assert run(dt.datetime(2026, 10, 31, 16, 0, tzinfo=UTC))["sent"] == 1
    # Sunday 1 November, after 2:00 PDT became 1:00 PST: UTC-8 → 9:00 is 17:00 UTC.
    assert run(dt.datetime(2026, 11, 1, 16, 0, tzinfo=UTC))["sent"] == 0  # 8:00 PST
    assert run(dt.datetime(2026, 11, 1, 16, 45, tzinfo=UTC))["sent"] == 0
    assert run(dt.datetime(2026, 11, 1, 17, 0, tzinfo=UTC))["sent"] == 1
    assert run(dt.datetime(2026, 11, 1, 17, 15, tzinfo=UTC))["sent"] == 0

    assert [o.prompted_at for o in Occurrence.objects.filter(habit=habit).order_by("on")] == [
        dt.datetime(2026, 10, 31, 16, 0, tzinfo=UTC),
        dt.datetime(2026, 11, 1, 17, 0, tzinfo=UTC),
    ]
    assert len(prompts(user)) == 2


def test_a_run_before_the_reminder_sends_nothing_and_creates_nothing(run, make_profile_user):
    habit = make_habit(make_profile_user())
    assert run(at("Europe/London", 2026, 3, 10, 8, 45)) == {"checked": 1, "sent": 0, "snoozed": 0, "failed": []}
    assert occurrence(habit) is None
    assert prompts() == []


def test_a_run_90_minutes_late_still_sends_it(run, make_profile_user):
    habit = make_habit(make_profile_user())
    assert run(at("Europe/London", 2026, 3, 10, 10, 30))["sent"] == 1
    assert occurrence(habit).status == Occurrence.Status.PROMPTED


def test_a_run_3_hours_late_skips_the_reminder(run, make_profile_user):
    habit = make_habit(make_profile_user())
    assert run(at("Europe/London", 2026, 3, 10, 12, 0))["sent"] == 0
    assert occurrence(habit) is None
    assert prompts() == []


def test_a_repeated_run_sends_nothing_twice(run, make_profile_user):
    user = make_profile_user()
    make_habit(user, "Stretch")
    make_habit(user, "Read")
    when = at("Europe/London", 2026, 3, 10, 9, 0)
    assert run(when)["sent"] == 2
    assert run(when)["sent"] == 0
    assert run(when + dt.timedelta(minutes=15))["sent"] == 0
    assert sorted(n.title for n in prompts(user)) == ["Time for Read", "Time for Stretch"]


def test_two_runs_at_once_claim_the_occurrence_once(clock, make_profile_user):
    user = make_profile_user()
    habit = make_habit(user)
    when = at("Europe/London", 2026, 3, 10, 9, 0)
    clock(when)
    row = Occurrence.objects.create(habit=habit, on=dt.date(2026, 3, 10))
    # Both runs read the row as scheduled; only the one whose UPDATE changes it notifies.
    first = prompts_module._claim_and_prompt(habit, row.pk, row.on, None, f"prompt:{row.pk}:2026-03-10", when)
    second = prompts_module._claim_and_prompt(habit, row.pk, row.on, None, f"prompt:{row.pk}:2026-03-10", when)
    assert (first, second) == (True, False)
    assert len(prompts(user)) == 1


@pytest.mark.parametrize("status", ["done", "skipped", "started"])
def test_a_logged_day_is_not_prompted(run, clock, make_profile_user, status):
    habit = make_habit(make_profile_user())
    clock(at("Europe/London", 2026, 3, 10, 8, 0))
    log_occurrence(habit, dt.date(2026, 3, 10), status)
    assert run(at("Europe/London", 2026, 3, 10, 9, 0))["sent"] == 0
    assert occurrence(habit).status == status
    assert prompts() == []


def test_paused_archived_deleted_and_reminderless_habits_are_not_prompted(run, clock, make_profile_user):
    user = make_profile_user()
    set_status(make_habit(user, "Paused"), Habit.Status.PAUSED)
    set_status(make_habit(user, "Archived"), Habit.Status.ARCHIVED)
    deleted = make_habit(user, "Deleted")
    Habit.objects.filter(pk=deleted.pk).update(deleted_at=dt.datetime(2026, 3, 9, tzinfo=UTC))
    make_habit(user, "No reminder", reminder=None)
    assert run(at("Europe/London", 2026, 3, 10, 9, 0)) == {"checked": 0, "sent": 0, "snoozed": 0, "failed": []}
    assert Occurrence.objects.count() == 0


def test_a_day_off_the_schedule_is_not_prompted(run, make_profile_user):
    # 10 March 2026 is a Tuesday; the habit is for Mondays and Wednesdays.
    habit = make_habit(make_profile_user(), schedule=Habit.Schedule.WEEKDAYS, weekdays=[0, 2])
    assert run(at("Europe/London", 2026, 3, 10, 9, 0))["sent"] == 0
    assert run(at("Europe/London", 2026, 3, 11, 9, 0))["sent"] == 1
    assert occurrence(habit, dt.date(2026, 3, 11)).status == Occurrence.Status.PROMPTED


def test_a_per_week_habit_is_prompted_until_the_week_is_full(run, clock, make_profile_user):
    user = make_profile_user()
    habit = make_habit(user, schedule=Habit.Schedule.PER_WEEK, times_per_week=2)
    clock(at("Europe/London", 2026, 3, 10, 8, 0))
    log_occurrence(habit, dt.date(2026, 3, 9), "done")  # Monday, this week
    assert run(at("Europe/London", 2026, 3, 10, 9, 0))["sent"] == 1  # 1 of 2 done
    log_occurrence(habit, dt.date(2026, 3, 10), "done")
    assert run(at("Europe/London", 2026, 3, 11, 9, 0))["sent"] == 0  # 2 of 2: week full
    assert run(at("Europe/London", 2026, 3, 16, 9, 0))["sent"] == 1  # a new week
    assert len(prompts(user)) == 2


def test_nothing_is_sent_or_claimed_outside_the_prompt_window(run, make_profile_user):
    user = make_profile_user(prompt_window_start=dt.time(10, 0), prompt_window_end=dt.time(22, 0))
    early = make_habit(user, "Early", reminder=dt.time(9, 0))
    late = make_habit(user, "Late", reminder=dt.time(22, 30))

    assert run(at("Europe/London", 2026, 3, 10, 9, 0))["sent"] == 0
    assert run(at("Europe/London", 2026, 3, 10, 9, 45))["sent"] == 0
    assert occurrence(early) is None
    # The window opens within the catch-up: the 9:00 reminder goes out at 10:00.
    assert run(at("Europe/London", 2026, 3, 10, 10, 0))["sent"] == 1
    # The window closes before 22:30: that reminder is skipped for the day.
    assert run(at("Europe/London", 2026, 3, 10, 22, 30))["sent"] == 0
    assert run(at("Europe/London", 2026, 3, 10, 23, 45))["sent"] == 0
    assert occurrence(late) is None
    assert [n.title for n in prompts(user)] == ["Time for Early"]


def test_snooze_re_prompts_once_30_minutes_later(run, clock, make_profile_user):
    user = make_profile_user()
    habit = make_habit(user)
    assert run(at("Europe/London", 2026, 3, 10, 9, 0))["sent"] == 1
    row = occurrence(habit)

    snoozed_at = at("Europe/London", 2026, 3, 10, 9, 5)
    clock(snoozed_at)
    assert snooze_prompt(row) is True
    row.refresh_from_db()
    assert (row.status, row.prompted_at) == (Occurrence.Status.SCHEDULED, snoozed_at)

    assert run(at("Europe/London", 2026, 3, 10, 9, 15))["sent"] == 0
    assert run(at("Europe/London", 2026, 3, 10, 9, 30))["sent"] == 0  # 25 minutes
    assert run(at("Europe/London", 2026, 3, 10, 9, 35)) == {"checked": 1, "sent": 1, "snoozed": 1, "failed": []}
    assert run(at("Europe/London", 2026, 3, 10, 9, 45))["sent"] == 0
    assert run(at("Europe/London", 2026, 3, 10, 10, 0))["sent"] == 0

    first, again = prompts(user)
    assert first.key == f"prompt:{row.pk}:2026-03-10"
    assert again.key == f"prompt:{row.pk}:2026-03-10:{int(snoozed_at.timestamp())}"
    row.refresh_from_db()
    assert row.status == Occurrence.Status.PROMPTED


def test_snoozing_twice_prompts_twice_more(run, clock, make_profile_user):
    user = make_profile_user()
    habit = make_habit(user)
    run(at("Europe/London", 2026, 3, 10, 9, 0))
    for minute in (0, 30):
        clock(at("Europe/London", 2026, 3, 10, 9, minute) + dt.timedelta(minutes=1))
        assert snooze_prompt(occurrence(habit))
        assert run(at("Europe/London", 2026, 3, 10, 9, minute) + dt.timedelta(minutes=31))["snoozed"] == 1
    assert len(prompts(user)) == 3


def test_only_a_prompted_occurrence_can_be_snoozed(clock, make_profile_user):
    habit = make_habit(make_profile_user())
    clock(at("Europe/London", 2026, 3, 10, 9, 5))
    row = log_occurrence(habit, dt.date(2026, 3, 10), "done")
    assert snooze_prompt(row) is False
    row.refresh_from_db()
    assert row.status == Occurrence.Status.DONE


def test_a_failing_user_is_skipped_and_retried_next_run(run, make_profile_user, monkeypatch):
    broken = make_profile_user("broken@example.com")
    fine = make_profile_user("fine@example.com")
    broken_habit = make_habit(broken)
    make_habit(fine)
    real_notify = prompts_module.notify

    def notify(user, *args, **kwargs):
        if user.pk == broken.pk:
            raise RuntimeError("push service exploded")
        return real_notify(user, *args, **kwargs)

    monkeypatch.setattr(prompts_module, "notify", notify)
    summary = run(at("Europe/London", 2026, 3, 10, 9, 0))
    assert summary["sent"] == 1
    assert summary["failed"] == [broken.pk]
    assert occurrence(broken_habit).status == Occurrence.Status.SCHEDULED  # claim rolled back
    assert len(prompts(fine)) == 1

    monkeypatch.setattr(prompts_module, "notify", real_notify)
    assert run(at("Europe/London", 2026, 3, 10, 9, 15))["sent"] == 1
    assert occurrence(broken_habit).status == Occurrence.Status.PROMPTED


def test_it_reads_a_batch_with_a_constant_number_of_queries(run, clock, make_profile_user, django_assert_max_num_queries):
    for n in range(12):
        make_habit(make_profile_user(f"user{n}@example.com", zone="Asia/Tokyo"))
    clock(at("Europe/London", 2026, 3, 10, 6, 0))  # 15:00 in Tokyo: due 6 hours ago, all skipped
    # Per batch: the page of habits with their profiles, and the day's occurrences.
    with django_assert_max_num_queries(3):
        assert send_prompts()["checked"] == 12
    with django_assert_max_num_queries(7):  # 3 pages + the empty one, 3 occurrence reads
        assert send_prompts(batch_size=5)["checked"] == 12


def test_a_reminder_before_the_day_start_belongs_to_the_end_of_the_day(run, make_profile_user):
    user = make_profile_user(day_start_hour=2, prompt_window_start=dt.time(0, 0), prompt_window_end=dt.time(0, 0))
    habit = make_habit(user, reminder=dt.time(1, 0))
    # 01:00 on 11 March still belongs to 10 March.
    assert run(at("Europe/London", 2026, 3, 10, 1, 0))["sent"] == 1  # the end of 9 March
    assert occurrence(habit, dt.date(2026, 3, 9)).status == Occurrence.Status.PROMPTED
    assert run(at("Europe/London", 2026, 3, 11, 1, 0))["sent"] == 1
    assert occurrence(habit, dt.date(2026, 3, 10)).status == Occurrence.Status.PROMPTED
