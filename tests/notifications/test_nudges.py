from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from habits.models import Habit
from habits.reminders import last_expected_days
from habits.services import log_occurrence, save_habit, suggestions_for
from habitstory.notifications.models import Notification
from habitstory.story import nudges as nudges_module
from habitstory.story.nudges import send_nudges

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
TODAY = dt.date(2026, 3, 10)  # a Tuesday


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


@pytest.fixture
def clock(time_machine):
    def move(when: dt.datetime) -> None:
        time_machine.move_to(when, tick=False)

    move(local(TODAY, 8))
    return move


@pytest.fixture
def run(clock):
    def run(when: dt.datetime) -> dict:
        clock(when)
        return send_nudges()

    return run


@pytest.fixture
def user(owner):
    owner.profile.timezone = "Europe/London"
    owner.profile.save()
    return owner


def make_habit(user, name="Stretch", start=dt.date(2026, 3, 1), **fields) -> Habit:
    return save_habit(Habit(user=user, name=name, start_date=start, **fields))


def nudges(user=None) -> list[Notification]:
    rows = Notification.objects.filter(kind="nudges").order_by("id")
    return list(rows.filter(user=user) if user else rows)


def test_two_missed_days_give_one_gentle_nudge_with_a_suggestion(run, clock, user):
    habit = make_habit(user)
    clock(local(TODAY, 12))
    [(_, suggestion), *_] = suggestions_for(habit, TODAY)

    assert run(local(TODAY, 12))["sent"] == 1
    [nudge] = nudges(user)
    assert nudge.key == f"nudge:{habit.pk}:2026-03-10"
    assert nudge.title == "Ready to pick up Stretch again?"
    assert "quiet for a couple of days" in nudge.body
    assert suggestion in nudge.body
    assert nudge.url == "/"


def test_at_most_one_nudge_a_day(run, user):
    make_habit(user)
    assert run(local(TODAY, 12))["sent"] == 1
    assert run(local(TODAY, 13))["sent"] == 0
    assert run(local(TODAY, 21))["sent"] == 0
    assert run(local(TODAY + dt.timedelta(days=1), 12))["sent"] == 1
    assert len(nudges(user)) == 2


def test_no_nudge_on_a_day_the_risk_alert_already_said_it(run, clock, user):
    from habitstory.story.risk import send_risk_alerts

    quiet = make_habit(user)
    make_habit(user, "Read")
    Habit.objects.filter(pk=quiet.pk).update(at_risk=True)
    clock(local(TODAY, 0, 5))  # the day close ran just after midnight and queued the alert
    assert send_risk_alerts([(quiet.pk, "2026-03-10")])["sent"] == 1

    assert run(local(TODAY, 12))["sent"] == 1
    assert [n.title for n in nudges(user)] == ["Ready to pick up Read again?"]
    assert run(local(TODAY + dt.timedelta(days=1), 12))["sent"] == 2  # a new day: both, gently


def test_no_nudge_outside_the_prompt_window(run, user):
    make_habit(user)
    assert run(local(TODAY, 6, 59))["sent"] == 0  # window 7:00–22:00 local
    assert run(local(TODAY, 22, 0))["sent"] == 0
    assert nudges() == []
    assert run(local(TODAY, 7, 0))["sent"] == 1


def test_no_nudge_for_a_habit_done_yesterday(run, clock, user):
    habit = make_habit(user)
    clock(local(TODAY, 8))
    log_occurrence(habit, TODAY - dt.timedelta(days=1), "done")
    assert run(local(TODAY, 12))["sent"] == 0
    assert nudges() == []


def test_one_miss_is_not_enough(run, clock, user):
    habit = make_habit(user)
    clock(local(TODAY, 8))
    log_occurrence(habit, TODAY - dt.timedelta(days=2), "done")
    assert run(local(TODAY, 12))["sent"] == 0


@pytest.mark.parametrize(("day", "status"), [(TODAY - dt.timedelta(days=1), "skipped"), (TODAY, "done"), (TODAY, "started")])
def test_a_skip_or_todays_log_holds_the_nudge_back(run, clock, user, day, status):
    habit = make_habit(user)
    clock(local(TODAY, 8))
    log_occurrence(habit, day, status)
    assert run(local(TODAY, 12))["sent"] == 0


def test_it_counts_expected_days_only(run, clock, user):
    # Mondays, Wednesdays and Fridays: before Tuesday 10 March, the expected days are
    # Monday 9 and Friday 6; Saturday and Sunday do not count.
    habit = make_habit(user, schedule=Habit.Schedule.WEEKDAYS, weekdays=[0, 2, 4])
    assert last_expected_days(habit, 0, TODAY) == [dt.date(2026, 3, 9), dt.date(2026, 3, 6)]
    clock(local(TODAY, 8))
    log_occurrence(habit, dt.date(2026, 3, 7), "done")  # a Saturday: off schedule
    assert run(local(TODAY, 12))["sent"] == 1


def test_a_young_habit_per_week_habit_and_paused_habit_are_not_nudged(run, user):
    make_habit(user, "New", start=TODAY - dt.timedelta(days=1))  # one expected day so far
    make_habit(user, "Weekly", schedule=Habit.Schedule.PER_WEEK, times_per_week=3)
    make_habit(user, "Paused", status=Habit.Status.PAUSED)
    assert run(local(TODAY, 12)) == {"checked": 1, "sent": 0, "snoozed": 0, "failed": []}  # only "New"


def test_a_failing_habit_does_not_stop_the_others(run, user, stranger, monkeypatch):
    stranger.profile.timezone = "Europe/London"
    stranger.profile.save()
    broken = make_habit(user)
    make_habit(stranger)
    real = nudges_module.habit_services.suggestions_for

    def suggestions(habit, today=None):
        if habit.pk == broken.pk:
            raise RuntimeError("bad history")
        return real(habit, today)

    monkeypatch.setattr(nudges_module.habit_services, "suggestions_for", suggestions)
    summary = run(local(TODAY, 12))
    assert (summary["sent"], summary["failed"]) == (1, [user.pk])
    assert len(nudges(stranger)) == 1
