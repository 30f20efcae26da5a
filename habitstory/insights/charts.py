"""The Insights page's charts: mood and energy over the last days as server-drawn SVG, with
the life events of those days marked as bands (templates/insights/insights.html, partial
"charts"). Like the habit page's charts, each has a <title>, a <desc> in words, and its
numbers again in a visually hidden table; the events are listed in words under them.

`load()` reads the window in two queries whatever its size; `build()` is pure.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from habitstory.core.formatting import long_date, plural, short_date

from .models import MOOD_SCORE, MOODS, CheckIn, LifeEvent, Mood

WINDOW_DAYS = 90
CHART_W, CHART_H = 320, 170
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 50, 8, 10, 22
MOOD_LABELS = dict(Mood.choices)


@dataclass(frozen=True)
class Marked:
    """A life event as the chart marks it."""

    type: str
    title: str
    start: dt.date
    end: dt.date

    @property
    def when(self) -> str:
        if self.start == self.end:
            return short_date(self.start)
        return f"{short_date(self.start)} to {short_date(self.end)}"

    @property
    def words(self) -> str:
        return f"{self.title} ({self.type.replace('_', ' ')}, {self.when})"


@dataclass(frozen=True)
class Band:
    x: float
    width: float
    type: str
    label: str  # the event in words, for its <title>


@dataclass
class Chart:
    key: str  # "mood" or "energy": element ids and colours
    heading: str
    title: str
    desc: str
    segments: list[str]  # polyline runs; a day not logged breaks the line
    dots: list[dict]  # {"x", "y"}: a logged day with no logged neighbour
    bands: list[Band]
    grid: list[dict]  # {"y", "label"}
    ticks: list[dict]  # {"x", "label", "anchor"}
    rows: list[tuple[str, str]]  # hidden table: (day, value) for each logged day
    width: int = CHART_W
    height: int = CHART_H
    plot_left: int = PLOT_LEFT
    plot_right: int = CHART_W - PLOT_RIGHT
    plot_top: int = PLOT_TOP
    plot_height: int = CHART_H - PLOT_TOP - PLOT_BOTTOM
    label_x: int = PLOT_LEFT - 4
    tick_y: int = CHART_H - 6


@dataclass
class Charts:
    start: dt.date
    end: dt.date
    charts: list[Chart]
    events: list[Marked] = field(default_factory=list)
    logged: int = 0  # days with mood or energy logged in the window

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _x(index: int, days: int) -> float:
    plot_w = CHART_W - PLOT_LEFT - PLOT_RIGHT
    return round(PLOT_LEFT + plot_w * index / max(days - 1, 1), 1)


def _y(value: float, top: float) -> float:
    plot_h = CHART_H - PLOT_TOP - PLOT_BOTTOM
    return round(CHART_H - PLOT_BOTTOM - plot_h * value / top, 1)


def _lines(values: Sequence[float | None], top: float) -> tuple[list[str], list[dict]]:
    runs: list[list[tuple[float, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((_x(index, len(values)), _y(value, top)))
    segments = [" ".join(f"{x},{y}" for x, y in run) for run in runs if len(run) > 1]
    dots = [{"x": run[0][0], "y": run[0][1]} for run in runs if len(run) == 1]
    return segments, dots


def _bands(events: Sequence[Marked], start: dt.date, days: int) -> list[Band]:
    slot = (CHART_W - PLOT_LEFT - PLOT_RIGHT) / max(days - 1, 1)
    bands = []
    for event in events:
        first = max(0, (event.start - start).days)
        last = min(days - 1, (event.end - start).days)
        if last < first:
            continue
        x = max(PLOT_LEFT, _x(first, days) - slot / 2)
        right = min(CHART_W - PLOT_RIGHT, _x(last, days) + slot / 2)
        bands.append(Band(round(x, 1), round(max(right - x, 1.5), 1), event.type, event.words))
    return bands


def _ticks(start: dt.date, days: int) -> list[dict]:
    places = [(0, "start"), ((days - 1) // 2, "middle"), (days - 1, "end")] if days > 20 else [(0, "start"), (days - 1, "end")]
    return [{"x": _x(i, days), "label": short_date(start + dt.timedelta(days=i)), "anchor": anchor}
            for i, anchor in places]


def _describe(what: str, values: Sequence[float | None], reads, events: Sequence[Marked], days: int) -> str:
    known = [v for v in values if v is not None]
    if not known:
        text = f"No {what} logged in the last {plural(days, 'day')}."
    else:
        mean = sum(known) / len(known)
        text = (f"{what.capitalize()} logged on {len(known)} of the last {days} days: average {reads(mean)}, "
                f"lowest {reads(min(known))}, highest {reads(max(known))}; latest {reads(known[-1])}.")
    if events:
        text += " Life events marked: " + "; ".join(e.words for e in events) + "."
    return text


def _mood_reads(value: float) -> str:
    """2.6 (0..4) → "3.6 of 5 (good)"; whole steps without the decimal."""
    step = min(4, max(0, math.floor(value + 0.5)))
    label = MOOD_LABELS[MOODS[step]].lower()
    number = f"{value + 1:.1f}" if value != step else f"{step + 1}"
    return f"{number} of 5 ({label})"


def _energy_reads(value: float) -> str:
    return f"{value:.1f} of 10" if value != int(value) else f"{int(value)} of 10"


def build(start: dt.date, end: dt.date, mood: Sequence[float | None], energy: Sequence[float | None],
          events: Sequence[Marked]) -> Charts:
    """Both charts for the days start..end (inclusive); `mood` (0..4) and `energy` (0..10)
    hold a value or None for each of those days."""
    days = (end - start).days + 1
    events = sorted(events, key=lambda e: (e.start, e.end, e.title))
    bands = _bands(events, start, days)
    period = f"{long_date(start)} to {long_date(end)}"
    charts = []
    for key, values, top, grid, reads in (
        ("mood", mood, 4, [(0, "Very low"), (2, "Okay"), (4, "Great")], _mood_reads),
        ("energy", energy, 10, [(0, "0"), (5, "5"), (10, "10")], _energy_reads),
    ):
        segments, dots = _lines(values, top)
        rows = [(long_date(start + dt.timedelta(days=i)), reads(v)) for i, v in enumerate(values) if v is not None]
        charts.append(Chart(
            key=key, heading=key.capitalize(), title=f"Your {key}, {period}",
            desc=_describe(key, values, reads, events, days), segments=segments, dots=dots, bands=bands,
            grid=[{"y": _y(value, top), "label": label} for value, label in grid],
            ticks=_ticks(start, days), rows=rows,
        ))
    logged = sum(1 for m, e in zip(mood, energy) if m is not None or e is not None)
    return Charts(start, end, charts, list(events), logged)


def load(user, today: dt.date, days: int = WINDOW_DAYS) -> Charts:
    """The charts for the `days` up to `today`: two queries."""
    start = today - dt.timedelta(days=days - 1)
    mood: list[float | None] = [None] * days
    energy: list[float | None] = [None] * days
    for on, mood_value, energy_value in CheckIn.objects.filter(user=user, on__range=(start, today)).values_list(
            "on", "mood", "energy"):
        index = (on - start).days
        mood[index] = MOOD_SCORE.get(mood_value)
        energy[index] = None if energy_value is None else float(energy_value)
    events = [
        Marked(type_, title, first, last or first)
        for type_, title, first, last in LifeEvent.objects.filter(user=user, start__lte=today).exclude(
            end__lt=start).exclude(end__isnull=True, start__lt=start).values_list("type", "title", "start", "end")
    ]
    return build(start, today, mood, energy, events)
