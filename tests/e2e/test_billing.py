"""Premium in Chromium, against the local fake of Stripe: Upgrade leads to the (fake)
Checkout page, Stripe's signed webhooks arrive, and the success page (polling) turns to
Premium. Then the billing pages with billing on, and the grace banner, are checked with axe
at phone width in light and dark."""

from __future__ import annotations

import copy
import datetime as dt
import json
import time
import urllib.request

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from habitstory.billing import limits
from habitstory.billing.models import Subscription
from tests.billing.fake_stripe import FakeStripe, event, sign, subscription
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-pass-phrase-17"
WEBHOOK_SECRET = "whsec_e2e_secret"
PHONE = {"width": 360, "height": 780}


@pytest.fixture
def stripe_fake(settings):
    """Billing on as in production, its API (and hosted pages) the local fake; the pages'
    form-action allows the fake's origin as settings.py allows Stripe's."""
    with FakeStripe() as fake:
        settings.STRIPE_SECRET_KEY = "sk_test_fake"
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_fake"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.STRIPE_PRICE_MONTHLY = "price_monthly"
        settings.STRIPE_PRICE_YEARLY = "price_yearly"
        settings.STRIPE_API_BASE = fake.url
        policy = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
        policy["DIRECTIVES"]["form-action"].append(fake.url)
        settings.CONTENT_SECURITY_POLICY = policy
        yield fake


def _post_webhook(base: str, payload: dict) -> int:
    body = json.dumps(payload).encode()
    request = urllib.request.Request(f"{base}/billing/webhook/", data=body, method="POST", headers={
        "Content-Type": "application/json", "Stripe-Signature": sign(body, WEBHOOK_SECRET)})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def _stripe_tells_it_is_paid(base: str, fake: FakeStripe, user) -> None:
    """What Stripe sends once Checkout is paid: the session completed, the subscription created."""
    session = next(iter(fake.checkout_sessions.values()))
    now = int(time.time())
    completed = {"id": session["id"], "object": "checkout.session", "mode": "subscription", "status": "complete",
                 "payment_status": "paid", "customer": session["customer"], "subscription": "sub_e2e",
                 "client_reference_id": str(user.pk), "metadata": {}}
    created = subscription("sub_e2e", session["customer"], "active", created=now, period_end=now + 30 * 86400)
    assert _post_webhook(base, event("checkout.session.completed", completed, created=now)) == 200
    assert _post_webhook(base, event("customer.subscription.created", created, created=now)) == 200


def test_upgrade_pays_on_checkout_and_the_success_page_turns_premium(server, page: Page, make_user, stripe_fake):
    user = make_user("upgrade@example.com", PASSWORD)
    journeys.log_in(page, server.url, user.email, PASSWORD)
    page.goto(f"{server.url}/profile/")
    page.get_by_role("link", name="Plan and billing").click()
    expect(page.get_by_role("heading", name="Plan and billing", level=1)).to_be_visible()
    expect(page.locator(".plan-name")).to_have_text("Free")

    upgrade = page.get_by_role("button", name="Upgrade monthly")
    upgrade.focus()
    page.keyboard.press("Enter")  # the keyboard reaches Stripe as a click would
    page.wait_for_url(f"{stripe_fake.url}/pay/*")
    expect(page.get_by_role("heading", name="Fake Checkout")).to_be_visible()
    session = next(iter(stripe_fake.checkout_sessions.values()))
    assert session["price"] == "price_monthly" and session["client_reference_id"] == str(user.pk)

    page.get_by_role("link", name="Pay").click()
    page.wait_for_url(f"{server.url}/billing/success/*")
    status = page.locator("#plan-status")
    expect(status).to_contain_text("Waiting for Stripe to confirm")  # no webhook yet: the page polls

    _stripe_tells_it_is_paid(server.url, stripe_fake, user)
    expect(status.locator(".plan-name")).to_contain_text("Premium", timeout=10_000)
    assert limits.plan_state(type(user).objects.get(pk=user.pk)).name == "Premium"
    assert "hx-trigger" not in status.evaluate("node => node.outerHTML")  # and it stopped asking

    page.get_by_role("link", name="Plan and billing").click()
    expect(page.locator(".plan-name")).to_contain_text("Premium")
    expect(page.get_by_role("button", name="Manage subscription")).to_be_visible()
    page.get_by_role("button", name="Manage subscription").click()
    page.wait_for_url(f"{stripe_fake.url}/portal/*")
    page.get_by_role("link", name="Return").click()
    page.wait_for_url(f"{server.url}/billing/")


def test_cancelling_checkout_comes_back_to_nothing_charged(server, page: Page, make_user, stripe_fake):
    user = make_user("cancel@example.com", PASSWORD)
    journeys.log_in(page, server.url, user.email, PASSWORD)
    page.goto(f"{server.url}/billing/pricing/")
    page.get_by_role("button", name="Upgrade yearly").click()
    page.wait_for_url(f"{stripe_fake.url}/pay/*")
    page.get_by_role("link", name="Back").click()
    expect(page.get_by_role("heading", name="Checkout cancelled")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Nothing was charged")


def _axe(page: Page, url: str) -> list[str]:
    page.wait_for_load_state("networkidle")
    found = []
    for violation in Axe().run(page).response["violations"]:
        for node in violation["nodes"]:
            found.append(f"{url}: {violation['id']} ({violation['impact']}) at {node['target']}: "
                         f"{node.get('failureSummary', '')}")
    return found


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_billing_pages_with_billing_on_have_no_axe_violations(server, browser: Browser, make_user, stripe_fake,
                                                              scheme):
    user = make_user("axe@example.com", PASSWORD)
    context = browser.new_context(viewport=PHONE, color_scheme=scheme, locale="en-GB", timezone_id="Europe/London")
    page = context.new_page()
    found = []
    for url in ("/billing/pricing/",):  # signed out: the sign-up offer
        page.goto(server.url + url)
        found += _axe(page, url + " (signed out)")
    journeys.log_in(page, server.url, user.email, PASSWORD)
    for url in ("/billing/", "/billing/pricing/", "/billing/success/"):  # Free: upgrade buttons; waiting
        page.goto(server.url + url)
        found += _axe(page, url)
    Subscription.objects.create(user=user, customer_id="cus_axe", subscription_id="sub_axe", status="past_due",
                                interval="month", current_period_end=timezone.now() + dt.timedelta(days=20),
                                past_due_since=timezone.now() - dt.timedelta(days=1), state_at=1)
    for url in ("/", "/billing/"):  # the grace banner; Premium with Manage
        page.goto(server.url + url)
        expect(page.locator(".billing-banner")).to_be_visible()
        found += _axe(page, url + " (grace)")
    context.close()
    assert not found, f"{len(found)} axe violations ({scheme}):\n" + "\n".join(found)
