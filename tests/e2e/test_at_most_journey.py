"""An "at most" habit on Today at phone width: on track with nothing logged, over the limit
at once (the streak and Skip still there), back on track when lowered, without a reload."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from habits.models import Habit, Occurrence
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

EMAIL = "at-most@example.com"
PASSWORD = "a-long-pass-phrase-91"


def sign_up(page: Page, base: str) -> None:
    journeys.sign_up(page, base, EMAIL, PASSWORD)


def test_on_track_over_the_limit_and_back(server, page: Page):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_up(page, server.url)
    page.goto(f"{server.url}/habits/new/")
    page.get_by_label("Name").fill("Coffee")
    page.get_by_label("At most a quantity").check()
    page.get_by_label("Target").fill("2")
    page.get_by_label("Unit").fill("cups")
    # The browser runs in Auckland: three days before its local today, all within the limit.
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=13))).date()
    page.get_by_label("Starts on").fill((today - dt.timedelta(days=3)).isoformat())
    page.get_by_role("button", name="Add habit").click()
    page.wait_for_url(f"{server.url}/")

    row = page.locator(".habit-row", has_text="Coffee")
    expect(row).to_have_class("habit-row is-scheduled is-on-track")
    expect(row).to_contain_text("On track, 0 of at most 2 cups")
    expect(row.locator(".streak")).to_contain_text("3")
    page.evaluate("window.notReloaded = true")

    plus = row.locator('button[value="plus"]')
    for cups in (1, 2, 3):
        plus.click()
        expect(row).to_contain_text(f"{cups} of at most 2 cups")
    expect(row).to_have_class("habit-row is-missed is-over-limit")
    expect(row).to_contain_text("Over limit, 3 of at most 2 cups")
    expect(row.get_by_role("img", name="Coffee: over the limit today")).to_be_visible()
    expect(row.locator(".streak")).to_contain_text("3 at stake")
    expect(row.get_by_role("button", name="Skip Coffee today")).to_be_visible()
    assert page.locator("html").evaluate("e => e.scrollWidth") <= 360

    row.locator('button[value="minus"]').click()
    expect(row).to_have_class("habit-row is-scheduled is-on-track")
    expect(row).to_contain_text("On track, 2 of at most 2 cups")
    assert page.evaluate("window.notReloaded") is True

    habit = Habit.objects.get(name="Coffee")
    occurrence = Occurrence.objects.get(habit=habit, on=today)
    assert (occurrence.status, occurrence.value) == ("scheduled", 2)
    habit.refresh_from_db()
    assert habit.current_streak == 3
