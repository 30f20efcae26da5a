from __future__ import annotations

from django import template

from .. import push
from ..models import PushSubscription

register = template.Library()


@register.inclusion_tag("notifications/_push_devices.html", takes_context=True)
def push_devices(context) -> dict:
    """The "Push notifications" card of the profile page: this user's devices, and the
    button that asks this browser for permission and subscribes it."""
    request = context["request"]
    if not request.user.is_authenticated:
        return {}
    return {
        "show": True,
        "enabled": push.enabled(),
        "public_key": push.public_key(),
        "devices": list(PushSubscription.objects.filter(user=request.user)),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
