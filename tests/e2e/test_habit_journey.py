"""Create a habit, tick it on Today without a reload, undo, skip, and backfill yesterday."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from habits.models import Habit, Occurrence
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

EMAIL = "habits@example.com"
PASSWORD = "a-long-pass-phrase-91"


def sign_up(page: Page, base: str) -> None:
    journeys.sign_up(page, base, EMAIL, PASSWORD)


def test_create_tick_undo_skip_and_backfill(server, page: Page):
    sign_up(page, server.url)
    page.get_by_role("link", name="Add your first habit").click()
    page.get_by_label("Name").fill("Stretch")
    page.get_by_label("Pillar").select_option(label="Health")
    # The browser runs in Auckland: the start date is a week before its local today.
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=13))).date()
    page.get_by_label("Starts on").fill((today - dt.timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Add habit").click()
    page.wait_for_url(f"{server.url}/")

    row = page.locator(".habit-row", has_text="Stretch")
    expect(row).to_be_visible()
    page.evaluate("window.notReloaded = true")

    row.get_by_role("button", name="Stretch: mark done").click()
    expect(row).to_have_class("habit-row is-done")
    expect(row.locator(".streak")).to_contain_text("1")
    expect(page.locator("#today-progress")).to_contain_text("1 of 1 done")

    row.get_by_role("button", name="Stretch: done. Undo").click()
    expect(row).to_have_class("habit-row is-scheduled")
    row.get_by_role("button", name="Skip Stretch today").click()
    expect(row).to_have_class("habit-row is-skipped")
    assert page.evaluate("window.notReloaded") is True  # every tap swapped only the row

    habit = Habit.objects.get(name="Stretch")
    assert Occurrence.objects.get(habit=habit, on=today).status == "skipped"

    # The habit page's calendar: a tap marks yesterday done; its editor takes a note.
    row.get_by_role("link", name="Stretch").click()
    yesterday = today - dt.timedelta(days=1)
    page.locator(f"#hm{habit.pk}-{yesterday.isoformat()}").click()
    expect(page.locator(f"#hm{habit.pk}-{yesterday.isoformat()} rect")).to_have_class("hm hm-done")
    page.get_by_role("link", name=f"Notes and amount for {yesterday.day} {yesterday:%b}").click()
    expect(page.get_by_label("Done", exact=True)).to_be_checked()
    page.get_by_label("Note").fill("Made up for it")
    page.get_by_role("button", name="Save day").click()
    page.wait_for_url(f"{server.url}/habits/{habit.pk}/")
    occurrence = Occurrence.objects.get(habit=habit, on=yesterday)
    assert (occurrence.status, occurrence.note) == ("done", "Made up for it")
    habit.refresh_from_db()
    assert habit.current_streak == 1 and habit.total_done == 1


def test_today_at_phone_width(server, page: Page):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_up(page, server.url)
    page.goto(f"{server.url}/habits/new/")
    page.get_by_label("Name").fill("Water")
    page.get_by_label("At least a quantity").check()
    page.get_by_label("Target").fill("3")
    page.get_by_label("Unit").fill("glasses")
    page.get_by_role("button", name="Add habit").click()
    page.wait_for_url(f"{server.url}/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    row = page.locator(".habit-row", has_text="Water")
    for _ in range(3):
        row.get_by_role("button", name="Add 1 to Water (glasses)").click()
        page.wait_for_timeout(150)
    expect(row).to_have_class("habit-row is-done")
    expect(row.locator(".step-value")).to_have_value("3")
