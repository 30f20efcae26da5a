"""Live messages reach every tab of a user, whatever page it shows: a tab on a habit's or a
goal's page swaps in only what it has (no htmx:oobErrorNoTarget for Today's row and
progress), and a row pushed to another Today tab carries that tab's CSRF token."""

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


@pytest.fixture
def account(make_user):
    user = make_user("pages@example.com", PASSWORD)
    user.profile.timezone = "Pacific/Auckland"  # the browser's zone in these tests
    user.profile.save()
    today = user.profile.local_today()
    stretch = save_habit(Habit(user=user, name="Stretch", start_date=today - dt.timedelta(days=3)))
    save_habit(Habit(user=user, name="Read", start_date=today - dt.timedelta(days=3)))
    goal = Goal.objects.create(user=user, name="Stretch twice", target_value=Decimal(2), start_date=today)
    GoalHabit.objects.create(goal=goal, habit=stretch, weight=Decimal(1))
    return user, stretch, goal


def _errors(page: Page) -> list[str]:
    found: list[str] = []
    page.on("console", lambda message: found.append(message.text) if message.type == "error" else None)
    return found


def _token(page: Page) -> str:
    return page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRFToken']")


def test_a_tick_reaches_other_pages_without_oob_errors(server, page: Page, context, account):
    user, stretch, goal = account
    log_in(page, server.url, user.email)
    habit_tab, goal_tab, today_tab = context.new_page(), context.new_page(), context.new_page()
    errors = {tab: _errors(tab) for tab in (habit_tab, goal_tab, today_tab)}
    habit_tab.goto(f"{server.url}/habits/{stretch.pk}/")
    goal_tab.goto(f"{server.url}/goals/{goal.pk}/")
    today_tab.goto(f"{server.url}/")
    for tab in (page, habit_tab, goal_tab, today_tab):
        expect(tab.locator("body")).to_have_attribute("data-live", "open")

    page.locator(f"#habit-row-{stretch.pk}").get_by_role("button", name="Stretch: mark done").click()

    for tab in (habit_tab, goal_tab, today_tab):
        expect(tab.locator("body")).to_have_attribute("data-live-messages", "1")
    expect(goal_tab.locator("#goal-progress .goal-figure")).to_contain_text("50%")
    # What the page has is swapped: the XP bar everywhere, the row and total on Today.
    for tab in (habit_tab, goal_tab, today_tab):
        expect(tab.locator("#xp-bar .xp-today")).not_to_have_text("+0")
    row = today_tab.locator(f"#habit-row-{stretch.pk}")
    expect(row).to_have_class("habit-row is-done")
    expect(today_tab.locator("#today-progress")).to_contain_text("1 of 2 done")
    today_tab.wait_for_timeout(300)  # any late swap would have logged by now
    for tab, found in errors.items():
        assert not [text for text in found if "oobErrorNoTarget" in text], (tab.url, found)

    # The pushed row's forms carry this tab's own CSRF token, and post with it.
    tokens = row.locator('input[name="csrfmiddlewaretoken"]').evaluate_all("inputs => inputs.map(i => i.value)")
    assert tokens and set(tokens) == {_token(today_tab)}
    row.get_by_role("button", name="Stretch: done. Undo").click()
    expect(page.locator(f"#habit-row-{stretch.pk}")).to_have_class("habit-row is-scheduled")
    expect(row).to_have_class("habit-row is-scheduled")
