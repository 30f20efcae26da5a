"""Billing's pages: the plan and usage page, pricing, the buttons that leave for Stripe
(Checkout, the Portal) against the local fake, the success and cancel pages, the grace
banner on every page and what it costs, and the profile's link."""

from __future__ import annotations

import datetime as dt
import socket

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from habitstory.billing import context_processors, views
from habitstory.billing.models import Kind, PlanLimit

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
BILLING, PRICING, CHECKOUT, PORTAL = "/billing/", "/billing/pricing/", "/billing/checkout/", "/billing/portal/"
SUCCESS, CANCEL = "/billing/success/", "/billing/cancel/"
PROMISE = ("Downgrading loses nothing: all your habits, goals and quests stay visible and trackable; "
           "only adding more beyond the Free limits waits until you are under them.")
OFF = "Billing is off on this server: everything is unlimited"


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def free_limits():
    """The suggested Free limits, set here (a transactional test elsewhere may have flushed
    the rows the migration seeded)."""
    for kind, limit in {"pillars": 3, "habits": 10, "goals": 3, "quests": 10, "uploads": 10}.items():
        PlanLimit.objects.update_or_create(kind=kind, defaults={"free_limit": limit})


@pytest.fixture
def unreachable(settings, billing_on):
    """Billing on, but Stripe's API does not answer (a port nobody listens on)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"
    return billing_on


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _grace(make_premium, user, *, days_ago: int = 2):
    return make_premium(user, status="past_due", past_due_since=NOW - dt.timedelta(days=days_ago))


# --- the billing page ----------------------------------------------------------------------


def test_it_needs_login(client):
    for url in (BILLING, SUCCESS, CANCEL):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    for url in (CHECKOUT, PORTAL):
        response = client.post(url, {"interval": "month"})
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_it_refuses_the_wrong_methods(owner_client):
    assert owner_client.post(BILLING).status_code == 405
    assert owner_client.post(PRICING).status_code == 405
    assert owner_client.post(SUCCESS).status_code == 405
    assert owner_client.get(CHECKOUT).status_code == 405
    assert owner_client.get(PORTAL).status_code == 405


def test_billing_off_says_so_and_offers_nothing_to_buy(owner_client):
    html = owner_client.get(BILLING).content.decode()
    assert OFF in html
    assert "Unlimited" in html and "Free" not in html.split('id="plan-title"')[1].split("</section>")[0]
    assert 'action="/billing/checkout/"' not in html and 'action="/billing/portal/"' not in html
    assert "no limit" in html and 'role="progressbar"' not in html  # usage, without limits
    assert PROMISE in html and "Stripe e-mails your receipts; the portal lists them." in html


def test_free_shows_usage_against_each_limit_and_the_upgrade_buttons(owner_client, owner, billing_on):
    PlanLimit.objects.filter(kind=Kind.PILLARS).update(free_limit=4)
    html = owner_client.get(BILLING).content.decode()
    assert '<p class="plan-name">Free</p>' in html and OFF not in html
    assert "0 of 4" in html and "0 of 10" in html and "0 of 3" in html  # pillars; habits; goals
    assert html.count('role="progressbar"') == len(Kind.choices)
    for kind in Kind:
        assert f'id="usage-{kind.value}">{kind.label}</span>' in html
    assert html.count('action="/billing/checkout/"') == 2
    assert 'value="month"' in html and "Upgrade monthly" in html and "Upgrade yearly" in html
    assert 'action="/billing/portal/"' not in html  # no customer yet: nothing to manage
    assert PROMISE in html
    assert billing_on.requests == []  # opening the page asks Stripe nothing


def test_only_the_intervals_with_a_price_are_offered(owner_client, billing_on, settings):
    settings.STRIPE_PRICE_YEARLY = ""
    html = owner_client.get(BILLING).content.decode()
    assert "Upgrade monthly" in html and "Upgrade yearly" not in html


def test_a_full_and_an_over_limit_kind_say_what_that_means(owner_client, billing_on):
    PlanLimit.objects.filter(kind=Kind.PILLARS).update(free_limit=0)
    html = owner_client.get(BILLING).content.decode()
    assert "At the Free limit: adding more needs Premium." in html  # 0 of 0
    assert "Over the Free limit" not in html


def test_premium_shows_the_next_invoice_and_manage(owner_client, owner, billing_on, make_premium):
    make_premium(owner, current_period_end=NOW + dt.timedelta(days=20), interval="year")
    html = owner_client.get(BILLING).content.decode()
    assert "Premium" in html and "Yearly" in html
    assert "Next invoice on" in html and "30 March 2026" in html
    assert 'action="/billing/portal/"' in html and "Manage subscription" in html
    assert 'action="/billing/checkout/"' not in html
    assert 'role="progressbar"' not in html and "no limit" in html


def test_premium_cancelling_shows_until_when(owner_client, owner, billing_on, make_premium):
    make_premium(owner, current_period_end=NOW + dt.timedelta(days=5), cancel_at_period_end=True)
    html = owner_client.get(BILLING).content.decode()
    assert "Premium until" in html and "15 March 2026" in html and "Next invoice" not in html


def test_a_cancelled_subscription_is_free_and_can_still_open_the_portal(owner_client, owner, billing_on,
                                                                         make_premium):
    make_premium(owner, status="canceled", canceled_at=NOW - dt.timedelta(days=1))
    html = owner_client.get(BILLING).content.decode()
    assert '<p class="plan-name">Free</p>' in html
    assert "Upgrade monthly" in html and "Manage subscription" in html  # old receipts live in the portal


# --- the grace banner ------------------------------------------------------------------------


def test_grace_shows_the_banner_on_every_page(owner_client, owner, billing_on, make_premium):
    _grace(make_premium, owner, days_ago=2)
    for url in ("/", "/habits/", "/profile/", BILLING):
        html = owner_client.get(url).content.decode()
        assert "Your last payment failed. Premium stays until" in html, url
        assert "15 March 2026" in html, url  # failed 8 March + 7 days
        assert 'class="notice notice-warning billing-banner"' in html
        assert 'action="/billing/portal/"' in html
    html = owner_client.get(BILLING).content.decode()
    assert html.count("Your last payment failed.") == 1 and "Next invoice" not in html  # the banner, once


def test_after_the_grace_the_banner_goes_and_the_plan_is_free(owner_client, owner, billing_on, make_premium):
    _grace(make_premium, owner, days_ago=7)
    html = owner_client.get(BILLING).content.decode()
    assert "billing-banner" not in html and '<p class="plan-name">Free</p>' in html


def test_no_banner_when_paid_up_or_billing_off(owner_client, owner, billing_on, make_premium, settings):
    make_premium(owner)
    assert "billing-banner" not in owner_client.get("/").content.decode()
    _grace(make_premium, owner)
    settings.STRIPE_SECRET_KEY = ""  # billing off: no banner, whatever the stored state says
    assert "billing-banner" not in owner_client.get("/").content.decode()


def _subscription_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return sum('"billing_subscription"' in query["sql"] for query in queries.captured_queries)


def test_the_banner_costs_one_query_for_a_user_and_none_for_anyone_else(client, owner, billing_on,
                                                                         make_premium, settings):
    assert _subscription_queries(client, PRICING) == 0  # signed out
    client.force_login(owner)
    _grace(make_premium, owner)
    assert _subscription_queries(client, "/") == 1  # the banner's read, shared with the checks
    assert _subscription_queries(client, BILLING) == 1
    settings.STRIPE_SECRET_KEY = ""
    assert _subscription_queries(client, "/") == 0


def test_the_context_processor_alone(rf, owner, django_user_model, billing_on, make_premium, settings,
                                     django_assert_num_queries):
    request = rf.get("/")
    request.user = django_user_model.objects.get(pk=owner.pk)
    _grace(make_premium, owner)
    with django_assert_num_queries(1):
        assert context_processors.banner(request) == {"billing_banner": {"until": NOW + dt.timedelta(days=5)}}
        assert context_processors.banner(request)  # cached on the user: no second query
    settings.STRIPE_SECRET_KEY = ""
    request.user = django_user_model.objects.get(pk=owner.pk)
    with django_assert_num_queries(0):
        assert context_processors.banner(request) == {}


# --- pricing ------------------------------------------------------------------------------------


def test_pricing_is_public_and_shows_the_limits(client, billing_on):
    PlanLimit.objects.filter(kind=Kind.HABITS).update(free_limit=12)
    PlanLimit.objects.filter(kind=Kind.UPLOADS).update(free_limit=None)
    html = client.get(PRICING).content.decode()
    assert "<th scope=\"row\">Active habits</th><td>12</td><td>No limit</td>" in html
    assert "<th scope=\"row\">Verification uploads this month</th><td>No limit</td>" in html
    assert "Insight forecasts" in html and "House cup history" in html and "Extra pet species" in html
    assert "Monthly or yearly" in html and html.count(">Not included<") == 4
    assert "Sign up free" in html and 'action="/billing/checkout/"' not in html


def test_pricing_offers_the_upgrade_to_a_free_user(owner_client, billing_on):
    html = owner_client.get(PRICING).content.decode()
    assert html.count('action="/billing/checkout/"') == 2 and "Sign up free" not in html


def test_pricing_for_premium_and_with_billing_off(owner_client, owner, billing_on, make_premium, settings):
    make_premium(owner)
    html = owner_client.get(PRICING).content.decode()
    assert "You have Premium" in html and 'action="/billing/checkout/"' not in html
    settings.STRIPE_SECRET_KEY = ""
    html = owner_client.get(PRICING).content.decode()
    assert OFF in html and 'action="/billing/checkout/"' not in html and "You have Premium" not in html


# --- checkout and portal -------------------------------------------------------------------------


def test_upgrade_goes_to_stripe_checkout(owner_client, owner, billing_on):
    response = owner_client.post(CHECKOUT, {"interval": "year"})
    assert response.status_code == 303
    assert response["Location"].startswith(f"{billing_on.url}/pay/cs_test_")
    session = next(iter(billing_on.checkout_sessions.values()))
    assert session["price"] == "price_yearly" and session["client_reference_id"] == str(owner.pk)
    assert session["success_url"].startswith("http://testserver/billing/success/")
    assert session["cancel_url"] == "http://testserver/billing/cancel/"


def test_upgrade_with_billing_off_goes_back_with_a_message(owner_client):
    response = owner_client.post(CHECKOUT, {"interval": "month"})
    assert response.status_code == 302 and response["Location"] == BILLING
    assert _messages(response) == [views.BILLING_OFF]


def test_upgrade_with_a_bad_interval_goes_back(owner_client, billing_on):
    response = owner_client.post(CHECKOUT, {"interval": "weekly"})
    assert response.status_code == 302 and response["Location"] == BILLING
    assert _messages(response) == ["Choose monthly or yearly to upgrade."]
    assert billing_on.checkout_sessions == {}


@pytest.mark.parametrize("fields", [{}, {"status": "past_due", "past_due_since": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}])
def test_premium_is_not_sold_twice(owner_client, owner, billing_on, make_premium, fields):
    """Premium, or a subscription whose grace is over (its card to update): no second Checkout."""
    make_premium(owner, **fields)
    response = owner_client.post(CHECKOUT, {"interval": "month"})
    assert response.status_code == 302 and response["Location"] == BILLING
    assert "already have a subscription" in _messages(response)[0]
    assert billing_on.requests == []


def test_stripe_unreachable_at_checkout_says_nothing_was_charged(owner_client, unreachable):
    response = owner_client.post(CHECKOUT, {"interval": "month"})
    assert response.status_code == 302 and response["Location"] == BILLING
    assert _messages(response) == [views.STRIPE_DOWN]
    assert views.STRIPE_DOWN in owner_client.get(BILLING).content.decode()  # the toast on the page


def test_stripe_unreachable_at_the_portal_says_so(owner_client, owner, unreachable, make_premium):
    make_premium(owner)
    response = owner_client.post(PORTAL)
    assert response.status_code == 302 and response["Location"] == BILLING
    assert _messages(response) == [views.STRIPE_DOWN]


def test_manage_opens_the_portal(owner_client, owner, billing_on, make_premium):
    make_premium(owner)
    response = owner_client.post(PORTAL)
    assert response.status_code == 303 and response["Location"].startswith(f"{billing_on.url}/portal/bps_")
    portal = next(iter(billing_on.portal_sessions.values()))
    assert portal["customer"] == f"cus_{owner.pk}" and portal["return_url"] == "http://testserver/billing/"


def test_manage_without_a_customer_goes_back(owner_client, billing_on):
    response = owner_client.post(PORTAL)
    assert response.status_code == 302 and response["Location"] == BILLING
    assert "no subscription to manage" in _messages(response)[0]
    assert billing_on.portal_sessions == {}


def test_manage_with_billing_off_goes_back(owner_client):
    response = owner_client.post(PORTAL)
    assert response.status_code == 302 and _messages(response) == [views.BILLING_OFF]


def test_the_pages_allow_forms_to_reach_stripe(owner_client, billing_on):
    policy = owner_client.get(BILLING)["Content-Security-Policy"]
    form_action = next(part for part in policy.split(";") if part.strip().startswith("form-action"))
    assert "https://checkout.stripe.com" in form_action and "https://billing.stripe.com" in form_action
    assert "'self'" in form_action


# --- success and cancel ----------------------------------------------------------------------------


def test_success_waits_for_the_webhook_by_polling(owner_client, billing_on):
    html = owner_client.get(SUCCESS + "?session_id=cs_test_1").content.decode()
    assert "Thank you" in html and "Waiting for Stripe to confirm" in html
    assert 'hx-trigger="every 2s"' in html and 'hx-get="/billing/success/?tries=1"' in html
    fragment = owner_client.get(SUCCESS + "?tries=1", HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<div id="plan-status"') and "<html" not in fragment
    assert 'hx-get="/billing/success/?tries=2"' in fragment


def test_success_shows_premium_once_the_webhook_landed_and_stops_polling(owner_client, owner, billing_on,
                                                                          make_premium):
    make_premium(owner)
    fragment = owner_client.get(SUCCESS + "?tries=3", HTTP_HX_REQUEST="true").content.decode()
    assert "Premium" in fragment and "hx-trigger" not in fragment


def test_success_gives_up_polling_after_a_while(owner_client, billing_on):
    fragment = owner_client.get(f"{SUCCESS}?tries={views.POLL_TRIES}", HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in fragment and "Stripe has not confirmed the payment yet" in fragment
    assert owner_client.get(SUCCESS + "?tries=soon").status_code == 200


def test_success_with_billing_off(owner_client):
    html = owner_client.get(SUCCESS).content.decode()
    assert OFF in html and "hx-trigger=\"every" not in html


def test_cancel_says_nothing_was_charged(owner_client):
    html = owner_client.get(CANCEL).content.decode()
    assert "Nothing was charged" in html and 'href="/billing/"' in html


# --- the profile's link -----------------------------------------------------------------------------


def test_the_profile_links_to_billing(owner_client, owner, billing_on, make_premium):
    html = owner_client.get("/profile/").content.decode()
    assert 'href="/billing/"' in html and "You are on <strong>Free</strong>" in html
    make_premium(owner)
    assert "You are on <strong>Premium</strong>" in owner_client.get("/profile/").content.decode()


def test_the_profile_link_with_billing_off_costs_no_query(owner_client):
    html = owner_client.get("/profile/").content.decode()
    assert 'href="/billing/"' in html and OFF in html
    with CaptureQueriesContext(connection) as queries:
        owner_client.get("/profile/")
    assert not any('"billing_' in query["sql"] for query in queries.captured_queries)
