"""The user's archetype, house and crest in the header's Profile link and on the profile
page (templates load these by name: the accounts app does not import archetypes)."""

from __future__ import annotations

from django import template

from .. import badge

register = template.Library()


@register.inclusion_tag("archetypes/_nav_crest.html", takes_context=True)
def nav_crest(context, sprite: str) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"badge": badge.get(user) if user is not None and user.is_authenticated else {}, "sprite": sprite}


@register.inclusion_tag("archetypes/_profile_card.html", takes_context=True)
def archetype_card(context) -> dict:
    return {"badge": badge.get(context["request"].user)}
