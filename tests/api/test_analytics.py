from __future__ import annotations

import datetime as dt

import pytest

from habits import services

from .conftest import TODAY, make_habit

pytestmark = pytest.mark.django_db


def log(habit, *days: dt.date, status: str = "done") -> None:
    for day in days:
        services.log_occurrence(habit, day, status)


def test_the_dashboard(api, owner, frozen):
    read = make_habit(owner, name="Read", start=TODAY - dt.timedelta(days=5))
    run = make_habit(owner, name="Run", start=TODAY - dt.timedelta(days=5))
    make_habit(owner, name="Later", start=TODAY + dt.timedelta(days=1))
    log(read, *(TODAY - dt.timedelta(days=back) for back in range(4)))  # Sun … Wed
    data = api.get("/api/v1/analytics/dashboard").json()["data"]
    assert data["date"] == "2026-03-04"
    assert (data["today"]["due"], data["today"]["done"]) == (2, 1)
    assert {h["name"]: h["status"] for h in data["today"]["habits"]} == {"Read": "done", "Run": "scheduled"}
    assert data["week"] == {"start": "2026-03-02", "end": "2026-03-08", "done": 3}
    assert data["best_streaks"] == [{"id": read.pk, "name": "Read", "current_streak": 4, "longest_streak": 4}]
    assert [h["name"] for h in data["at_risk"]] == ["Run"]
    assert data["at_risk"][0]["id"] == run.pk


def test_the_dashboard_uses_the_users_week_start(api, owner, frozen):
    owner.profile.week_start = 6  # Sunday
    owner.profile.save()
    data = api.get("/api/v1/analytics/dashboard").json()["data"]
    assert (data["week"]["start"], data["week"]["end"]) == ("2026-03-01", "2026-03-07")


def test_the_heatmap(api, owner, frozen):
    habit = make_habit(owner, start=dt.date(2026, 3, 1))
    log(habit, dt.date(2026, 3, 3))
    log(habit, dt.date(2026, 3, 2), status="skipped")
    data = api.get(f"/api/v1/analytics/habits/{habit.pk}/heatmap").json()["data"]
    days = {day["date"]: day["state"] for day in data["days"]}
    assert len(data["days"]) == 53 * 7
    assert data["end"] == "2026-03-08" and data["start"] == "2025-03-03"
    assert days["2026-02-28"] == "before_start"
    assert days["2026-03-01"] == "missed"
    assert days["2026-03-02"] == "skipped"
    assert days["2026-03-03"] == "done"
    assert days["2026-03-04"] == "open"
    assert days["2026-03-05"] == "future"
    assert data["counts"]["done"] == 1
    assert {"state": "done", "label": "done"} in data["legend"]


def test_weekly_counts(api, owner, frozen):
    habit = make_habit(owner, schedule="per_week", times_per_week=2, start=dt.date(2026, 2, 1))
    log(habit, dt.date(2026, 2, 23), dt.date(2026, 2, 25), dt.date(2026, 3, 3))
    weeks = api.get(f"/api/v1/analytics/habits/{habit.pk}/weekly").json()["data"]["weeks"]
    assert len(weeks) == 12
    assert weeks[-1]["start"] == "2026-03-02" and weeks[-1]["end"] == "2026-03-08"
    assert (weeks[-1]["done"], weeks[-1]["goal"], weeks[-1]["met"]) == (1, 2, False)
    assert weeks[-2]["start"] == "2026-02-23"
    assert (weeks[-2]["done"], weeks[-2]["met"]) == (2, True)


def test_monthly_counts(api, owner, frozen):
    habit = make_habit(owner, start=dt.date(2026, 1, 1))
    log(habit, dt.date(2026, 1, 5), dt.date(2026, 2, 5), dt.date(2026, 2, 6), dt.date(2026, 3, 1))
    months = api.get(f"/api/v1/analytics/habits/{habit.pk}/monthly").json()["data"]["months"]
    assert len(months) == 12
    assert months[0] == {"month": "2025-04", "start": "2025-04-01", "done": 0}
    assert [(m["month"], m["done"]) for m in months[-3:]] == [("2026-01", 1), ("2026-02", 2), ("2026-03", 1)]


def test_the_consistency_trend(api, owner, frozen):
    habit = make_habit(owner, start=dt.date(2026, 3, 1))
    log(habit, dt.date(2026, 3, 1), dt.date(2026, 3, 2), dt.date(2026, 3, 3), dt.date(2026, 3, 4))
    data = api.get(f"/api/v1/analytics/habits/{habit.pk}/consistency-trend").json()["data"]
    points = data["points"]
    assert data["window_days"] == 30
    assert len(points) == 90
    assert points[-1] == {"date": "2026-03-04", "value": 100}
    assert points[0]["value"] is None  # before the start
    assert data["title"] and data["description"]


def test_adaptive_suggestions(api, owner, frozen):
    habit = make_habit(owner, start=TODAY - dt.timedelta(days=20), difficulty="hard")
    data = api.get(f"/api/v1/suggestions/habits/{habit.pk}/adaptive").json()["data"]
    codes = [s["code"] for s in data["suggestions"]]
    assert data["habit"] == habit.pk
    assert codes == [code for code, _ in services.suggestions_for(habit, TODAY)]
    assert "lower_frequency" in codes and "easier_difficulty" in codes
    assert all(s["message"] for s in data["suggestions"])


def test_a_steady_habit_gets_no_suggestions(api, owner, frozen):
    habit = make_habit(owner, start=TODAY - dt.timedelta(days=3))
    log(habit, *(TODAY - dt.timedelta(days=back) for back in range(4)))
    assert api.get(f"/api/v1/suggestions/habits/{habit.pk}/adaptive").json()["data"]["suggestions"] == []
