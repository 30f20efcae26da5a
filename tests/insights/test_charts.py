"""The Insights page's charts: geometry, missing days, life events marked, words and
numbers for screen readers, two queries whatever the window holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from habitstory.insights import charts, services

START = dt.date(2026, 3, 1)
END = START + dt.timedelta(days=9)


def _build(mood, energy, events=()):
    return charts.build(START, END, mood, energy, list(events))


def test_lines_break_on_missing_days_and_stay_in_the_plot():
    mood = [0, 1, None, 4, 3, 2, None, 2, None, None]
    energy = [0, 10, 5, None, None, None, None, None, None, 7.5]
    built = _build(mood, energy)
    mood_chart, energy_chart = built.charts
    assert len(mood_chart.segments) == 2 and len(mood_chart.dots) == 1
    assert len(energy_chart.segments) == 1 and len(energy_chart.dots) == 1
    for chart in built.charts:
        for run in chart.segments:
            for point in run.split():
                x, y = map(float, point.split(","))
                assert charts.PLOT_LEFT <= x <= charts.CHART_W - charts.PLOT_RIGHT
                assert charts.PLOT_TOP <= y <= charts.CHART_H - charts.PLOT_BOTTOM
    first = energy_chart.segments[0].split()[0]
    assert first == f"{charts.PLOT_LEFT:.1f},{charts.CHART_H - charts.PLOT_BOTTOM:.1f}"  # day 0, energy 0
    assert built.logged == 8 and built.days == 10


def test_events_are_bands_inside_the_plot_and_named_in_words():
    flu = charts.Marked("illness", "Flu", START - dt.timedelta(days=3), START + dt.timedelta(days=2))
    exam = charts.Marked("exam", "Finals", END, END)
    built = _build([2] * 10, [5] * 10, [exam, flu])
    mood_chart = built.charts[0]
    assert [b.type for b in mood_chart.bands] == ["illness", "exam"]
    flu_band, exam_band = mood_chart.bands
    assert flu_band.x == charts.PLOT_LEFT
    assert exam_band.x + exam_band.width <= charts.CHART_W - charts.PLOT_RIGHT + 0.01
    assert exam_band.width > 1
    assert flu_band.label == "Flu (illness, 26 Feb to 3 Mar)"
    assert mood_chart.desc.endswith("Life events marked: Flu (illness, 26 Feb to 3 Mar); Finals (exam, 10 Mar).")


def test_the_words_say_what_the_picture_shows():
    built = _build([0, None, 4, 3, None, None, None, None, None, 2.0], [None] * 10)
    mood_chart, energy_chart = built.charts
    assert mood_chart.title == "Your mood, Sun 1 Mar 2026 to Tue 10 Mar 2026"
    assert mood_chart.desc == ("Mood logged on 4 of the last 10 days: average 3.2 of 5 (okay), lowest 1 of 5 "
                               "(very low), highest 5 of 5 (great); latest 3 of 5 (okay).")
    assert mood_chart.rows[0] == ("Sun 1 Mar 2026", "1 of 5 (very low)")
    assert energy_chart.desc == "No energy logged in the last 10 days."
    assert energy_chart.rows == []
    assert [g["label"] for g in mood_chart.grid] == ["Very low", "Okay", "Great"]


@pytest.mark.django_db
def test_load_reads_the_window_in_two_queries(owner):
    now = dt.datetime(2026, 5, 31, 12, tzinfo=dt.UTC)
    today = owner.profile.local_today(now)
    for back in range(0, 120, 3):
        services.save_checkin(owner, today - dt.timedelta(days=back), {"mood": "positive", "energy": "6.5"}, now=now)
    services.create_life_event(owner, {"type": "exam", "title": "Finals", "start": today - dt.timedelta(days=5)},
                               now=now)
    services.create_life_event(owner, {"type": "travel", "title": "Long ago", "start": today - dt.timedelta(days=200),
                                       "end": today - dt.timedelta(days=150)}, now=now)
    services.create_life_event(owner, {"type": "illness", "title": "Spanning", "start": today - dt.timedelta(days=95),
                                       "end": today - dt.timedelta(days=85)}, now=now)
    with CaptureQueriesContext(connection) as queries:
        built = charts.load(owner, today)
    assert len(queries) == 2
    assert built.logged == 30
    assert [e.title for e in built.events] == ["Spanning", "Finals"]
    assert built.charts[1].rows[-1] == (charts.long_date(today), "6.5 of 10")
