"""An "at most" habit's history reads as its statistics count it: an ended expected day
left open (no entry is 0) within the limit is done on the calendar and in the consistency
trend, as the day close writes it (docs/rules.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from habits import charts, heatmap, stats
from habits.models import Habit

TODAY = dt.date(2026, 3, 3)  # a Tuesday
DAY = dt.timedelta(days=1)
LIMIT = stats.Measure("at_most", Decimal(2))


def habit(**fields) -> Habit:
    fields.setdefault("pk", 7)
    fields.setdefault("name", "Coffee")
    fields.setdefault("start_date", TODAY - 40 * DAY)
    return Habit(kind="at_most", target_value=Decimal(2), unit="cups", **fields)


@pytest.mark.parametrize(
    ("day", "entry", "schedule", "state"),
    [
        (TODAY - DAY, None, stats.Schedule("daily", TODAY - 9 * DAY), "done"),  # no entry is 0
        (TODAY - DAY, ("scheduled", Decimal(2)), stats.Schedule("daily", TODAY - 9 * DAY), "done"),
        (TODAY - DAY, ("missed", Decimal(3)), stats.Schedule("daily", TODAY - 9 * DAY), "missed"),
        (TODAY - DAY, ("prompted", Decimal(3)), stats.Schedule("daily", TODAY - 9 * DAY), "missed"),
        (TODAY, None, stats.Schedule("daily", TODAY - 9 * DAY), "open"),  # today is on track, open
        (TODAY - DAY, None, stats.Schedule("weekdays", TODAY - 9 * DAY, weekdays=(1,)), "not_expected"),
        (TODAY - DAY, None, stats.Schedule("per_week", TODAY - 9 * DAY, times_per_week=2), "done"),
        (TODAY - DAY, None, stats.Schedule("daily", TODAY - 9 * DAY, pauses=((TODAY - DAY, None),)), "paused"),
    ],
    ids=["no-entry", "open-within", "over", "open-over", "today", "off-day", "per-week", "paused"],
)
def test_the_calendars_day_state(day, entry, schedule, state):
    entry = entry and stats.Entry(day, *entry)
    assert heatmap.day_state(day, entry, schedule, LIMIT, TODAY) == state


def test_an_at_least_habits_open_past_day_is_still_missed():
    schedule = stats.Schedule("daily", TODAY - 9 * DAY)
    assert heatmap.day_state(TODAY - DAY, None, schedule, stats.Measure("at_least", Decimal(2)), TODAY) == "missed"
    assert heatmap.day_state(TODAY - DAY, None, schedule, None, TODAY) == "missed"


def test_the_consistency_trend_counts_the_days_within_the_limit():
    h = habit()
    entries = [stats.Entry(TODAY - n * DAY, "missed", Decimal(5)) for n in (3, 10, 20)]
    trend = charts.build_charts(h, entries, TODAY, 0)["consistency"].points
    schedule = h.schedule_spec(0)
    for day, value in trend[-35:]:
        assert value == stats.consistency_on(schedule, entries, day, h.measure)
    whole = stats.compute_stats(schedule, entries, TODAY, h.measure)
    assert trend[-1] == (TODAY, whole.consistency) and whole.consistency == 90  # 26 of 29 (today open)
