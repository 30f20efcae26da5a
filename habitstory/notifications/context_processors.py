"""The bell's unread count in every page's header."""

from __future__ import annotations

from django.http import HttpRequest

from .services import cached_unread_count


def bell(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A cache read, never a query: None (cold cache) makes the bell fetch its number.
    return {"unread_notifications": cached_unread_count(user.pk)}
