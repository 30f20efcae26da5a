"""The API tokens page at 360 px: create a token, copy it with the button (or select it by
hand without JavaScript), every token's row fits the screen, revoke one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from habitstory.api import services
from habitstory.api.models import ApiToken
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-pass-phrase-91"
PHONE = {"width": 360, "height": 780}


def log_in(page: Page, base: str, email: str) -> None:
    journeys.log_in(page, base, email, PASSWORD)


def assert_fits(page: Page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for box in page.locator("#api-tokens li, #api-tokens li *").evaluate_all(
        "els => els.map(el => el.getBoundingClientRect()).map(r => [r.left, r.right])"
    ):
        assert 0 <= box[0] and box[1] <= width, box


def test_tokens_fit_a_phone_and_copy_with_the_button(server, browser: Browser, make_user):
    user = make_user("tokens@example.com", PASSWORD)
    services.issue_token(user, "Laptop script with a rather long name")
    context = browser.new_context(viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    page = context.new_page()
    log_in(page, server.url, user.email)

    page.goto(f"{server.url}/profile/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    expect(page.locator("#api-tokens")).to_contain_text("You have 1 active token.")
    page.get_by_role("link", name="Manage API tokens").click()
    page.wait_for_url(f"{server.url}/profile/tokens/")
    page.get_by_label("Token name").fill("Shortcuts on my phone")
    page.get_by_role("button", name="Create token").click()

    field = page.locator("#api-new-token")
    raw = field.input_value()
    assert raw.startswith("hs_")
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == raw

    assert_fits(page, PHONE["width"])
    form_top = page.get_by_role("heading", name="New token", exact=True).bounding_box()["y"]
    list_bottom = page.locator("#api-tokens").bounding_box()
    assert form_top - (list_bottom["y"] + list_bottom["height"]) >= 16  # "New token" clear of the list

    page.get_by_role("button", name="Revoke Shortcuts on my phone").click()
    expect(page.locator("#api-tokens li", has_text="Shortcuts on my phone")).to_contain_text("revoked")
    assert ApiToken.objects.get(name="Shortcuts on my phone").revoked_at is not None
    context.close()


def test_without_javascript_the_token_is_there_to_select(server, browser: Browser, make_user):
    user = make_user("nojs@example.com", PASSWORD)
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server.url}/accounts/login/")
    page.locator('input[name="login"]').fill(user.email)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.locator('form button[type="submit"]').last.click()
    page.goto(f"{server.url}/profile/tokens/")
    page.get_by_label("Token name").fill("Cron job")
    page.get_by_role("button", name="Create token").click()
    field = page.locator("#api-new-token")
    expect(field).to_be_visible()
    expect(field).to_have_attribute("readonly", "")
    assert field.input_value().startswith("hs_")
    expect(page.get_by_role("button", name="Copy")).to_be_hidden()
    assert_fits(page, PHONE["width"])
    context.close()
