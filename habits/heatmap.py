"""The habit page's calendar: the last 53 weeks, a square a day, each saying what the day
was (done, partly done, skipped, missed, …) and opening the day editor; with a table of
the same for screen readers. Built here in one pass, rendered by habits/_charts.html."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from habitstory.core.days import week_bounds
from habitstory.core.formatting import WEEKDAY_NAMES, amount, long_date, plural

from . import stats
from .stats_values import DONE, MISSED, SKIPPED

HEATMAP_WEEKS = 53

# Heatmap geometry (viewBox units): one square per day, a gutter for weekday names on the
# left and month names on top.
CELL, CELL_GAP = 12, 2
HM_LEFT, HM_TOP, HM_RIGHT = 30, 16, 12  # HM_RIGHT: room for a month name in the last column

# Heatmap cell states, in the words the title of a cell uses.
STATE_LABELS = {
    "done": "done",
    "partial": "partly done",
    "skipped": "skipped",
    "missed": "missed",
    "open": "not done yet",
    "none": "not done",  # N per week: a day with nothing logged (the week is what counts)
    "not_expected": "not scheduled",
    "future": "not yet",
    "before_start": "before the start",
    "paused": "paused",
}
LEGEND = ["done", "partial", "skipped", "missed", "open", "not_expected", "paused"]


class Cell(NamedTuple):
    day: dt.date
    state: str
    text: str  # "done", "3 of 8 glasses"
    title: str  # "Tue 3 Mar 2026: done"
    href: str  # the day editor, for days from the start date up to today; else ""
    rect: str  # the square's attributes (class, position, size), built once here, not per tag


@dataclass
class Heatmap:
    cells: list[Cell]  # HEATMAP_WEEKS columns of 7 cells, column by column; the last holds today
    rows: list[tuple[str, list[str]]]  # the hidden table: ("3 Mar 2026", each day's text) a week
    months: list[dict]  # {"x", "label"} along the top
    weekdays: list[dict]  # {"y", "label"} down the left side
    header: list[str]  # the hidden table's column headings, in row order
    title: str
    desc: str
    width: int
    height: int
    counts: dict[str, int] = field(default_factory=dict)
    legend: list[tuple[str, str]] = field(default_factory=list)

    @property
    def weeks(self) -> list[list[Cell]]:
        return [self.cells[i : i + 7] for i in range(0, len(self.cells), 7)]

    @property
    def cells_svg(self) -> str:
        """The 371 squares as SVG, built here in one pass: as template tags they were
        ~1,900 variables to resolve and escape on every rebuilt page. Text is escaped."""
        return mark_safe("".join(
            f'<a href="{escape(href)}"><title>{escape(title)}</title><rect {rect}/></a>' if href
            else f"<rect {rect}><title>{escape(title)}</title></rect>"
            for _, _, _, title, href, rect in self.cells
        ))

    @property
    def rows_html(self) -> str:
        """The hidden table's body (a week a row), built in one pass, text escaped."""
        return mark_safe("".join(
            f'<tr><th scope="row">{escape(week_of)}</th>{"".join(f"<td>{escape(text)}</td>" for text in texts)}</tr>'
            for week_of, texts in self.rows
        ))


def day_state(
    day: dt.date,
    entry: stats.Entry | None,
    schedule: stats.Schedule,
    measure: stats.Measure | None,
    today: dt.date,
) -> str:
    """One of STATE_LABELS for a day of the heatmap."""
    if day > today:
        return "future"
    if day < schedule.start_date:
        return "before_start"
    status = entry.status if entry else None
    if status == DONE:
        return "done"
    if status == SKIPPED:
        return "skipped"
    if schedule.is_paused(day):
        return "paused"
    value = entry.value if entry else None
    if measure is not None and measure.kind == "at_least" and value and value < measure.target:
        return "partial"
    if schedule.kind == "per_week":
        return "missed" if status == MISSED else "none"
    if not schedule.is_expected(day):
        return "not_expected"
    if status == MISSED or day < today:
        return "missed"
    return "open"


def _cell_text(state: str, entry, measure, unit: str) -> str:
    text = STATE_LABELS[state]
    value = entry.value if entry else None
    if measure is not None and value is not None and state in ("done", "partial", "missed"):
        if state == "partial":
            text = f"{amount(value)} of {amount(measure.target)} {unit}".strip()
        else:
            text = f"{text}, {amount(value)} {unit}".strip()
    return text


def heatmap(
    habit, by_day: dict[dt.date, stats.Entry], schedule: stats.Schedule, measure, today: dt.date
) -> Heatmap:
    first = week_bounds(today, schedule.week_start)[0] - dt.timedelta(weeks=HEATMAP_WEEKS - 1)
    # The day editor's URL, reversed once: 371 {% url %} tags took ~25 ms of rendering.
    sample = schedule.start_date.isoformat()
    day_url = reverse("habits:day", args=[habit.pk, sample])
    cells: list[Cell] = []
    rows: list[tuple[str, list[str]]] = []
    months: list[dict] = []
    counts: Counter[str] = Counter()
    size = f'width="{CELL}" height="{CELL}" rx="2"'
    for column in range(HEATMAP_WEEKS):
        x = HM_LEFT + column * (CELL + CELL_GAP)
        texts = []
        for row in range(7):
            day = first + dt.timedelta(days=column * 7 + row)
            entry = by_day.get(day)
            state = day_state(day, entry, schedule, measure, today)
            counts[state] += 1
            text = _cell_text(state, entry, measure, habit.unit)
            texts.append(text)
            linked = schedule.start_date <= day <= today
            href = day_url.replace(sample, day.isoformat()) if linked else ""
            y = HM_TOP + row * (CELL + CELL_GAP)
            rect = mark_safe(f'class="hm hm-{state}" x="{x}" y="{y}" {size}')  # numbers and a state name
            cells.append(Cell(day, state, text, f"{long_date(day)}: {text}", href, rect))
            if day.day == 1:
                months.append({"x": x, "label": f"{day:%b}", "column": column})
        start = first + dt.timedelta(weeks=column)
        rows.append((f"{start.day} {start:%b %Y}", texts))
    # A month that starts in the first column's week (or none does) still gets a label
    # if there is room for it before the next one.
    if not months or months[0]["column"] > 2:
        months.insert(0, {"x": HM_LEFT, "label": f"{first + dt.timedelta(days=6):%b}", "column": 0})
    header = [WEEKDAY_NAMES[(schedule.week_start + row) % 7] for row in range(7)]
    weekdays = [
        {"y": HM_TOP + row * (CELL + CELL_GAP) + CELL - 2, "label": header[row]} for row in (0, 2, 4, 6)
    ]
    done, missed, skipped = counts["done"], counts["missed"], counts["skipped"]
    if today < schedule.start_date:
        desc = f"{habit.name} starts on {long_date(schedule.start_date)}; nothing to show yet."
    else:
        desc = (
            f"In the last {HEATMAP_WEEKS} weeks: done on {plural(done, 'day')}, "
            f"missed {missed}, skipped {skipped}."
        )
    return Heatmap(
        cells=cells,
        rows=rows,
        months=[{"x": m["x"], "label": m["label"]} for m in months],
        weekdays=weekdays,
        header=header,
        title=f"{habit.name}: the last {HEATMAP_WEEKS} weeks, day by day",
        desc=desc,
        width=HM_LEFT + HEATMAP_WEEKS * (CELL + CELL_GAP) + HM_RIGHT,
        height=HM_TOP + 7 * (CELL + CELL_GAP),
        counts=dict(counts),
        legend=[(state, STATE_LABELS[state]) for state in LEGEND],
    )
