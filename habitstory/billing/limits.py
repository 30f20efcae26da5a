"""The one question any domain asks billing: may this user add one more X? (docs/billing.md)

Domains register how they count their own things (`register`, in their AppConfig.ready),
and call `ensure_can_add(user, kind)` in the service that creates or reactivates one, inside
its transaction. Billing off (no Stripe keys) or Premium: no limits and no queries beyond
the user's subscription row. Free: the limit's row and the domain's one COUNT, under a lock
on the user's profile so two creations at once cannot both take the last place.
Downgrading never takes anything away: only adding beyond the limit is refused."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from habitstory.accounts.models import Profile

from .models import DEFAULT_FREE_LIMITS, Feature, Kind, PlanLimit, Subscription

GRACE = dt.timedelta(days=7)  # past_due keeps Premium this long after the payment failed
LIVE = frozenset({Subscription.Status.ACTIVE, Subscription.Status.TRIALING, Subscription.Status.PAST_DUE})

ONE = {Kind.PILLARS: "pillar", Kind.HABITS: "active habit", Kind.GOALS: "active goal",
       Kind.QUESTS: "open quest", Kind.UPLOADS: "verification upload this month"}

Counter = Callable[[object], int]
_counters: dict[str, Counter] = {}
_lifted = contextvars.ContextVar("billing_limits_lifted", default=False)


class PlanLimitReached(Exception):
    """Adding would take a Free account over its limit. The API answers 403 `plan_limit`
    with `details` (limit, used, kind); pages show `html()` (the message and an upgrade link)."""

    code = "plan_limit"

    def __init__(self, kind: str, limit: int, used: int) -> None:
        self.kind, self.limit, self.used = kind, limit, used
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.kind in Feature.values:
            return f"{Feature(self.kind).label} come with Premium."
        label = Kind(self.kind).label.lower() if self.limit != 1 else ONE[self.kind]
        return (f"The Free plan allows {self.limit} {label}; you have {self.used}. "
                "Everything you have stays; upgrade to add more.")

    @property
    def details(self) -> dict:
        return {"limit": self.limit, "used": self.used, "kind": self.kind}

    def html(self) -> SafeString:
        return format_html('{} <a href="{}">See Premium</a>', self.message, reverse("billing:pricing"))


def register(kind: str, counter: Counter) -> None:
    """A domain's count of `kind` for a user (one query), e.g. their active habits."""
    _counters[Kind(kind).value] = counter


@contextlib.contextmanager
def lifted() -> Iterator[None]:
    """No limits inside (staff's backfills and the demo account's seeding, never a user's request)."""
    token = _lifted.set(True)
    try:
        yield
    finally:
        _lifted.reset(token)


def enabled() -> bool:
    """Billing is on only with Stripe's secret key, the webhook secret and a price."""
    return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET
                and (settings.STRIPE_PRICE_MONTHLY or settings.STRIPE_PRICE_YEARLY))


def subscription_of(user) -> Subscription | None:
    """The user's billing row, read once and cached on the user object for the request (not
    the ORM's `user.subscription`, which an assignment elsewhere may have left stale)."""
    if not hasattr(user, "_billing_subscription"):
        user._billing_subscription = Subscription.objects.filter(user_id=user.pk).first()
    return user._billing_subscription


def premium_state(sub: Subscription | None, now: dt.datetime | None = None) -> bool:
    """Premium from the stored state alone: a live subscription, unless it was cancelled at
    its period's end and that end has passed, or a payment failed more than GRACE ago."""
    if sub is None or sub.status not in LIVE:
        return False
    now = now or timezone.now()
    if sub.cancel_at_period_end and sub.current_period_end and now >= sub.current_period_end:
        return False
    return not (sub.past_due_since and now >= sub.past_due_since + GRACE)


def grace_until(sub: Subscription | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """When Premium ends if a payment failed and it is kept for now (the banner's date), else None."""
    if sub and sub.past_due_since and premium_state(sub, now):
        return sub.past_due_since + GRACE
    return None


@dataclass(frozen=True)
class PlanState:
    """What the billing page, the API, the banner, the profile and admin say of a plan now."""

    billing_on: bool
    premium: bool  # a Premium subscription in force (False when billing is off: nothing is sold)
    subscription: Subscription | None
    grace_until: dt.datetime | None

    @property
    def name(self) -> str:
        return "Unlimited" if not self.billing_on else "Premium" if self.premium else "Free"


def plan_state(user, now: dt.datetime | None = None) -> PlanState:
    """The user's plan now; no query when billing is off, else their subscription row (cached)."""
    if not enabled():
        return PlanState(billing_on=False, premium=False, subscription=None, grace_until=None)
    sub, now = subscription_of(user), now or timezone.now()
    return PlanState(billing_on=True, premium=premium_state(sub, now), subscription=sub,
                     grace_until=grace_until(sub, now))


def is_premium(user, now: dt.datetime | None = None) -> bool:
    """Premium now (billing off: everyone has everything, so True)."""
    return not enabled() or premium_state(subscription_of(user), now)


def free_limits() -> dict[str, int | None]:
    """The Free plan's limit of each kind: staff's rows, and for a kind without one the
    suggested default (DEFAULT_FREE_LIMITS), so a missing row never means "unlimited"."""
    return {**DEFAULT_FREE_LIMITS, **dict(PlanLimit.objects.values_list("kind", "free_limit"))}


def free_limit(kind: str) -> int | None:
    found = PlanLimit.objects.filter(kind=kind).values_list("free_limit", flat=True)
    return found[0] if found else DEFAULT_FREE_LIMITS[kind]


def ensure_can_add(user, kind: str, adding: int = 1) -> None:
    """Raise PlanLimitReached when adding `adding` more of `kind` would pass the user's limit.
    Call it inside the transaction that creates (or reactivates) the items."""
    if adding <= 0 or _lifted.get() or is_premium(user):
        return
    limit = free_limit(kind)
    if limit is None:
        return
    if connection.in_atomic_block:
        Profile.objects.select_for_update().filter(user_id=user.pk).exists()  # one at a time per user
    used = _counters[kind](user)
    if used + adding > limit:
        raise PlanLimitReached(kind, limit, used)


def ensure_feature(user, feature: str) -> None:
    """Raise PlanLimitReached (limit 0) when `feature` is Premium's and the user is on Free."""
    if not has_feature(user, feature):
        raise PlanLimitReached(Feature(feature).value, 0, 0)


def has_feature(user, feature: str) -> bool:
    return is_premium(user)


@dataclass(frozen=True)
class Usage:
    kind: str
    label: str
    used: int
    limit: int | None  # None: no limit (Premium, billing off, or no limit set)

    @property
    def percent(self) -> int:
        return 0 if not self.limit else min(100, round(100 * self.used / self.limit))

    @property
    def over(self) -> bool:
        return self.limit is not None and self.used > self.limit

    @property
    def full(self) -> bool:
        return self.limit is not None and self.used >= self.limit


def usage(user) -> list[Usage]:
    """Each kind's count against the user's limit (for the billing page and admin)."""
    premium = is_premium(user)
    limits = free_limits()
    return [Usage(kind=kind.value, label=kind.label, used=_counters[kind.value](user) if kind.value in _counters else 0,
                  limit=None if premium else limits.get(kind.value))
            for kind in Kind]
