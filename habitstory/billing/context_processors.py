"""The grace banner at the top of every page: a payment failed and Premium is kept for now."""

from __future__ import annotations

from django.http import HttpRequest

from . import limits


def banner(request: HttpRequest) -> dict:
    """`billing_banner` (with `until`) while the user is in grace. No query when billing is
    off or nobody is signed in; otherwise the user's subscription row, once per request
    (limits.subscription_of caches it on the user for the billing checks that follow)."""
    if not limits.enabled():
        return {}
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    until = limits.plan_state(user).grace_until
    return {"billing_banner": {"until": until}} if until else {}
