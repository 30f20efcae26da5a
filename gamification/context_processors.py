"""The XP bar in every page's header."""

from __future__ import annotations

from django.http import HttpRequest

from .services import xp_summary


def xp(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"xp": xp_summary(user.profile)}
