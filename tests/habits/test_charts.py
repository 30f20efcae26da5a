from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from habits import charts, heatmap, stats
from habits.models import Habit
from habitstory.core.formatting import long_date

TODAY = dt.date(2026, 3, 3)  # a Tuesday
DAY = dt.timedelta(days=1)


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def entry(on: str | dt.date, status: str = "done", value=None) -> stats.Entry:
    return stats.Entry(on=d(on) if isinstance(on, str) else on, status=status, value=value)


def habit(**fields) -> Habit:
    """An unsaved habit: build_charts is pure, it needs no database."""
    fields.setdefault("pk", 7)
    fields.setdefault("name", "Read")
    fields.setdefault("start_date", d("2025-01-01"))
    return Habit(**fields)


def cells(result: dict) -> dict[dt.date, heatmap.Cell]:
    return {cell.day: cell for week in result["heatmap"].weeks for cell in week}


def history(start: dt.date, days: int) -> list[stats.Entry]:
    """A varied, repeatable history: done most days, some skips and misses, gaps."""
    out = []
    for i in range(days):
        kind = (i * 7 + i // 5) % 10
        if kind == 9:
            continue  # nothing logged
        status = "skipped" if kind == 8 else "missed" if kind in (6, 7) else "done"
        out.append(entry(start + i * DAY, status))
    return out


# --- the heatmap ------------------------------------------------------------------------------


def test_it_draws_53_weeks_of_7_days_ending_in_this_week():
    result = charts.build_charts(habit(), [], TODAY, week_start=0)
    weeks = result["heatmap"].weeks
    assert len(weeks) == 53
    assert all(len(week) == 7 for week in weeks)
    days = [cell.day for week in weeks for cell in week]
    assert days == [days[0] + i * DAY for i in range(53 * 7)]
    assert days[-7] == d("2026-03-02")  # the Monday of today's week
    assert days[-1] == d("2026-03-08")
    assert result["heatmap"].header[0] == "Mon"


def test_its_weeks_start_on_the_users_week_start():
    result = charts.build_charts(habit(), [], TODAY, week_start=6)
    last_week = result["heatmap"].weeks[-1]
    assert last_week[0].day == d("2026-03-01")  # Sunday
    assert result["heatmap"].header == ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]


@pytest.mark.parametrize(
    "entries, state",
    [([], "open"), ([entry(TODAY)], "done"), ([entry(TODAY, "skipped")], "skipped")],
)
def test_it_shows_todays_state(entries, state):
    today = cells(charts.build_charts(habit(), entries, TODAY, 0))[TODAY]
    assert today.state == state
    assert today.href == reverse("habits:day", args=[7, "2026-03-03"])


def test_it_shows_each_days_state():
    h = habit(
        schedule=Habit.Schedule.WEEKDAYS,
        weekdays=[0, 2, 4],  # Mon, Wed, Fri
        start_date=d("2025-06-02"),
        pauses=[["2025-12-01", "2025-12-07"]],
    )
    entries = [
        entry("2026-02-23"),  # Mon
        entry("2026-02-25", "skipped"),  # Wed
        entry("2026-02-24"),  # a Tuesday, not scheduled, done anyway
    ]
    by_day = cells(charts.build_charts(h, entries, TODAY, 0))
    assert by_day[d("2026-02-23")].state == "done"
    assert by_day[d("2026-02-24")].state == "done"
    assert by_day[d("2026-02-25")].state == "skipped"
    assert by_day[d("2026-02-27")].state == "missed"  # a Friday left open
    assert by_day[d("2026-02-28")].state == "not_expected"  # Saturday
    assert by_day[d("2025-12-03")].state == "paused"
    assert by_day[d("2025-06-01")].state == "before_start"
    assert by_day[d("2026-03-04")].state == "future"
    assert by_day[d("2026-02-23")].title == "Mon 23 Feb 2026: done"


def test_it_shows_a_partial_amount():
    h = habit(kind=Habit.Kind.AT_LEAST, target_value=Decimal("8.00"), unit="glasses")
    by_day = cells(charts.build_charts(h, [entry("2026-03-02", "missed", Decimal("3.00"))], TODAY, 0))
    cell = by_day[d("2026-03-02")]
    assert cell.state == "partial"
    assert cell.title == "Mon 2 Mar 2026: 3 of 8 glasses"


def test_a_per_week_day_without_a_log_is_not_a_miss():
    h = habit(schedule=Habit.Schedule.PER_WEEK, times_per_week=3)
    by_day = cells(charts.build_charts(h, [entry("2026-02-24")], TODAY, 0))
    assert by_day[d("2026-02-24")].state == "done"
    assert by_day[d("2026-02-25")].state == "none"


def test_it_links_every_day_up_to_today_and_a_tap_moves_it_on():
    h = habit(start_date=d("2026-02-20"))
    entries = [entry("2026-03-01"), entry("2026-03-02", "skipped")]
    by_day = cells(charts.build_charts(h, entries, TODAY, 0))
    assert by_day[TODAY].href and by_day[d("2026-02-20")].href
    # Before the start: the day editor, which offers to move the start back; no tap.
    assert by_day[d("2026-02-19")].href == reverse("habits:day", args=[7, "2026-02-19"])
    assert by_day[d("2026-02-19")].action == ""
    assert not by_day[TODAY + DAY].href and by_day[TODAY + DAY].action == ""
    # done → skipped → clear → done
    assert by_day[d("2026-03-01")].action == "skip"
    assert by_day[d("2026-03-02")].action == "undo"
    assert by_day[TODAY].action == "done"  # open
    assert by_day[d("2026-02-25")].action == "done"  # missed


def test_it_labels_the_months():
    wide, narrow = charts.build_charts(habit(), [], TODAY, 0)["heatmap"].drawings
    labels = [m["label"] for m in wide.months]
    assert labels[-1] == "Mar"
    assert labels.count("Mar") == 2  # last year's March at the left, this one at the right
    assert len(labels) == 13
    assert [m["label"] for m in narrow.months] == ["Jan", "Feb", "Mar"]  # from 12 Jan


def test_phones_get_the_last_8_weeks_in_squares_of_28():
    result = charts.build_charts(habit(), [entry(TODAY)], TODAY, 0)["heatmap"]
    wide, narrow = result.drawings
    assert (wide.geometry.key, len(wide.cells)) == ("wide", 53 * 7)
    assert (narrow.geometry.key, narrow.cells) == ("narrow", result.cells[-8 * 7 :])
    assert narrow.geometry.cell == 28 and narrow.width == 284
    assert narrow.title == "Read: the last 8 weeks, day by day"
    assert narrow.desc == "In the last 8 weeks: done on 1 day, missed 50, skipped 0."
    assert [w["label"] for w in narrow.weekdays] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    svg = str(narrow.cells_svg)
    assert svg.count("<a ") == 7 * 7 + 2  # the days up to today (Tuesday)
    assert ('<a id="hmn7-2026-03-03" href="/habits/7/day/2026-03-03/" hx-post="/habits/7/log/2026-03-03/" '
            """hx-vals='{"action":"skip"}'><title>Tue 3 Mar 2026: done</title>""") in svg
    assert 'width="28" height="28"' in svg


# --- bars ---------------------------------------------------------------------------------------


def test_it_counts_done_per_week_and_month():
    h = habit(start_date=d("2026-01-05"))
    entries = [
        entry("2026-01-05"),
        entry("2026-01-06"),
        entry("2026-01-07", "skipped"),
        entry("2026-02-10"),
        entry("2026-02-28"),  # a Saturday
        entry("2026-03-01"),  # Sunday: same week (from Monday), next month
        entry("2026-03-03"),
    ]
    result = charts.build_charts(h, entries, TODAY, 0)
    weekly = result["weekly"].bars
    assert len(weekly) == 12
    assert weekly[-1].label == "week of Mon 2 Mar 2026"
    assert weekly[-1].value == 1
    assert weekly[-2].value == 2  # 23 Feb – 1 Mar
    assert weekly[-4].label == "week of Mon 9 Feb 2026" and weekly[-4].value == 1
    assert weekly[-9].label == "week of Mon 5 Jan 2026"
    assert (weekly[-9].value, weekly[-9].goal) == (2, 6)  # the skip leaves 6 days to do
    assert weekly[-10].goal == 0  # before the start
    assert sum(bar.value for bar in weekly) == 6
    assert "Done in 4 of the last 12 weeks, 6 times in all" in result["weekly"].desc

    monthly = result["monthly"].bars
    assert [bar.label for bar in monthly[-3:]] == ["January 2026", "February 2026", "March 2026"]
    assert [bar.value for bar in monthly] == [0] * 9 + [2, 2, 2]
    assert monthly[0].label == "April 2025"
    assert "Done 6 times in the last 12 months" in result["monthly"].desc

    sunday = charts.build_charts(h, entries, TODAY, 6)["weekly"].bars
    assert sunday[-1].label == "week of Sun 1 Mar 2026" and sunday[-1].value == 2


def test_a_per_week_goal_is_n_times():
    h = habit(schedule=Habit.Schedule.PER_WEEK, times_per_week=3, start_date=d("2026-01-01"))
    entries = [entry("2026-02-23"), entry("2026-02-25"), entry("2026-02-27")]
    bars = charts.build_charts(h, entries, TODAY, 0)["weekly"].bars
    assert (bars[-2].value, bars[-2].goal, bars[-2].met) == (3, 3, True)
    assert (bars[-3].value, bars[-3].goal, bars[-3].met) == (0, 3, False)


# --- lines ---------------------------------------------------------------------------------------


SCHEDULES = [
    {},
    {"schedule": Habit.Schedule.WEEKDAYS, "weekdays": [0, 3, 5]},
    {"schedule": Habit.Schedule.PER_WEEK, "times_per_week": 4},
    {"schedule": Habit.Schedule.EVERY_N_DAYS, "every_n_days": 3},
    {"pauses": [["2026-01-10", "2026-01-20"]]},
]


@pytest.mark.parametrize("fields", SCHEDULES)
def test_the_consistency_trend_is_consistency_on_each_day(fields):
    h = habit(start_date=TODAY - 729 * DAY, **fields)
    entries = history(h.start_date, 730)
    schedule = h.schedule_spec(0)
    result = charts.build_charts(h, entries, TODAY, 0)
    trend = result["consistency"].points
    assert len(trend) == 90 and trend[0][0] == TODAY - 89 * DAY and trend[-1][0] == TODAY
    for day, value in trend[::5] + trend[-3:]:
        assert value == stats.consistency_on(schedule, entries, day)
    rows = dict(result["consistency"].rows)
    assert rows[long_date(TODAY)] == str(stats.consistency_on(schedule, entries, TODAY))


def test_the_consistency_trend_has_gaps_before_the_start():
    h = habit(start_date=TODAY - 9 * DAY)
    result = charts.build_charts(h, [entry(TODAY - 2 * DAY)], TODAY, 0)
    chart = result["consistency"]
    known = [day for day, value in chart.points if value is not None]
    # the start day itself expected nothing yet (it was "today" and not done)
    assert known == [TODAY - i * DAY for i in range(8, -1, -1)]
    assert len(chart.segments) == 1 and len(chart.segments[0].split()) == 9
    assert dict(chart.rows)[long_date(TODAY - 84 * DAY)] == "—"


class CountedHistory(list):
    """A history that counts the entries read from it."""

    read = 0

    def __iter__(self):
        for item in super().__iter__():
            self.read += 1
            yield item


@pytest.mark.parametrize("days", [730, 1460])
def test_the_charts_read_the_history_a_few_times_whatever_its_length(monkeypatch, days):
    """The work budget of build_charts (its time is bench/today.py's): five passes over the
    history, and about 2,900 schedule checks (371 calendar days, 90 trend days each with its
    30-day window, 12 weeks' goals) however long the history is. A trend that read the
    history again for each of its days would read it 95 times."""
    checks = []
    is_expected = stats.Schedule.is_expected
    monkeypatch.setattr(stats.Schedule, "is_expected", lambda spec, day: checks.append(day) or is_expected(spec, day))
    h = habit(start_date=TODAY - (days - 1) * DAY)
    entries = CountedHistory(history(h.start_date, days))
    charts.build_charts(h, entries, TODAY, 0)
    assert entries.read <= 5 * len(entries)
    assert len(checks) <= 3000


def test_the_strength_curve_is_the_last_365_days():
    h = habit(start_date=TODAY - 729 * DAY)
    entries = history(h.start_date, 730)
    series = stats.strength_series(h.schedule_spec(0), entries, TODAY)
    chart = charts.build_charts(h, entries, TODAY, 0)["strength"]
    assert chart.points == [(day, 100 * s) for day, s in series[-365:]]
    points = [p for segment in chart.segments for p in segment.split()]
    assert len(points) == 365
    last_y = float(points[-1].split(",")[1])
    plot_h = charts.CHART_H - charts.PLOT_TOP - charts.PLOT_BOTTOM
    assert last_y == pytest.approx(charts.CHART_H - charts.PLOT_BOTTOM - plot_h * series[-1][1], abs=0.1)
    assert chart.title == "Read: habit strength, last 365 days"
    assert f"Strength is {stats.round_half_up(100 * series[-1][1])} out of 100 now" in chart.desc


def test_a_new_habit_has_empty_lines():
    result = charts.build_charts(habit(start_date=TODAY), [], TODAY, 0)
    assert result["strength"].segments == []
    assert result["strength"].desc == "No strength yet."


# --- the template ---------------------------------------------------------------------------------


@pytest.fixture
def saved_habit(django_user_model):
    user = django_user_model.objects.create_user("a@example.com", "pw-123456789")
    return Habit.objects.create(user=user, name="Read <daily>", start_date=d("2025-11-01"))


@pytest.mark.django_db
def test_it_renders_accessible_svg(saved_habit):
    entries = history(saved_habit.start_date, (TODAY - saved_habit.start_date).days + 1)
    data = charts.build_charts(saved_habit, entries, TODAY, 0)
    context = {"charts": data, "habit": saved_habit}
    html = "".join(render_to_string(f"habits/_charts.html#{part}", context) for part in ("calendar", "trends"))

    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) == 6  # the calendar twice (all the weeks; phones), four charts
    for svg in svgs:
        root = ET.fromstring(svg)  # well-formed XML
        title, desc = root.find("title"), root.find("desc")
        assert title.text and desc.text
        assert title.get("id") == root.get("aria-labelledby").split()[0]
        assert root.get("viewBox")
    assert html.count('role="img"') == 4
    assert html.count('role="group"') == 2  # the calendars: their day links stay reachable
    assert html.count('class="visually-hidden"') == 5
    assert "Read &lt;daily&gt;: done per week, last 12 weeks" in html
    assert "Read <daily>" not in html
    assert " style=" not in html  # the Content-Security-Policy forbids style attributes

    by_day = cells(data)
    assert f"<title>{by_day[TODAY].title}</title>" in html
    linked = sum(bool(cell.href) for cell in by_day.values())
    assert html.count('<a id="hm') == linked + sum(bool(cell.href) for cell in data["heatmap"].drawings[1].cells)
    assert len(set(re.findall(r'<a id="([^"]+)"', html))) == html.count('<a id="hm')  # unique ids
    assert f'href="{reverse("habits:day", args=[saved_habit.pk, "2026-03-03"])}"' in html
    assert f'href="{reverse("habits:day", args=[saved_habit.pk, "2026-03-04"])}"' not in html
