"""Billing's pages (docs/billing.md, "Pages"): the user's plan and usage (/billing/), the
public pricing table, and the two buttons that leave for Stripe's hosted pages (Checkout,
the Customer Portal) by a POST answered with a 303. The success page waits for the webhook
(polling a small region) rather than trusting the redirect: only Stripe's signed events
make anyone Premium."""

from __future__ import annotations

import stripe
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from . import limits, services
from .models import Feature, Kind

STRIPE_DOWN = "Stripe could not be reached; nothing was charged. Try again."
BILLING_OFF = "Billing is off on this server: everything is unlimited."
POLL_EVERY = 2  # seconds between the success page's looks at the plan
POLL_TRIES = 60  # then it stops and says the plan will change once Stripe tells us


def _intervals() -> list[tuple[str, str]]:
    """The intervals with a price configured, as (interval, label)."""
    offered = [("month", "monthly", settings.STRIPE_PRICE_MONTHLY), ("year", "yearly", settings.STRIPE_PRICE_YEARLY)]
    return [(interval, label) for interval, label, price in offered if price]


def _see_other(url: str) -> HttpResponse:
    """A form's POST answered with Stripe's page: 303, so the browser GETs it."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _plan(user) -> dict:
    """What the billing page and the success page say about the user's plan now."""
    state = limits.plan_state(user)
    sub = state.subscription
    return {
        "billing_on": state.billing_on,
        "premium": state.premium,
        "plan": state.name,
        "sub": sub,
        "interval_label": {"month": "Monthly", "year": "Yearly"}.get(sub.interval if sub else "", ""),
        "cancelling": state.premium and sub.cancel_at_period_end,
        "grace_until": state.grace_until,
        # a subscription to change or cancel, or an ended one whose receipts the portal lists
        "can_manage": bool(sub and sub.customer_id and sub.subscription_id),
        "intervals": _intervals() if state.billing_on and not state.premium else [],
    }


@login_required
@require_safe
def billing(request: HttpRequest) -> HttpResponse:
    return render(request, "billing/billing.html", {
        **_plan(request.user), "usage": limits.usage(request.user), "nav_section": "profile",
    })


@require_safe
def pricing(request: HttpRequest) -> HttpResponse:
    free = limits.free_limits()
    signed_in = request.user.is_authenticated
    on = limits.enabled()
    return render(request, "billing/pricing.html", {
        "billing_on": on,
        "limits": [(kind.label, free.get(kind.value)) for kind in Kind],
        "features": Feature.choices,
        "intervals": _intervals() if on else [],
        "premium": signed_in and limits.plan_state(request.user).premium,
        "nav_section": "profile" if signed_in else "",
    })


def _to_stripe(request: HttpRequest, hosted_page) -> HttpResponse:
    """Leave for one of Stripe's hosted pages (`hosted_page()` gives its URL), or come back
    to the billing page with what stood in the way."""
    try:
        return _see_other(hosted_page())
    except services.BillingOff:
        messages.info(request, BILLING_OFF)
    except services.AlreadySubscribed:
        messages.info(request, "You already have a subscription: change it, or update your card, "
                               "with Manage subscription.")
    except services.NoCustomer:
        messages.info(request, "There is no subscription to manage yet: upgrade first.")
    except ValidationError:
        messages.error(request, "Choose monthly or yearly to upgrade.")
    except stripe.StripeError:
        messages.error(request, STRIPE_DOWN)
    return redirect("billing:billing")


@login_required
@require_POST
def checkout(request: HttpRequest) -> HttpResponse:
    return _to_stripe(request, lambda: services.start_checkout(
        request.user, request.POST.get("interval", ""),
        success_url=request.build_absolute_uri(reverse("billing:success")),
        cancel_url=request.build_absolute_uri(reverse("billing:cancel")),
    ))


@login_required
@require_POST
def portal(request: HttpRequest) -> HttpResponse:
    return _to_stripe(request, lambda: services.portal_url(
        request.user, request.build_absolute_uri(reverse("billing:billing"))))


@login_required
@require_safe
def success(request: HttpRequest) -> HttpResponse:
    """Back from Checkout: thanks, and the plan as the webhooks have told it so far. Until
    it is Premium the status region asks again every POLL_EVERY seconds (htmx), for a while."""
    try:
        tries = max(0, int(request.GET.get("tries", "0")))
    except ValueError:
        tries = 0
    context = {**_plan(request.user), "tries": tries + 1, "waiting": tries < POLL_TRIES,
               "poll_every": POLL_EVERY, "nav_section": "profile"}
    if request.htmx:
        return render(request, "billing/success.html#status", context)
    return render(request, "billing/success.html", context)


@login_required
@require_safe
def cancel(request: HttpRequest) -> HttpResponse:
    return render(request, "billing/cancel.html", {"nav_section": "profile"})
