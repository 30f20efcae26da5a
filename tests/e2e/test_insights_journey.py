"""A check-in from Today at 360 px, by keyboard, in well under ten seconds, the card swapped
without a reload; then the Insights page shows the learning state. And the same card
without JavaScript: a plain form, a refusal that keeps what was typed."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from habitstory.insights.models import CheckIn
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-pass-phrase-91"
PHONE = {"width": 360, "height": 740}


def sign_up(page: Page, base: str, email: str) -> None:
    journeys.sign_up(page, base, email, PASSWORD)


def test_a_check_in_from_today_by_keyboard_then_the_insights_page_is_learning(server, page: Page):
    page.set_viewport_size(PHONE)
    sign_up(page, server.url, "checkin@example.com")
    card = page.locator("#checkin-card")
    expect(card.get_by_role("heading")).to_have_text("How is today going?")
    page.evaluate("window.notReloaded = true")

    started = time.monotonic()
    card.get_by_role("radio", name="Very low").focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # arrows move through the faces, choosing each
    expect(card.get_by_role("radio", name="Good")).to_be_checked()
    slider = card.get_by_role("slider", name=re.compile("^Energy"))
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(card.get_by_role("checkbox", name="Log energy")).to_be_checked()  # moving the slider logs it
    expect(card.locator(".energy-value")).to_have_text("6.5")
    card.locator("summary").focus()
    page.keyboard.press("Enter")  # unfold the rest
    card.get_by_label("Sleep (hours)").focus()
    page.keyboard.type("7.5")
    page.keyboard.press("Enter")  # submits the card
    expect(card.locator(".checkin-saved")).to_contain_text("Saved.")
    assert time.monotonic() - started < 10

    assert page.evaluate("window.notReloaded") is True  # htmx swapped the card
    expect(card.get_by_role("radio", name="Good")).to_be_checked()
    assert page.locator("html").evaluate("e => e.scrollWidth") <= 360
    checkin = CheckIn.objects.get(user__email="checkin@example.com")
    assert (checkin.mood, checkin.energy, checkin.sleep_hours) == ("positive", Decimal("6.5"), Decimal("7.5"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
    page.wait_for_url(f"{server.url}/insights/")
    # The learning state. (Today's own mood is hidden from the day's forecast, whose status
    # this is: it counts the days before today.)
    expect(page.locator(".model-status")).to_contain_text(re.compile(r"learning: [01] of 60 days", re.I))
    expect(page.locator("#learning-progress")).to_be_visible()
    assert page.locator("html").evaluate("e => e.scrollWidth") <= 360


def test_without_javascript_the_card_is_a_plain_form(server, browser: Browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Pacific/Auckland",
                                  java_script_enabled=False, color_scheme="dark")
    page = context.new_page()
    sign_up(page, server.url, "nojs@example.com")
    card = page.locator("#checkin-card")
    # By keyboard (without JavaScript the sign-up's toast stays, over the card's foot).
    card.get_by_role("radio", name="Okay").focus()
    page.keyboard.press("Space")
    card.get_by_role("checkbox", name="Log energy").focus()
    page.keyboard.press("Space")
    card.locator("summary").focus()
    page.keyboard.press("Enter")
    card.get_by_label("Sleep (hours)").fill("30")
    card.get_by_label("Note").fill("Long day")
    card.get_by_role("button", name="Save check-in").press("Enter")
    # Refused: the day's page, the field named, what was typed kept.
    expect(page.locator(".form-errors")).to_contain_text("Sleep (hours)")
    expect(page.get_by_label("Sleep (hours)")).to_have_value("30")
    expect(page.get_by_label("Note")).to_have_value("Long day")
    expect(page.get_by_role("radio", name="Okay")).to_be_checked()
    page.get_by_label("Sleep (hours)").fill("8")
    page.get_by_role("button", name="Save check-in").press("Enter")
    page.wait_for_url(f"{server.url}/")  # back to Today
    expect(page.locator("#toasts")).to_contain_text("saved")
    checkin = CheckIn.objects.get(user__email="nojs@example.com")
    assert (checkin.mood, checkin.energy, checkin.sleep_hours, checkin.note) == (
        "neutral", Decimal(5), Decimal(8), "Long day")
    assert page.locator("html").evaluate("e => e.scrollWidth") <= 360
    context.close()
