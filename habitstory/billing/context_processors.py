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
    sub = limits.subscription_of(user)
    if not limits.in_grace(sub):
        return {}
    return {"billing_banner": {"until": sub.past_due_since + limits.GRACE}}
