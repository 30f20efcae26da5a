"""The habit page's calendar: the last 53 weeks, a square a day, each saying what the day
was (done, partly done, skipped, missed, …); with a table of the same for screen readers.
It is drawn twice, from the same cells: all 53 weeks, and the last few weeks in squares a
finger can hit (at least 24 px) for phones; the page's CSS shows one of them. A day is a
link to its day editor (without JavaScript), which htmx turns into a tap that cycles the
day done → skipped → clear. Built here in one pass, rendered by habits/_charts.html."""

from __future__ import annotations

import datetime as dt
import json
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


class Geometry(NamedTuple):
    """One drawing's size, in viewBox units: a square a day, a gutter for weekday names on
    the left and month names on top, room on the right for a month name in the last column."""

    key: str  # "wide", "narrow": the SVG's class
    weeks: int
    cell: int
    gap: int
    left: int
    top: int
    right: int
    weekday_rows: tuple[int, ...]  # the rows whose weekday is named

    @property
    def step(self) -> int:
        return self.cell + self.gap


WIDE = Geometry("wide", HEATMAP_WEEKS, 12, 2, 30, 16, 12, (0, 2, 4, 6))
# Phones (app.css shows it below 641 px, drawn 1:1 and never under 24 px a square).
NARROW = Geometry("narrow", 8, 28, 3, 30, 16, 6, tuple(range(7)))

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
# A day's proof (Occurrence.verification), added to its words; the square gets an outline.
PROOF_WORDS = {"pending": "proof in review", "approved": "verified", "rejected": "proof not accepted"}

# A tap on a day moves it on: done → skipped → clear (its log taken back) → done.
NEXT_ACTION = {"done": "skip", "skipped": "undo"}
ACTION_VALS = {action: json.dumps({"action": action}, separators=(",", ":")) for action in ("done", "skip", "undo")}
SAMPLE_DAY = "2000-01-01"  # a day's URLs are reversed once with it, then it is replaced (371 {% url %} took ~25 ms)


class Cell(NamedTuple):
    day: dt.date
    state: str
    text: str  # "done", "3 of 8 glasses"
    title: str  # "Tue 3 Mar 2026: done"
    href: str  # the day editor, for days up to today (before the start: its offer to move it); else ""
    action: str  # what a tap does (habits.views.log): "done", "skip", "undo"; "" opens the editor
    proof: str = ""  # the day's proof: "", "pending", "approved", "rejected"


@dataclass
class Drawing:
    """One picture of the calendar's last `geometry.weeks` weeks."""

    geometry: Geometry
    cells: list[Cell]  # its weeks, 7 cells each, column by column; the last holds today
    months: list[dict]  # {"x", "label"} along the top
    weekdays: list[dict]  # {"y", "label"} down the left side
    title: str
    desc: str
    log_url: str  # habits:log for the day SAMPLE_DAY
    id_prefix: str  # a day's link is "<prefix><date>": htmx keeps its focus across a swap

    @property
    def width(self) -> int:
        return self.geometry.left + self.geometry.weeks * self.geometry.step + self.geometry.right

    @property
    def height(self) -> int:
        return self.geometry.top + 7 * self.geometry.step

    @property
    def cells_svg(self) -> str:
        """The squares as SVG, built here in one pass: as template tags they were ~1,900
        variables to resolve and escape on every rebuilt page. Text is escaped; the rest
        are numbers, dates, state names and our URLs."""
        left, top, step = self.geometry.left, self.geometry.top, self.geometry.step
        size = f'width="{self.geometry.cell}" height="{self.geometry.cell}" rx="2"'
        parts = []
        for i, (day, state, _, title, href, action, proof) in enumerate(self.cells):
            marked = f" hm-proof-{proof}" if proof else ""
            rect = f'<rect class="hm hm-{state}{marked}" x="{left + i // 7 * step}" y="{top + i % 7 * step}" {size}/>'
            if not href:
                parts.append(f"{rect[:-2]}><title>{escape(title)}</title></rect>")
                continue
            tap = ""
            if action:
                url = self.log_url.replace(SAMPLE_DAY, day.isoformat())
                tap = f' hx-post="{url}" hx-vals=\'{ACTION_VALS[action]}\''
            parts.append(f'<a id="{self.id_prefix}{day.isoformat()}" href="{escape(href)}"{tap}>'
                         f"<title>{escape(title)}</title>{rect}</a>")
        return mark_safe("".join(parts))


@dataclass
class Heatmap:
    cells: list[Cell]  # HEATMAP_WEEKS columns of 7 cells, column by column; the last holds today
    rows: list[tuple[str, list[str]]]  # the hidden table: ("3 Mar 2026", each day's text) a week
    header: list[str]  # the hidden table's column headings, in row order
    title: str
    desc: str
    drawings: list[Drawing]  # all the weeks (WIDE), and the last few for phones (NARROW)
    counts: dict[str, int] = field(default_factory=dict)
    legend: list[tuple[str, str]] = field(default_factory=list)

    @property
    def weeks(self) -> list[list[Cell]]:
        return [self.cells[i : i + 7] for i in range(0, len(self.cells), 7)]

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
    if day < today and status != MISSED and schedule.is_expected(day) and stats.closed_code(measure, value) == stats.DONE_CODE:
        return "done"  # an "at most" habit's ended day left open, within the limit (docs/rules.md)
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


def _desc(habit, schedule: stats.Schedule, today: dt.date, weeks: int, counts: Counter) -> str:
    if today < schedule.start_date:
        return f"{habit.name} starts on {long_date(schedule.start_date)}; nothing to show yet."
    return (
        f"In the last {weeks} weeks: done on {plural(counts['done'], 'day')}, "
        f"missed {counts['missed']}, skipped {counts['skipped']}."
    )


def heatmap(
    habit, by_day: dict[dt.date, stats.Entry], schedule: stats.Schedule, measure, today: dt.date,
    proofs: dict[dt.date, str] | None = None,
) -> Heatmap:
    first = week_bounds(today, schedule.week_start)[0] - dt.timedelta(weeks=HEATMAP_WEEKS - 1)
    day_url = reverse("habits:day", args=[habit.pk, SAMPLE_DAY])
    cells: list[Cell] = []
    rows: list[tuple[str, list[str]]] = []
    for column in range(HEATMAP_WEEKS):
        texts = []
        for row in range(7):
            day = first + dt.timedelta(days=column * 7 + row)
            entry = by_day.get(day)
            state = day_state(day, entry, schedule, measure, today)
            proof = (proofs or {}).get(day, "")
            text = _cell_text(state, entry, measure, habit.unit)
            if proof in PROOF_WORDS:
                text = f"{text}, {PROOF_WORDS[proof]}"
            texts.append(text)
            href = day_url.replace(SAMPLE_DAY, day.isoformat()) if day <= today else ""
            action = NEXT_ACTION.get(state, "done") if href and state != "before_start" else ""
            cells.append(Cell(day, state, text, f"{long_date(day)}: {text}", href, action, proof))
        start = first + dt.timedelta(weeks=column)
        rows.append((f"{start.day} {start:%b %Y}", texts))
    counts = Counter(cell.state for cell in cells)
    header = [WEEKDAY_NAMES[(schedule.week_start + row) % 7] for row in range(7)]
    log_url = reverse("habits:log", args=[habit.pk, SAMPLE_DAY])
    drawings = [
        _drawing(habit, schedule, today, geometry, cells[-7 * geometry.weeks :], header, log_url)
        for geometry in (WIDE, NARROW)
    ]
    return Heatmap(
        cells=cells,
        rows=rows,
        header=header,
        title=drawings[0].title,
        desc=drawings[0].desc,
        drawings=drawings,
        counts=dict(counts),
        legend=[(state, STATE_LABELS[state]) for state in LEGEND],
    )


def _drawing(habit, schedule: stats.Schedule, today: dt.date, geometry: Geometry, cells: list[Cell],
             header: list[str], log_url: str) -> Drawing:
    left, top, step = geometry.left, geometry.top, geometry.step
    months = [
        {"x": left + column * step, "label": f"{cells[column * 7 + row].day:%b}", "column": column}
        for column in range(geometry.weeks) for row in range(7) if cells[column * 7 + row].day.day == 1
    ]
    # A month that starts in the first column's week (or none does) still gets a label if
    # there is room for it before the next one (a label is about 28 units wide).
    room = -(-28 // step)
    if not months or months[0]["column"] > room:
        months.insert(0, {"x": left, "label": f"{cells[6].day:%b}", "column": 0})
    weekdays = [
        {"y": top + row * step + (geometry.cell + 8) // 2, "label": header[row]} for row in geometry.weekday_rows
    ]
    return Drawing(
        geometry=geometry,
        cells=cells,
        months=[{"x": month["x"], "label": month["label"]} for month in months],
        weekdays=weekdays,
        title=f"{habit.name}: the last {geometry.weeks} weeks, day by day",
        desc=_desc(habit, schedule, today, geometry.weeks, Counter(cell.state for cell in cells)),
        log_url=log_url,
        id_prefix=f"hm{'' if geometry is WIDE else 'n'}{habit.pk}-",
    )
