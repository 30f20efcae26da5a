from __future__ import annotations

from django import template

from ..models import ApiToken

register = template.Library()


@register.inclusion_tag("api/_tokens_summary.html", takes_context=True)
def api_tokens(context) -> dict:
    """The profile page's "API tokens" card: how many active tokens the signed-in user has,
    and the link to the tokens page, where they are listed, created and revoked."""
    user = context["request"].user
    if not user.is_authenticated:
        return {}
    return {"show": True, "active": ApiToken.objects.active().filter(user=user).count()}
