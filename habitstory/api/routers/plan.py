"""/plan: your plan, what it allows and what you use (habitstory.billing.limits), the same
figures as the billing page. Changing plan happens on Stripe's hosted pages (/billing/)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Field, Router

from habitstory.billing import limits
from habitstory.billing.models import Feature

from ..auth import user_of
from ..envelope import Out, ok, responses

router = Router(tags=["plan"])


class UsageOut(Out):
    kind: str = Field(description="pillars, habits (active), goals (active), quests (open) or uploads (this month).")
    label: str
    used: int
    limit: int | None = Field(description="Null: no limit (Premium, or billing off on this server).")


class PlanOut(Out):
    billing: bool = Field(description="Whether this server sells Premium; without billing nothing is limited.")
    plan: str = Field(description="free, premium, or unlimited (billing off).")
    status: str = Field(description="Stripe's subscription status, or an empty string.")
    interval: str = Field(description="month, year, or an empty string.")
    current_period_end: dt.datetime | None = Field(description="The next invoice, or the end of a cancelled one.")
    cancel_at_period_end: bool
    grace_until: dt.datetime | None = Field(description="A payment failed: Premium stays until then.")
    features: dict[str, bool] = Field(description="Premium's features and whether you have them.")
    usage: list[UsageOut]


def _plan(user) -> dict:
    state = limits.plan_state(user)
    sub = state.subscription
    return {
        "billing": state.billing_on,
        "plan": state.name.lower(),
        "status": sub.status if sub else "",
        "interval": sub.interval if sub else "",
        "current_period_end": sub.current_period_end if sub else None,
        "cancel_at_period_end": bool(sub and sub.cancel_at_period_end),
        "grace_until": state.grace_until,
        "features": {feature.value: limits.has_feature(user, feature.value) for feature in Feature},
        "usage": [{"kind": row.kind, "label": row.label, "used": row.used, "limit": row.limit}
                  for row in limits.usage(user)],
    }


@router.get("/plan", response=responses(PlanOut), summary="Your plan and what you use")
def read_plan(request: HttpRequest):
    """Your plan (free, premium, or unlimited when this server has no billing), its state from
    Stripe's last word, Premium's features, and each limit's use: the same figures as /billing/.
    Adding beyond a limit answers 403 `plan_limit` with `details` {limit, used, kind}."""
    return ok(_plan(user_of(request)))
