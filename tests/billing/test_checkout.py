"""Checkout and the Customer Portal through the real `stripe` library against the local fake:
one Customer per user, created once (also when two starts race, on PostgreSQL), the session's
parameters, and billing off (docs/billing.md, "Stripe")."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from habitstory.billing import services
from habitstory.billing.models import Subscription
from tests.concurrency import run_together

SUCCESS, CANCEL = "https://app.example/billing/success/", "https://app.example/billing/cancel/"


def posts(fake, path):
    return [form for method, seen, form in fake.requests if method == "POST" and seen == path]


@pytest.mark.django_db
def test_it_creates_one_customer_per_user(owner, billing_on):
    first = services.ensure_customer(owner)
    assert services.ensure_customer(owner) == first
    assert Subscription.objects.get(user=owner).customer_id == first
    [form] = posts(billing_on, "/v1/customers")
    assert form["email"] == owner.email and form["metadata[user_id]"] == str(owner.pk)
    assert list(billing_on.customers) == [first]


@pytest.mark.django_db
def test_checkout_is_a_subscription_session_for_the_chosen_price(owner, billing_on):
    url = services.start_checkout(owner, "year", success_url=SUCCESS, cancel_url=CANCEL)
    [session] = billing_on.checkout_sessions.values()
    assert url == session["url"] and url.startswith(billing_on.url + "/pay/")
    assert session["mode"] == "subscription" and session["price"] == "price_yearly"
    assert session["client_reference_id"] == str(owner.pk)
    assert session["customer"] == Subscription.objects.get(user=owner).customer_id
    assert session["success_url"] == SUCCESS + "?session_id={CHECKOUT_SESSION_ID}"
    assert session["cancel_url"] == CANCEL
    services.start_checkout(owner, "month", success_url=SUCCESS + "?x=1", cancel_url=CANCEL)
    last = list(billing_on.checkout_sessions.values())[-1]
    assert last["price"] == "price_monthly" and last["success_url"].endswith("?x=1&session_id={CHECKOUT_SESSION_ID}")
    assert len(billing_on.customers) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("interval", ["week", "", "monthly"])
def test_checkout_refuses_another_interval(owner, billing_on, interval):
    with pytest.raises(ValidationError) as caught:
        services.start_checkout(owner, interval, success_url=SUCCESS, cancel_url=CANCEL)
    assert "interval" in caught.value.message_dict and not billing_on.requests


@pytest.mark.django_db
def test_checkout_refuses_an_interval_whose_price_is_unset(owner, billing_on, settings):
    settings.STRIPE_PRICE_YEARLY = ""
    with pytest.raises(ValidationError, match="yearly"):
        services.start_checkout(owner, "year", success_url=SUCCESS, cancel_url=CANCEL)


@pytest.mark.django_db
def test_billing_off_starts_nothing(owner, fake_stripe):
    with pytest.raises(services.BillingOff):
        services.start_checkout(owner, "month", success_url=SUCCESS, cancel_url=CANCEL)
    with pytest.raises(services.BillingOff):
        services.portal_url(owner, SUCCESS)
    assert not fake_stripe.requests and not Subscription.objects.exists()


@pytest.mark.django_db
def test_the_portal_opens_for_the_users_customer(owner, billing_on):
    customer = services.ensure_customer(owner)
    url = services.portal_url(owner, "https://app.example/billing/")
    [portal] = billing_on.portal_sessions.values()
    assert url == portal["url"] and portal["customer"] == customer
    assert portal["return_url"] == "https://app.example/billing/"


@pytest.mark.django_db
def test_the_portal_needs_a_customer(owner, billing_on):
    with pytest.raises(services.NoCustomer):
        services.portal_url(owner, SUCCESS)
    Subscription.objects.create(user=owner)
    with pytest.raises(services.NoCustomer):
        services.portal_url(owner, SUCCESS)


@pytest.mark.django_db
def test_stripe_errors_reach_the_caller_and_store_nothing(owner, billing_on, settings):
    settings.STRIPE_API_BASE = billing_on.url + "/nowhere"
    with pytest.raises(services.stripe_api.stripe.StripeError):
        services.start_checkout(owner, "month", success_url=SUCCESS, cancel_url=CANCEL)
    assert Subscription.objects.get(user=owner).customer_id is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL")
def test_two_checkout_starts_at_once_make_one_customer(owner, billing_on):
    billing_on.customer_delay = 0.3
    urls = []
    errors = run_together([lambda: urls.append(services.start_checkout(
        owner, "month", success_url=SUCCESS, cancel_url=CANCEL))] * 2)
    assert not errors and len(urls) == 2
    assert len(billing_on.customers) == 1 and len(posts(billing_on, "/v1/customers")) == 1
    assert Subscription.objects.get(user=owner).customer_id in billing_on.customers
    assert {session["customer"] for session in billing_on.checkout_sessions.values()} == set(billing_on.customers)


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["active", "trialing", "past_due"])
def test_a_live_subscription_gets_no_second_checkout(owner, billing_on, make_premium, status):
    make_premium(owner, status=status)
    with pytest.raises(services.AlreadySubscribed):
        services.start_checkout(owner, "month", success_url="http://testserver/s/", cancel_url="http://testserver/c/")
    assert not billing_on.checkout_sessions


@pytest.mark.django_db
def test_after_cancellation_checkout_starts_again(owner, billing_on, make_premium):
    make_premium(owner, status="canceled")
    url = services.start_checkout(owner, "year", success_url="http://testserver/s/", cancel_url="http://testserver/c/")
    assert url.startswith(billing_on.url)
