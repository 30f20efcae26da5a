from __future__ import annotations

from django.http import HttpRequest
from django.templatetags.static import static

NAV = [
    ("today", "Today", "core:today"),
    ("habits", "Habits", "habits:index"),
    ("goals", "Goals", "goals:index"),
    ("quests", "Quests", "quests:index"),
    ("profile", "Profile", "accounts:profile"),
]


def shell(request: HttpRequest) -> dict:
    """What base.html needs on every page: the navigation and which item is current."""
    match = getattr(request, "resolver_match", None)
    section = ""
    if match is not None:
        namespace = match.namespace or ""
        section = {"core": "today" if match.url_name == "today" else "", "accounts": "profile"}.get(
            namespace, namespace
        )
    context = {"nav_items": NAV, "nav_section": section, "sprite": static("icons/nav.svg")}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from gamification.services import xp_summary
        from habitstory.notifications.services import cached_unread_count

        context["xp"] = xp_summary(user.profile)
        # A cache read, never a query: None (cold cache) makes the bell fetch its number.
        context["unread_notifications"] = cached_unread_count(user.pk)
    return context
