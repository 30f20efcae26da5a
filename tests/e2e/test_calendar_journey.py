"""The habit page's calendar on a phone: every day a target of at least 24 px, a tap that
cycles the day done → skipped → clear in place (and the same from the keyboard), and,
without JavaScript, a day that opens its editor."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Browser, Page, expect

from habits.models import Habit, Occurrence
from habitstory.accounts.models import User
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
EMAIL = "calendar@example.com"
PASSWORD = "a-long-pass-phrase-92"


def sign_up(page: Page, base: str) -> User:
    journeys.sign_up(page, base, EMAIL, PASSWORD)
    return User.objects.get(email=EMAIL)


def a_habit(user: User) -> tuple[Habit, dt.date]:
    today = user.profile.local_today()
    habit = Habit.objects.create(user=user, name="Stretch", start_date=today - dt.timedelta(days=20))
    return habit, today


def settled(page: Page) -> None:
    """htmx has finished the swap (it wires the new calendar's days as it settles)."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def small_targets(page: Page) -> list[str]:
    """Every link of the calendars as drawn (hidden ones have no box): any under 24 px."""
    return page.evaluate("""() => [...document.querySelectorAll('svg.heatmap a')]
        .map((link) => [link.id, link.getBoundingClientRect()])
        .filter(([, box]) => box.width > 0 && (box.width < 24 || box.height < 24))
        .map(([id, box]) => `${id}: ${box.width.toFixed(1)} × ${box.height.toFixed(1)}`)""")


def test_at_360_px_every_day_is_a_24_px_target_and_a_tap_cycles_it(server, page: Page):
    page.set_viewport_size(PHONE)
    habit, today = a_habit(sign_up(page, server.url))
    yesterday = today - dt.timedelta(days=1)
    page.goto(f"{server.url}/habits/{habit.pk}/")

    expect(page.locator("svg.heatmap-wide")).to_be_hidden()
    expect(page.locator("svg.heatmap-narrow")).to_be_visible()
    visible = page.evaluate("[...document.querySelectorAll('svg.heatmap a')].filter((a) => a.getBoundingClientRect().width > 0).length")
    assert visible >= 7 * 7  # the last 8 weeks, up to today
    assert small_targets(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.evaluate("window.notReloaded = true")
    day = page.locator(f"#hmn{habit.pk}-{yesterday.isoformat()}")
    status = page.locator(f"#habit-{habit.pk}-chart-calendar-status")
    day.click()
    expect(day.locator("rect")).to_have_class("hm hm-done")
    expect(status).to_contain_text("done.")
    settled(page)
    assert Occurrence.objects.get(habit=habit, on=yesterday).status == "done"
    expect(page.locator("#habit-figures")).to_contain_text("Current streak")

    day.click()
    expect(day.locator("rect")).to_have_class("hm hm-skipped")
    assert Occurrence.objects.get(habit=habit, on=yesterday).status == "skipped"
    settled(page)
    day.click()
    expect(day.locator("rect")).to_have_class("hm hm-missed")  # cleared: a past day left open
    expect(status).to_contain_text("cleared.")
    assert Occurrence.objects.get(habit=habit, on=yesterday).status == "scheduled"
    assert page.evaluate("window.notReloaded") is True  # each tap swapped the calendar in place
    assert small_targets(page) == []

    # The day's editor stays a tap away, for notes and amounts.
    status.get_by_role("link").click()
    page.wait_for_url(f"{server.url}/habits/{habit.pk}/day/{yesterday.isoformat()}/")


def test_the_keyboard_cycles_a_day_and_keeps_its_focus(server, page: Page):
    page.set_viewport_size(PHONE)
    habit, today = a_habit(sign_up(page, server.url))
    page.goto(f"{server.url}/habits/{habit.pk}/")
    day_id = f"hmn{habit.pk}-{today.isoformat()}"
    page.locator(f"#{day_id}").focus()
    assert page.evaluate("document.activeElement.id") == day_id
    page.keyboard.press("Enter")
    expect(page.locator(f"#{day_id} rect")).to_have_class("hm hm-done")
    settled(page)
    assert page.evaluate("document.activeElement.id") == day_id  # the focus stays on the day
    page.keyboard.press("Enter")
    expect(page.locator(f"#{day_id} rect")).to_have_class("hm hm-skipped")
    assert Occurrence.objects.get(habit=habit, on=today).status == "skipped"


def test_without_javascript_a_day_opens_its_editor(server, browser: Browser, page: Page):
    habit, today = a_habit(sign_up(page, server.url))
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, storage_state=page.context.storage_state())
    plain = context.new_page()
    plain.goto(f"{server.url}/habits/{habit.pk}/")
    expect(plain.get_by_text("Choose a day to open it.")).to_be_visible()
    plain.locator(f"#hmn{habit.pk}-{today.isoformat()}").click()
    plain.wait_for_url(f"{server.url}/habits/{habit.pk}/day/{today.isoformat()}/")
    assert not Occurrence.objects.filter(habit=habit).exists()
    context.close()
