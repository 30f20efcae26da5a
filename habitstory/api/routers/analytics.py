"""/analytics: the dashboard's numbers, and one habit's charts as data. The charts come
from habits.charts (the same figures the habit page draws), without the drawing."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from habits import charts, today_list
from habits.models import Habit

from ..auth import user_of
from ..envelope import ok, responses
from ..queries import entries, habit_for

router = Router(tags=["analytics"])

CONSISTENCY_WINDOW_DAYS = 30  # docs/rules.md: consistency looks at the 30 days ending on a day


# --- shapes ---------------------------------------------------------------------------------


class HabitRef(Schema):
    id: int
    name: str


class TodayHabit(HabitRef):
    status: str


class TodayProgress(Schema):
    due: int
    done: int
    habits: list[TodayHabit]


class WeekProgress(Schema):
    start: dt.date
    end: dt.date
    done: int


class StreakHabit(HabitRef):
    current_streak: int
    longest_streak: int


class RiskHabit(HabitRef):
    consecutive_misses: int


class Dashboard(Schema):
    date: dt.date
    today: TodayProgress
    week: WeekProgress
    best_streaks: list[StreakHabit]
    at_risk: list[RiskHabit]


class HeatmapDay(Schema):
    date: dt.date
    state: str
    label: str


class Legend(Schema):
    state: str
    label: str


class Heatmap(Schema):
    title: str
    description: str
    start: dt.date
    end: dt.date
    days: list[HeatmapDay]
    counts: dict[str, int]
    legend: list[Legend]


class Week(Schema):
    start: dt.date
    end: dt.date
    done: int
    goal: int | None
    met: bool


class Weekly(Schema):
    title: str
    description: str
    weeks: list[Week]


class Month(Schema):
    month: str
    start: dt.date
    done: int


class Monthly(Schema):
    title: str
    description: str
    months: list[Month]


class TrendPoint(Schema):
    date: dt.date
    value: int | None


class ConsistencyTrend(Schema):
    title: str
    description: str
    window_days: int
    points: list[TrendPoint]


# --- the dashboard --------------------------------------------------------------------------


@router.get("/analytics/dashboard", response=responses(Dashboard), summary="Today, this week, streaks, risks")
def dashboard(request: HttpRequest):
    """Today's progress (your local day), this week's done count (weeks start on your
    chosen weekday), your 5 best current streaks and the habits at risk."""
    user = user_of(request)
    profile = user.profile
    day = profile.local_today()
    rows = today_list.today_rows(user, day)
    week_start, week_end = today_list.week_bounds(day, profile.week_start)
    active = Habit.objects.for_user(user).filter(status=Habit.Status.ACTIVE)
    best = active.filter(current_streak__gt=0).order_by("-current_streak", "name")[:5]
    return ok(
        {
            "date": day,
            "today": {
                "due": len(rows),
                "done": today_list.done_today_count(rows),
                "habits": [{"id": row.habit.pk, "name": row.habit.name, "status": row.status} for row in rows],
            },
            "week": {
                "start": week_start,
                "end": week_end,
                "done": today_list.done_between(user, week_start, min(week_end, day)),
            },
            "best_streaks": [
                {"id": h.pk, "name": h.name, "current_streak": h.current_streak, "longest_streak": h.longest_streak}
                for h in best
            ],
            "at_risk": [
                {"id": h.pk, "name": h.name, "consecutive_misses": h.consecutive_misses}
                for h in today_list.at_risk_habits(user).order_by("name")
            ],
        }
    )


# --- one habit's charts ---------------------------------------------------------------------


def _charts(request: HttpRequest, habit_id: int) -> tuple[Habit, dict, dt.date, int]:
    user = user_of(request)
    habit = habit_for(user, habit_id)
    profile = user.profile
    today = profile.local_today()
    return habit, charts.build_charts(habit, entries(habit), today, profile.week_start), today, profile.week_start


@router.get("/analytics/habits/{int:habit_id}/heatmap", response=responses(Heatmap), summary="Heatmap, 53 weeks")
def heatmap(request: HttpRequest, habit_id: int):
    """Every day of the last 53 weeks (whole weeks, the last holds today) with its state:
    done, partial, skipped, missed, open, none, not_expected, future, before_start, paused."""
    _, built, _, _ = _charts(request, habit_id)
    chart = built["heatmap"]
    days = [cell for week in chart.weeks for cell in week]
    return ok(
        {
            "title": chart.title,
            "description": chart.desc,
            "start": days[0].day,
            "end": days[-1].day,
            "days": [{"date": cell.day, "state": cell.state, "label": cell.title} for cell in days],
            "counts": chart.counts,
            "legend": [{"state": state, "label": label} for state, label in chart.legend],
        }
    )


@router.get("/analytics/habits/{int:habit_id}/weekly", response=responses(Weekly), summary="Done per week")
def weekly(request: HttpRequest, habit_id: int):
    """Done count per week for the last weeks, oldest first, with the week's goal (expected
    days, or N for an N-per-week habit)."""
    _, built, today, week_start = _charts(request, habit_id)
    chart = built["weekly"]
    this_week = today_list.week_bounds(today, week_start)[0]
    count = len(chart.bars)
    weeks = []
    for i, bar in enumerate(chart.bars):
        start = this_week - dt.timedelta(weeks=count - 1 - i)
        weeks.append(
            {"start": start, "end": start + dt.timedelta(days=6), "done": bar.value, "goal": bar.goal, "met": bar.met}
        )
    return ok({"title": chart.title, "description": chart.desc, "weeks": weeks})


def _months_back(day: dt.date, count: int) -> list[dt.date]:
    """The first days of the `count` months ending with `day`'s, oldest first."""
    year, month = day.year, day.month
    firsts = []
    for _ in range(count):
        firsts.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]


@router.get("/analytics/habits/{int:habit_id}/monthly", response=responses(Monthly), summary="Done per month")
def monthly(request: HttpRequest, habit_id: int):
    """Done count per calendar month for the last months, oldest first."""
    _, built, today, _ = _charts(request, habit_id)
    chart = built["monthly"]
    firsts = _months_back(today, len(chart.bars))
    months = [
        {"month": f"{first:%Y-%m}", "start": first, "done": bar.value} for first, bar in zip(firsts, chart.bars)
    ]
    return ok({"title": chart.title, "description": chart.desc, "months": months})


@router.get(
    "/analytics/habits/{int:habit_id}/consistency-trend",
    response=responses(ConsistencyTrend),
    summary="Consistency, day by day",
)
def consistency_trend(request: HttpRequest, habit_id: int):
    """Consistency (0–100, over the 30 days up to each day) for each of the last 90 days,
    oldest first; null before the habit started or when nothing was expected."""
    _, built, _, _ = _charts(request, habit_id)
    chart = built["consistency"]
    return ok(
        {
            "title": chart.title,
            "description": chart.desc,
            "window_days": CONSISTENCY_WINDOW_DAYS,
            "points": [{"date": day, "value": value} for day, value in chart.points],
        }
    )
