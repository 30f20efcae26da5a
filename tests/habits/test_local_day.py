"""Which day a tick belongs to: the user's local date, shifted by their day-start hour,
across midnight, daylight-saving changes and a leap day."""

from __future__ import annotations

import datetime as dt

import pytest

from habits import services
from habits.models import Habit, Occurrence

pytestmark = pytest.mark.django_db

UTC = dt.UTC

CASES = [
    # zone, instant (UTC), day-start hour, the user's day
    ("Pacific/Auckland", dt.datetime(2026, 11, 23, 10, 59, tzinfo=UTC), 0, dt.date(2026, 11, 23)),  # 23:59 NZDT
    ("Pacific/Auckland", dt.datetime(2026, 11, 23, 11, 0, tzinfo=UTC), 0, dt.date(2026, 11, 24)),  # 00:00 NZDT
    ("Pacific/Auckland", dt.datetime(2026, 11, 23, 12, 30, tzinfo=UTC), 2, dt.date(2026, 11, 23)),  # 01:30, day starts at 2
    ("Pacific/Auckland", dt.datetime(2026, 11, 23, 13, 0, tzinfo=UTC), 2, dt.date(2026, 11, 24)),  # 02:00
    # Auckland springs forward on 27 September 2026: 02:00 NZST becomes 03:00 NZDT.
    ("Pacific/Auckland", dt.datetime(2026, 9, 26, 13, 59, tzinfo=UTC), 2, dt.date(2026, 9, 26)),  # 01:59 NZST
    ("Pacific/Auckland", dt.datetime(2026, 9, 26, 14, 0, tzinfo=UTC), 2, dt.date(2026, 9, 27)),  # 03:00 NZDT
    ("America/Los_Angeles", dt.datetime(2026, 11, 24, 7, 59, tzinfo=UTC), 0, dt.date(2026, 11, 23)),  # 23:59 PST
    ("America/Los_Angeles", dt.datetime(2026, 11, 24, 8, 0, tzinfo=UTC), 0, dt.date(2026, 11, 24)),  # 00:00 PST
    # Los Angeles falls back on 1 November 2026: 01:30 happens twice; with a 2 a.m. day
    # start both belong to 31 October, and 02:00 PST starts the 1st.
    ("America/Los_Angeles", dt.datetime(2026, 11, 1, 8, 30, tzinfo=UTC), 2, dt.date(2026, 10, 31)),  # 01:30 PDT
    ("America/Los_Angeles", dt.datetime(2026, 11, 1, 9, 30, tzinfo=UTC), 2, dt.date(2026, 10, 31)),  # 01:30 PST
    ("America/Los_Angeles", dt.datetime(2026, 11, 1, 10, 0, tzinfo=UTC), 2, dt.date(2026, 11, 1)),  # 02:00 PST
    ("Europe/London", dt.datetime(2028, 2, 29, 23, 59, tzinfo=UTC), 0, dt.date(2028, 2, 29)),  # leap day
    ("Europe/London", dt.datetime(2028, 3, 1, 0, 30, tzinfo=UTC), 1, dt.date(2028, 2, 29)),
]


@pytest.mark.parametrize(("zone", "instant", "day_start", "expected"), CASES)
def test_the_users_day(owner, zone, instant, day_start, expected):
    owner.profile.timezone = zone
    owner.profile.day_start_hour = day_start
    assert owner.profile.local_today(instant) == expected


@pytest.mark.parametrize(("zone", "instant", "day_start", "expected"), CASES)
def test_a_tick_lands_on_the_users_day_and_counts_for_the_streak(owner, time_machine, zone, instant, day_start, expected):
    time_machine.move_to(instant, tick=False)
    owner.profile.timezone = zone
    owner.profile.day_start_hour = day_start
    owner.profile.save()
    habit = services.save_habit(Habit(user=owner, name="Stretch", start_date=expected - dt.timedelta(days=3)))
    for back in (2, 1):
        services.log_occurrence(habit, expected - dt.timedelta(days=back), "done")
    services.log_occurrence(habit, expected, "done")
    with pytest.raises(Exception, match="has not happened yet"):
        services.log_occurrence(habit, expected + dt.timedelta(days=1), "done")
    habit.refresh_from_db()
    assert habit.current_streak == 3
    assert habit.last_done_on == expected
    assert Occurrence.objects.filter(habit=habit).count() == 3
