"""Tick the habit that completes a goal: the XP bar moves, a toast says so, the goal page
says completed; undo, and it is in progress again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from goals.models import Goal, GoalHabit
from habits.models import Habit
from habits.services import save_habit
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-pass-phrase-91"


def log_in(page: Page, base: str, email: str) -> None:
    journeys.log_in(page, base, email, PASSWORD)


def test_a_tick_completes_a_goal_and_undo_reopens_it(server, page: Page, make_user):
    user = make_user("goals@example.com", PASSWORD)
    user.profile.timezone = "Pacific/Auckland"  # the browser's zone in these tests
    user.profile.save()
    today = user.profile.local_today()
    habit = save_habit(Habit(user=user, name="Stretch", start_date=today - dt.timedelta(days=3), difficulty="hard"))
    goal = Goal.objects.create(user=user, name="Stretch once", target_value=Decimal(1), start_date=today)
    GoalHabit.objects.create(goal=goal, habit=habit, weight=Decimal(1))

    log_in(page, server.url, user.email)
    xp_today = page.locator("#xp-bar .xp-today")
    expect(xp_today).to_have_text("+0")
    row = page.locator(".habit-row", has_text="Stretch")
    row.get_by_role("button", name="Stretch: mark done").click()
    expect(row).to_have_class("habit-row is-done")
    expect(page.locator("#toasts .toast", has_text="Goal complete: Stretch once")).to_be_visible()
    expect(xp_today).not_to_have_text("+0")  # 20 for the tick, 100 for the goal, and achievements
    assert int(xp_today.inner_text().lstrip("+")) >= 120

    page.goto(f"{server.url}/goals/{goal.pk}/")
    expect(page.get_by_text("Completed", exact=False).first).to_be_visible()

    page.goto(f"{server.url}/")
    page.locator(".habit-row", has_text="Stretch").get_by_role("button", name="Stretch: done. Undo").click()
    expect(page.locator(".habit-row", has_text="Stretch")).to_have_class("habit-row is-scheduled")
    page.goto(f"{server.url}/goals/{goal.pk}/")
    expect(page.get_by_text("In progress", exact=False).first).to_be_visible()
    goal.refresh_from_db()
    assert goal.completed_at is None and goal.current_value == 0
