"""Live sync between tabs of one account, in Chromium: a tick in one tab updates the other
tabs (Today's row and progress, the XP bar, a goal's progress) without a reload; a tab
whose socket dropped re-renders its live regions when it reconnects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from goals.models import Goal, GoalHabit
from habits.models import Habit
from habits.services import log_occurrence, save_habit
from habitstory.live.events import group_name
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-pass-phrase-91"


def log_in(page: Page, base: str, email: str) -> None:
    journeys.log_in(page, base, email, PASSWORD)


@pytest.fixture
def account(make_user):
    user = make_user("tabs@example.com", PASSWORD)
    user.profile.timezone = "Pacific/Auckland"  # the browser's zone in these tests
    user.profile.save()
    today = user.profile.local_today()
    start = today - dt.timedelta(days=3)
    stretch = save_habit(Habit(user=user, name="Stretch", start_date=start))
    read = save_habit(Habit(user=user, name="Read", start_date=start))
    goal = Goal.objects.create(user=user, name="Stretch twice", target_value=Decimal(2), start_date=today)
    GoalHabit.objects.create(goal=goal, habit=stretch, weight=Decimal(1))
    return user, stretch, read, goal


def _live(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-live", "open")


def test_a_tick_in_one_tab_updates_the_others_without_a_reload(server, page: Page, context, account):
    user, stretch, read, goal = account
    log_in(page, server.url, user.email)
    other = context.new_page()
    other.goto(f"{server.url}/")
    goals_tab = context.new_page()
    goals_tab.goto(f"{server.url}/goals/{goal.pk}/")
    for tab in (page, other, goals_tab):
        _live(tab)
        tab.evaluate("window.notReloaded = true")
    expect(other.locator("#today-progress")).to_contain_text("0 of 2 done")
    expect(goals_tab.locator("#goal-progress .goal-figure")).to_contain_text("0")

    page.locator(".habit-row", has_text="Stretch").get_by_role("button", name="Stretch: mark done").click()

    # The other Today tab: the row, the day's progress and the XP bar, swapped out-of-band.
    expect(other.locator(f"#habit-row-{stretch.pk}")).to_have_class("habit-row is-done")
    expect(other.locator("#today-progress")).to_contain_text("1 of 2 done")
    expect(other.locator("#xp-bar .xp-today")).not_to_have_text("+0")
    # The goal's page re-renders its progress from the server.
    expect(goals_tab.locator("#goal-progress .goal-figure")).to_contain_text("1")
    expect(goals_tab.locator("#goal-progress .goal-figure")).to_contain_text("50%")
    expect(goals_tab.locator("#xp-bar .xp-today")).not_to_have_text("+0")

    # And back: undo in the other tab reaches the first one.
    other.locator(f"#habit-row-{stretch.pk}").get_by_role("button", name="Stretch: done. Undo").click()
    expect(page.locator(f"#habit-row-{stretch.pk}")).to_have_class("habit-row is-scheduled")
    expect(page.locator("#today-progress")).to_contain_text("0 of 2 done")
    expect(goals_tab.locator("#goal-progress .goal-figure")).to_contain_text("0%")
    for tab in (page, other, goals_tab):
        assert tab.evaluate("window.notReloaded") is True


def test_a_tab_whose_socket_dropped_resyncs_when_it_reconnects(server, page: Page, account):
    user, stretch, read, goal = account
    log_in(page, server.url, user.email)
    _live(page)
    page.evaluate("window.notReloaded = true")
    row = page.locator(f"#habit-row-{read.pk}")
    expect(row).to_have_class("habit-row is-scheduled")

    # A change the socket never told this tab about (made while it was away)...
    log_occurrence(read, user.profile.local_today(), "done")
    expect(row).to_have_class("habit-row is-scheduled")

    # ...shows once the socket drops and comes back.
    from channels.layers import get_channel_layer

    server.call(get_channel_layer().group_send(group_name(user.pk), {"type": "live.reconnect"}))
    expect(page.locator("body")).to_have_attribute("data-live-refreshes", "1", timeout=10_000)
    expect(row).to_have_class("habit-row is-done")
    expect(page.locator("#today-progress")).to_contain_text("1 of 2 done")
    _live(page)
    assert page.evaluate("window.notReloaded") is True

    # The re-rendered rows still work.
    row.get_by_role("button", name="Read: done. Undo").click()
    expect(row).to_have_class("habit-row is-scheduled")


def test_today_re_renders_itself_when_the_users_day_ends(server, page: Page, account):
    user, stretch, read, goal = account
    page.clock.install()
    log_in(page, server.url, user.email)
    today_page = page.locator("#today-page")
    ends = dt.datetime.fromisoformat(today_page.get_attribute("data-stale-at"))
    assert ends == user.profile.day_ends_at(user.profile.local_today())
    page.clock.run_for(60_000)
    expect(page.locator("body")).not_to_have_attribute("data-live-refreshes", "1")
    # The browser's clock passes the end of the user's day: the page fetches itself again.
    page.clock.fast_forward(int((ends - dt.datetime.now(dt.UTC)).total_seconds() * 1000) + 1000)
    page.clock.run_for(31_000)
    expect(page.locator("body")).to_have_attribute("data-live-refreshes", "1")
    expect(page.locator(f"#habit-row-{stretch.pk}")).to_be_visible()
    # The server's clock has not moved, so the fresh page names the same end: a device
    # whose clock runs ahead does not fetch it again every 30 seconds.
    page.clock.run_for(95_000)
    page.wait_for_timeout(500)
    expect(page.locator("body")).to_have_attribute("data-live-refreshes", "1")
