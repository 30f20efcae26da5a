from __future__ import annotations

from django import template

from .. import limits

register = template.Library()


@register.inclusion_tag("billing/_plan_card.html", takes_context=True)
def plan_card(context) -> dict:
    """The profile page's "Plan" card: the plan's name and the link to the billing page.
    No query with billing off; otherwise the subscription row the banner already read."""
    user = context["request"].user
    if not user.is_authenticated:
        return {}
    state = limits.plan_state(user)
    return {"show": True, "billing_on": state.billing_on, "plan": state.name if state.billing_on else ""}
