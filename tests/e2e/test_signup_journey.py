"""A new person signs up in Chromium and gets a working, installable, live app."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from habitstory.accounts.models import User
from habitstory.live import group_name

pytestmark = pytest.mark.e2e

EMAIL = "journey@example.com"
PASSWORD = "a-long-pass-phrase-91"


def sign_up(page: Page, base: str) -> None:
    page.goto(f"{base}/accounts/signup/")
    page.get_by_label("Email", exact=False).first.fill(EMAIL)
    page.locator('input[name="password1"]').fill(PASSWORD)
    page.locator('input[name="password2"]').fill(PASSWORD)
    page.locator('form button[type="submit"]').last.click()
    page.wait_for_url(re.compile(re.escape(base) + r"/(archetypes/quiz/1/)?$"))
    if "/archetypes/quiz/" in page.url:  # the quiz is offered first (test_quiz_journey.py)
        page.get_by_role("button", name="Skip for now").click()
        page.wait_for_url(f"{base}/")


def test_a_new_user_signs_up_and_lands_on_today(server, page: Page):
    sign_up(page, server.url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Hello")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    # The browser's time zone (the context runs in Auckland) reached the profile.
    assert str(User.objects.get(email=EMAIL).profile.timezone) == "Pacific/Auckland"

    # The service worker registers and takes control of the page.
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{server.url}/"

    # The manifest is served with the right type.
    manifest = page.request.get(f"{server.url}/manifest.webmanifest")
    assert manifest.headers["content-type"] == "application/manifest+json"

    # The live socket is open.
    expect(page.locator("body")).to_have_attribute("data-live", "open")


def test_chromium_considers_the_app_installable(server, browser_type, browser_type_launch_args, tmp_path):
    # A persistent profile: Chromium never offers installation in an incognito context.
    context = browser_type.launch_persistent_context(tmp_path / "profile", **browser_type_launch_args)
    try:
        page = context.new_page()
        page.goto(f"{server.url}/accounts/login/")
        page.evaluate("navigator.serviceWorker.ready")
        cdp = context.new_cdp_session(page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == [], errors
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"] == f"{server.url}/manifest.webmanifest"
        assert not manifest["errors"], manifest["errors"]
    finally:
        context.close()


def test_two_tabs_stay_connected_and_both_receive_live_events(server, page: Page, context):
    sign_up(page, server.url)
    second = context.new_page()
    second.goto(f"{server.url}/habits/")
    for tab in (page, second):
        expect(tab.locator("body")).to_have_attribute("data-live", "open")

    user = User.objects.get(email=EMAIL)
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    server.call(
        layer.group_send(
            group_name(user.pk),
            {"type": "live.event", "event": "toast", "data": {"message": "Streak saved!"}},
        )
    )
    for tab in (page, second):
        expect(tab.locator("#toasts .toast", has_text="Streak saved!")).to_be_visible(timeout=3000)
        expect(tab.locator("body")).to_have_attribute("data-live", "open")


def test_an_anonymous_socket_is_refused(server, page: Page):
    page.goto(f"{server.url}/accounts/login/")
    result = page.evaluate(
        """url => new Promise(resolve => {
            const ws = new WebSocket(url);
            ws.onopen = () => resolve("open");
            ws.onclose = event => resolve("closed");
        })""",
        server.url.replace("http://", "ws://") + "/ws/live/",
    )
    assert result == "closed"


def test_the_offline_page_shows_when_the_network_is_gone(server, page: Page, context):
    sign_up(page, server.url)
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now controlled by the service worker
    context.set_offline(True)
    page.goto(f"{server.url}/habits/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    context.set_offline(False)


def test_the_shell_fits_a_phone(server, page: Page):
    page.set_viewport_size({"width": 360, "height": 740})
    sign_up(page, server.url)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    nav = page.get_by_role("navigation", name="Main")
    box = nav.bounding_box()
    assert box["y"] + box["height"] == pytest.approx(740, abs=2)  # bottom bar on phones
    expect(nav.get_by_role("link", name=re.compile("Today"))).to_be_visible()
