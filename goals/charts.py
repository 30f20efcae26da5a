"""What the goal pages show: a goal's summary (progress bar, pace) and its progress over
time as a server-drawn SVG line chart (no chart JavaScript; colours are CSS classes).

`progress_series()` is the only function here that queries: two queries for any number
of linked habits and entries. The rest is pure and works on plain values.

Like the habit charts (habits/charts.py), the chart carries a <title>, a <desc> in words
and its numbers again, once a week, in a visually hidden table.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.db.models import Case, DecimalField, F, Q, Sum, Value, When

from habits.models import Habit, Occurrence
from habitstory.core.formatting import amount, long_date, short_date

from .models import Goal, GoalEntry, GoalHabit
from .pace import Pace, pace, planned_value, rate_text

DAY = dt.timedelta(days=1)
CENT = Decimal("0.01")

CHART_W, CHART_H = 320, 180
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 36, 8, 16, 22
MAX_LINE_POINTS = 320  # about one per unit of the viewBox's width; more would not show


# --- the summary (list and goal page) -----------------------------------------------------


@dataclass(frozen=True)
class GoalSummary:
    goal: Goal
    current: str  # "42.5"
    target: str
    percent: int  # rounded down, so 99.6% is not shown as done; may pass 100
    bar: int  # the progress bar's width, 0..100
    pace: Pace
    rate: str  # per day, "1.25"

    @property
    def is_completed(self) -> bool:
        return self.goal.completed_at is not None


def summary(goal: Goal, today: dt.date) -> GoalSummary:
    """A goal's numbers for display. No queries."""
    current, target = goal.current_value, goal.target_value
    percent = int((100 * current / target).to_integral_value(rounding=ROUND_FLOOR)) if target > 0 else 0
    goal_pace = pace(goal.start_date, today, current, target, goal.deadline)
    return GoalSummary(
        goal=goal,
        current=amount(current),
        target=amount(target),
        percent=percent,
        bar=max(0, min(100, percent)),
        pace=goal_pace,
        rate=rate_text(goal_pace.rate),
    )


# --- the data ----------------------------------------------------------------------------


def link_contributions(goal: Goal) -> list[GoalHabit]:
    """The goal's links, each with its habit and `contributed` (weight × value over done
    occurrences since the start date; 0 for a deleted habit), in one query."""
    done = {
        "habit__occurrences__status": Occurrence.Status.DONE,
        "habit__occurrences__on__gte": goal.start_date,
        "habit__deleted_at__isnull": True,
    }
    links = list(
        GoalHabit.objects.filter(goal=goal)
        .select_related("habit")
        .annotate(contributed=Sum(F("weight") * _occurrence_value(), filter=Q(**done), output_field=_SUM))
        .order_by("habit__name", "habit_id")
    )
    for link in links:
        link.contributed = (link.contributed or Decimal(0)).quantize(CENT)
        link.contributed_text = amount(link.contributed)
        link.weight_text = amount(link.weight)
    return links


def entry_rows(entries) -> list[GoalEntry]:
    """Entries with `amount_text`: "+5", "−2.5"."""
    rows = list(entries)
    for entry in rows:
        entry.amount_text = f"{'+' if entry.amount > 0 else '−'}{amount(abs(entry.amount))}"
    return rows


_SUM = DecimalField(max_digits=20, decimal_places=4)


def _occurrence_value():
    """1 for a yes/no habit, else the day's measured value (as goals.services counts it)."""
    return Case(
        When(habit__kind=Habit.Kind.YES_NO, then=Value(Decimal(1))),
        default=F("habit__occurrences__value"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def progress_series(goal: Goal, today: dt.date) -> list[tuple[dt.date, Decimal]]:
    """The goal's value at the end of each day from its start date to today, in two
    queries (habit days, entry days). It ends at the goal's current value."""
    habit_days = (
        GoalHabit.objects.filter(
            goal=goal,
            habit__deleted_at__isnull=True,
            habit__occurrences__status=Occurrence.Status.DONE,
            habit__occurrences__on__gte=goal.start_date,
        )
        .values("habit__occurrences__on")
        .annotate(total=Sum(F("weight") * _occurrence_value(), output_field=_SUM))
        .values_list("habit__occurrences__on", "total")
    )
    entry_days = (
        GoalEntry.objects.filter(goal=goal).values("on").annotate(total=Sum("amount")).values_list("on", "total")
    )
    return cumulative(goal.start_date, today, list(habit_days) + list(entry_days))


def cumulative(start: dt.date, today: dt.date, amounts) -> list[tuple[dt.date, Decimal]]:
    """Running totals by day from `start` to `today` (one point if today is before the
    start). Amounts dated before the start count on the start day (a manual entry counts
    whenever it was made); amounts after the last day count on the last day."""
    last = max(start, today)
    by_day: dict[dt.date, Decimal] = {}
    for day, value in amounts:
        if value is None:
            continue
        day = min(max(day, start), last)
        by_day[day] = by_day.get(day, Decimal(0)) + value
    series, total, day = [], Decimal(0), start
    while day <= last:
        total += by_day.get(day, Decimal(0))
        series.append((day, total.quantize(CENT)))
        day += DAY
    return series


# --- the chart -----------------------------------------------------------------------------


@dataclass
class ProgressChart:
    title: str
    desc: str
    line: str  # polyline points "x,y x,y …" ("" with a single point)
    dot: dict | None  # {"x", "y"}: a single point, or the last point of the line
    target: dict  # {"y", "label"}
    plan: dict | None  # {"x1", "y1", "x2", "y2"}: the straight line to the deadline
    deadline: dict | None  # {"x", "label", "anchor"}
    grid: list[dict]  # {"y", "label"}
    ticks: list[dict]  # {"x", "label", "anchor"}
    rows: list[tuple[str, str, str]]  # hidden table: (day, value, planned or "")
    unit: str
    has_plan: bool = False
    width: int = CHART_W
    height: int = CHART_H
    plot_left: int = PLOT_LEFT
    plot_right: int = CHART_W - PLOT_RIGHT
    plot_top: int = PLOT_TOP
    plot_bottom: int = CHART_H - PLOT_BOTTOM
    label_x: int = PLOT_LEFT - 4
    tick_y: int = CHART_H - 6
    legend: list[tuple[str, str]] = field(default_factory=list)


def nice_step(span: Decimal) -> Decimal:
    """The top of an axis covering `span`: 1, 2, 2.5 or 5 × a power of ten, at least span."""
    if span <= 0:
        return Decimal(1)
    power = Decimal(10) ** math.floor(math.log10(float(span)))
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if power * factor >= span:
            return power * factor
    return power * 10


def compact(value: Decimal) -> str:
    """Axis labels that fit in 30 units: 950, 1.5k, 12k, 2.5M."""
    magnitude = abs(value)
    for limit, suffix in ((Decimal(10) ** 6, "M"), (Decimal(1000), "k")):
        if magnitude >= limit:
            return f"{amount((value / limit).quantize(Decimal('0.1')))}{suffix}"
    return amount(value.quantize(Decimal("0.01")))


def _sample(points: list, limit: int) -> list:
    """At most `limit` points, evenly spaced, keeping the first and the last."""
    if len(points) <= limit:
        return points
    step = (len(points) - 1) / (limit - 1)
    return [points[round(i * step)] for i in range(limit)]


def progress_chart(
    goal: Goal, series: list[tuple[dt.date, Decimal]], today: dt.date, goal_pace: Pace
) -> ProgressChart:
    """The progress line, the target line, the plan and the deadline marker. Pure."""
    start, target, deadline = goal.start_date, goal.target_value, goal.deadline
    end = max([start, today] + ([deadline] if deadline else []))
    span_days = max(1, (end - start).days)
    values = [value for _, value in series] or [Decimal(0)]
    top = nice_step(max(max(values), target, Decimal(0)))
    bottom = -nice_step(-min(values)) if min(values) < 0 else Decimal(0)
    plot_w = CHART_W - PLOT_LEFT - PLOT_RIGHT
    plot_h = CHART_H - PLOT_TOP - PLOT_BOTTOM

    def x(day: dt.date) -> float:
        return round(PLOT_LEFT + plot_w * (day - start).days / span_days, 1)

    def y(value: Decimal) -> float:
        return round(CHART_H - PLOT_BOTTOM - plot_h * float((value - bottom) / (top - bottom)), 1)

    points = [(x(day), y(value)) for day, value in _sample(series, MAX_LINE_POINTS)]
    line = " ".join(f"{px},{py}" for px, py in points) if len(points) > 1 else ""
    dot = {"x": points[-1][0], "y": points[-1][1]} if points else None

    grid_values = sorted({bottom, Decimal(0), (bottom + top) / 2, top})
    grid = [{"y": y(value), "label": compact(value)} for value in grid_values]

    unit = goal.unit
    plan = deadline_mark = None
    if deadline and deadline >= start:
        first = planned_value(start, start, target, deadline)
        plan = {"x1": x(start), "y1": y(first), "x2": x(deadline), "y2": y(target)}
        anchor = "end" if x(deadline) > PLOT_LEFT + plot_w * 0.75 else "middle"
        deadline_mark = {"x": x(deadline), "label": f"Deadline {short_date(deadline)}", "anchor": anchor}

    ticks = [{"x": x(start), "label": short_date(start), "anchor": "start"}]
    if end != start:
        ticks.append({"x": x(end), "label": short_date(end), "anchor": "end"})
    if start < today < end and min(x(today) - x(start), x(end) - x(today)) > 50:
        ticks.append({"x": x(today), "label": "today", "anchor": "middle"})

    legend = [("line", "Progress"), ("target", "Target")]
    if plan:
        legend += [("plan", "Plan"), ("deadline", "Deadline")]
    return ProgressChart(
        title=f"{goal.name}: progress since {long_date(start)}",
        desc=_desc(goal, series, today, goal_pace),
        line=line,
        dot=dot,
        target={"y": y(target), "label": f"Target {compact(target)}"},
        plan=plan,
        deadline=deadline_mark,
        grid=grid,
        ticks=ticks,
        rows=_weekly_rows(goal, series),
        unit=unit,
        has_plan=plan is not None,
        legend=legend,
    )


def _weekly_rows(goal: Goal, series: list[tuple[dt.date, Decimal]]) -> list[tuple[str, str, str]]:
    """The chart's table: the value once a week ending today (and at the start), with the
    plan's value on that day when the goal has a deadline."""
    start, target, deadline = goal.start_date, goal.target_value, goal.deadline
    weekly = list(reversed(series[::-1][::7]))
    if series and weekly[0] != series[0]:
        weekly.insert(0, series[0])
    rows = []
    for day, value in weekly:
        planned = amount(planned_value(start, day, target, deadline).quantize(CENT)) if deadline else ""
        rows.append((long_date(day), amount(value), planned))
    return rows


def _desc(goal: Goal, series, today: dt.date, goal_pace: Pace) -> str:
    unit = f" {goal.unit}" if goal.unit else ""
    now = series[-1][1] if series else goal.current_value
    text = f"{amount(now)} of {amount(goal.target_value)}{unit}"
    if today < goal.start_date:
        text += f"; the goal starts on {long_date(goal.start_date)}"
    else:
        text += f" on {long_date(today)}, since {long_date(goal.start_date)}"
    if goal.deadline:
        text += f". Deadline {long_date(goal.deadline)}"
    labels = {
        "completed": "completed",
        "no_deadline": "",
        "overdue": "past the deadline",
        "ahead": "ahead of the plan",
        "on_track": "on track",
        "behind": "behind the plan",
    }
    state = labels[goal_pace.status]
    if goal_pace.planned is not None:
        state += f" ({amount(goal_pace.planned.quantize(CENT))} planned by today)"
    return text + (f"; {state}." if state else ".")
