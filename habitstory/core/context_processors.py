from __future__ import annotations

from django.http import HttpRequest
from django.templatetags.static import static

from .pwa import offline_key

NAV = [
    ("today", "Today", "core:today"),
    ("habits", "Habits", "habits:index"),
    ("goals", "Goals", "goals:index"),
    ("quests", "Quests", "quests:index"),
    ("insights", "Insights", "insights:index"),
    ("profile", "Profile", "accounts:profile"),
]


def shell(request: HttpRequest) -> dict:
    """What base.html needs on every page: the navigation and which item is current, and
    the key the service worker files a signed-in user's offline copies under."""
    match = getattr(request, "resolver_match", None)
    section = ""
    if match is not None:
        namespace = match.namespace or ""
        section = {"core": "today" if match.url_name == "today" else "", "accounts": "profile"}.get(
            namespace, namespace
        )
    user = getattr(request, "user", None)
    key = offline_key(user) if user is not None and user.is_authenticated else ""
    return {"nav_items": NAV, "nav_section": section, "sprite": static("icons/nav.svg"), "offline_key": key}
