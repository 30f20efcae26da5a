"""The habit page's charts, drawn on the server as SVG (no chart JavaScript).

`build_charts()` turns a habit's occurrences into plain data and geometry; the template
habits/_charts.html only loops over it. It makes no queries: the view loads the habit's
occurrences once and passes them in as `stats.Entry` values.

Every chart carries a title and a one-sentence description in words, and the numbers
again in a visually hidden table, so a screen reader gets what the picture shows.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.html import escape
from django.utils.safestring import mark_safe

from habitstory.core.days import week_bounds
from habitstory.core.formatting import long_date, short_date, times

from . import stats, today_cache
from .heatmap import heatmap
from .models import Occurrence
from .stats_values import DONE, SKIPPED

DAY = dt.timedelta(days=1)

BAR_WEEKS = 12
BAR_MONTHS = 12
TREND_DAYS = 90
STRENGTH_DAYS = 365

# Bar and line charts share one size, narrow enough that 11-unit text stays readable on a
# 360 px phone (the SVG scales to its container's width through its viewBox).
CHART_W, CHART_H = 320, 160
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 30, 8, 14, 22



# --- bar charts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    label: str  # for the hidden table: "week of 3 Mar 2026", "March 2026"
    tick: str  # under the bar, "" where there is no room
    value: int
    goal: int | None  # expected count (weeks only)
    met: bool
    x: float
    y: float
    width: float
    height: float
    cx: float  # the bar's centre, for its labels


@dataclass
class BarChart:
    key: str  # "weekly", "monthly": element ids
    heading: str  # the visible heading, "Done per week"
    bars: list[Bar]
    title: str
    desc: str
    y_max: int
    grid: list[dict]  # {"y", "label"} horizontal lines
    column: str  # the hidden table's first heading, "Week"
    has_goal: bool = False
    width: int = CHART_W
    height: int = CHART_H
    plot_left: int = PLOT_LEFT
    plot_right: int = CHART_W - PLOT_RIGHT
    label_x: int = PLOT_LEFT - 4  # y-axis labels end here
    tick_y: int = CHART_H - 6

    @property
    def bars_svg(self) -> str:
        """The bars with their values and ticks as SVG, built in one pass (as template tags:
        eight variables a bar); text escaped."""
        parts = []
        for bar in self.bars:
            met = " chart-bar-met" if bar.met else ""
            parts.append(f'<g><rect class="chart-bar{met}" x="{bar.x}" y="{bar.y}" width="{bar.width}" '
                         f'height="{bar.height}" rx="2"/>')
            if bar.value:
                parts.append(f'<text class="chart-bar-value" x="{bar.cx}" y="{bar.y}" dy="-3" '
                             f'text-anchor="middle">{bar.value}</text>')
            if bar.tick:
                parts.append(f'<text class="chart-label" x="{bar.cx}" y="{self.tick_y}" '
                             f'text-anchor="middle">{escape(bar.tick)}</text>')
            parts.append("</g>\n")
        return mark_safe("".join(parts))

    @property
    def rows_html(self) -> str:
        """The hidden table's body, a bar a row, text escaped."""
        return mark_safe("".join(
            f'<tr><th scope="row">{escape(bar.label)}</th><td>{bar.value}</td>'
            + (f"<td>{'—' if bar.goal is None else bar.goal}</td>" if self.has_goal else "") + "</tr>"
            for bar in self.bars
        ))


def _nice_max(value: int) -> int:
    """The top of the y axis: even, so that its middle line is a whole number."""
    for top in (2, 4, 6, 8, 10, 20, 30, 40, 50, 100):
        if value <= top:
            return top
    return -(-value // 50) * 50


def _bar_chart(
    key: str,
    heading: str,
    column: str,
    items: list[tuple[str, str, int, int | None]],
    title: str,
    desc: str,
) -> BarChart:
    y_max = _nice_max(max([value for _, _, value, _ in items] + [1]))
    plot_w = CHART_W - PLOT_LEFT - PLOT_RIGHT
    plot_h = CHART_H - PLOT_TOP - PLOT_BOTTOM
    slot = plot_w / len(items)
    bars = []
    for i, (label, tick, value, goal) in enumerate(items):
        height = round(plot_h * value / y_max, 1)
        bars.append(
            Bar(
                label=label,
                tick=tick,
                value=value,
                goal=goal,
                met=bool(goal) and value >= goal,
                x=round(PLOT_LEFT + i * slot + slot * 0.15, 1),
                y=round(CHART_H - PLOT_BOTTOM - height, 1),
                width=round(slot * 0.7, 1),
                height=height,
                cx=round(PLOT_LEFT + (i + 0.5) * slot, 1),
            )
        )
    grid = [
        {"y": round(CHART_H - PLOT_BOTTOM - plot_h * f, 1), "label": int(y_max * f)}
        for f in (0, 0.5, 1)
    ]
    return BarChart(
        key=key,
        heading=heading,
        bars=bars,
        title=title,
        desc=desc,
        y_max=y_max,
        grid=grid,
        column=column,
        has_goal=any(goal is not None for *_, goal in items),
    )


def week_goal(schedule: stats.Schedule, start: dt.date, skipped: set[dt.date]) -> int:
    """How many done days make the week (docs/rules.md, habits.stats rule 8): its expected
    days that were not skipped; for N per week, N but no more than the week's usable days
    (on or after the start, not paused, not skipped)."""
    days = [start + dt.timedelta(days=i) for i in range(7)]
    usable = sum(1 for day in days if schedule.is_expected(day) and day not in skipped)
    if schedule.kind == "per_week":
        return min(schedule.times_per_week or 0, usable)
    return usable


def weekly_bars(
    habit, done_days: list[dt.date], skipped: set[dt.date], schedule: stats.Schedule, today: dt.date
) -> BarChart:
    this_week = week_bounds(today, schedule.week_start)[0]
    items = []
    for i in range(BAR_WEEKS - 1, -1, -1):
        start = this_week - dt.timedelta(weeks=i)
        end = start + dt.timedelta(days=6)
        done = bisect.bisect_right(done_days, end) - bisect.bisect_left(done_days, start)
        tick = short_date(start) if i % 2 == 1 else ""  # every other bar, the latest unlabelled
        goal = week_goal(schedule, start, skipped)
        items.append((f"week of {long_date(start)}", tick, done, goal))
    weeks_done = sum(1 for *_, value, _ in items if value)
    total = sum(value for *_, value, _ in items)
    past = [(value, goal) for *_, value, goal in items[:-1] if goal]
    desc = f"Done in {weeks_done} of the last {BAR_WEEKS} weeks, {times(total)} in all"
    if past:
        met = sum(1 for value, goal in past if value >= goal)
        desc += f"; the week's goal was met in {met} of the {len(past)} weeks before this one"
    *_, this_week_done, this_week_goal = items[-1]
    desc += f". This week so far: {this_week_done}"
    desc += f" of {this_week_goal}." if this_week_goal else "."
    title = f"{habit.name}: done per week, last {BAR_WEEKS} weeks"
    return _bar_chart("weekly", "Done per week", "Week", items, title, desc)


def monthly_bars(habit, done_days: list[dt.date], today: dt.date) -> BarChart:
    items = []
    year, month = today.year, today.month
    months = []
    for _ in range(BAR_MONTHS):
        months.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    for start in reversed(months):
        end = (start + dt.timedelta(days=32)).replace(day=1) - DAY
        done = bisect.bisect_right(done_days, end) - bisect.bisect_left(done_days, start)
        items.append((f"{start:%B %Y}", f"{start:%b}", done, None))
    total = sum(value for *_, value, _ in items)
    best = max(items, key=lambda item: item[2])
    desc = f"Done {times(total)} in the last {BAR_MONTHS} months"
    if total:
        desc += f"; most in {best[0]} ({best[2]})"
    desc += f". This month so far: {items[-1][2]}."
    title = f"{habit.name}: done per month, last {BAR_MONTHS} months"
    return _bar_chart("monthly", "Done per month", "Month", items, title, desc)


# --- line charts ---------------------------------------------------------------------------


@dataclass
class LineChart:
    key: str
    heading: str
    column: str  # the hidden table's value heading, "Consistency (%)"
    points: list[tuple[dt.date, float | None]]  # the data: (day, 0..100 or None)
    segments: list[str]  # polyline "x,y x,y …" runs; a None value breaks the line
    dots: list[dict]  # {"x", "y"}: points with no neighbour, invisible as a line
    rows: list[tuple[str, str]]  # hidden table: (date, value) once a week, ending today
    ticks: list[dict]  # {"x", "label", "anchor"} dates under the plot
    title: str
    desc: str
    grid: list[dict]
    width: int = CHART_W
    height: int = CHART_H
    plot_left: int = PLOT_LEFT
    plot_right: int = CHART_W - PLOT_RIGHT
    label_x: int = PLOT_LEFT - 4  # y-axis labels end here
    tick_y: int = CHART_H - 6


def _line_chart(
    key: str,
    heading: str,
    column: str,
    points: list[tuple[dt.date, float | None]],
    title: str,
    desc: str,
) -> LineChart:
    plot_w = CHART_W - PLOT_LEFT - PLOT_RIGHT
    plot_h = CHART_H - PLOT_TOP - PLOT_BOTTOM
    span = max(len(points) - 1, 1)
    segments: list[list[tuple[float, float]]] = [[]]
    for i, (_, value) in enumerate(points):
        if value is None:
            if segments[-1]:
                segments.append([])
            continue
        x = round(PLOT_LEFT + plot_w * i / span, 1)
        y = round(CHART_H - PLOT_BOTTOM - plot_h * value / 100, 1)
        segments[-1].append((x, y))
    runs = [run for run in segments if len(run) > 1]
    dots = [{"x": run[0][0], "y": run[0][1]} for run in segments if len(run) == 1]
    ticks = []
    if points:
        ends = [(0, "start"), (len(points) - 1, "end")]
        if len(points) > 20:
            ends.insert(1, ((len(points) - 1) // 2, "middle"))
        for i, anchor in ends:
            x = round(PLOT_LEFT + plot_w * i / span, 1)
            ticks.append({"x": x, "label": short_date(points[i][0]), "anchor": anchor})
    rows = [
        (long_date(day), "—" if value is None else str(stats.round_half_up(value)))
        for day, value in reversed(points[::-1][::7])
    ]
    grid = [
        {"y": round(CHART_H - PLOT_BOTTOM - plot_h * f, 1), "label": round(100 * f)}
        for f in (0, 0.5, 1)
    ]
    return LineChart(
        key=key,
        heading=heading,
        column=column,
        points=points,
        segments=[" ".join(f"{x},{y}" for x, y in run) for run in runs],
        dots=dots,
        rows=rows,
        ticks=ticks,
        title=title,
        desc=desc,
        grid=grid,
    )


def _trend_desc(points: list[tuple[dt.date, float | None]], what: str, scale: str) -> str:
    """"Consistency is 72% now, down from 83% on Thu 4 Dec 2025; lowest 67%, highest 86%."."""
    known = [(day, stats.round_half_up(value)) for day, value in points if value is not None]
    if not known:
        return f"No {what} yet."
    (first_day, first), (last_day, last) = known[0], known[-1]
    low, high = min(value for _, value in known), max(value for _, value in known)
    unit = "%" if scale == "%" else ""
    text = f"{what.capitalize()} is {last}{scale} now"
    if first_day != last_day:
        if last == first:
            text += f", the same as on {long_date(first_day)}"
        else:
            trend = "up" if last > first else "down"
            text += f", {trend} from {first}{unit} on {long_date(first_day)}"
    return text + f"; lowest {low}{unit}, highest {high}{unit}."


# --- all of them ---------------------------------------------------------------------------


def build_charts(habit, entries: list[stats.Entry], today: dt.date, week_start: int,
                 proofs: dict[dt.date, str] | None = None) -> dict:
    """What habits/_charts.html draws for one habit (`proofs`: the days' proof states, for
    the calendar). Pure: no queries."""
    schedule = habit.schedule_spec(week_start)
    measure = habit.measure
    by_day = {entry.on: entry for entry in entries}
    done_days = sorted(entry.on for entry in entries if entry.status == DONE)
    skipped = {entry.on for entry in entries if entry.status == SKIPPED}

    # consistency_trend reads the entries once, then each day's 30-day window: the same
    # numbers as consistency_on(day) for every day (tests/habits/test_charts.py checks).
    trend = stats.consistency_trend(schedule, entries, today, days=TREND_DAYS, measure=measure)
    series = stats.strength_series(schedule, entries, today, measure)[-STRENGTH_DAYS:]
    strength = [(day, 100 * s) for day, s in series]
    if len(strength) < STRENGTH_DAYS:
        strength_title = f"{habit.name}: habit strength since {long_date(schedule.start_date)}"
    else:
        strength_title = f"{habit.name}: habit strength, last {STRENGTH_DAYS} days"
    weekly = weekly_bars(habit, done_days, skipped, schedule, today)
    monthly = monthly_bars(habit, done_days, today)
    consistency = _line_chart(
        "consistency",
        "Consistency",
        "Consistency (%)",
        trend,
        f"{habit.name}: consistency, last {TREND_DAYS} days",
        _trend_desc(trend, "consistency", "%")
        + " Each point is the share of expected days done in the 30 days up to that day.",
    )
    strength_chart = _line_chart(
        "strength", "Strength", "Strength (of 100)", strength, strength_title,
        _trend_desc(strength, "strength", " out of 100"),
    )
    return {
        "id": f"habit-{habit.pk}-chart",
        "heatmap": heatmap(habit, by_day, schedule, measure, today, proofs),
        "weekly": weekly,
        "monthly": monthly,
        "consistency": consistency,
        "strength": strength_chart,
        # the same charts, in page order, for the template's loops
        "bar_charts": [weekly, monthly],
        "line_charts": [consistency, strength_chart],
    }


def history_of(habit, day: dt.date, week_start: int) -> dict:
    """The habit page's history: its charts rendered (the calendar, which a tap on a day
    swaps, and the trends), and its five latest notes. They change only with the habit,
    its days, the day and the week start, so they are cached under the owner's Today
    version, which every change to a habit or a day replaces."""
    key = today_cache.list_key(habit.user_id, "habit-history", habit.pk, day.isoformat(), week_start)
    history = cache.get(key)
    if history is None:
        rows = list(Occurrence.objects.filter(habit=habit).values_list("on", "status", "value", "note", "verification"))
        entries = [stats.Entry(on=on, status=status, value=value) for on, status, value, *_ in rows]
        proofs = {on: proof for on, *_, proof in rows if proof}
        charts = build_charts(habit, entries, day, week_start, proofs)
        context = {"charts": charts, "habit": habit}
        history = {
            "chart_id": charts["id"],
            "calendar_html": render_to_string("habits/_charts.html#calendar", context),
            "trends_html": render_to_string("habits/_charts.html#trends", context),
            "notes": sorted(((on, note) for on, _, _, note, _ in rows if note), reverse=True)[:5],
        }
        cache.set(key, history, today_cache.LIST_SECONDS)
    return history
