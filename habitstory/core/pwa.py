"""The installable-app pieces: the web app manifest, the service worker's precache list,
the pages it keeps for offline reading, and the key its copies are filed under per user."""

from __future__ import annotations

import hashlib

from django.templatetags.static import static
from django.urls import reverse
from django.utils.crypto import salted_hmac

THEME_COLOR = "#5b4bdb"
BACKGROUND_COLOR = "#faf8ff"

# Static files the service worker keeps for offline use (the app shell).
SHELL_STATIC = [
    "css/app.css",
    "js/app.js",
    "js/live-swaps.js",
    "js/offline.js",
    "js/offline-queue.js",
    "js/offline-rows.js",
    "vendor/htmx-2.0.11.min.js",
    "vendor/htmx-ext-ws-2.0.4.js",
    "icons/icon.svg",
    "icons/icon-192.png",
]


def manifest() -> dict:
    return {
        "id": "/",
        "name": "HabitStory",
        "short_name": "HabitStory",
        "description": "Habits, goals and quests that tell your story.",
        "start_url": reverse("core:today") + "?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "categories": ["lifestyle", "productivity", "health"],
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": static("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("icons/icon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
        "shortcuts": [{"name": "Today", "url": reverse("core:today") + "?source=pwa-shortcut"}],
    }


def precache_urls() -> list[str]:
    return [reverse("core:offline")] + [static(path) for path in SHELL_STATIC]


def cache_version(urls: list[str]) -> str:
    """Changes whenever a precached file's URL does (hashed names in production)."""
    return hashlib.sha256("\n".join(urls).encode()).hexdigest()[:12]


# Pages the service worker keeps a copy of, per user, to show offline (paths, as regular
# expressions): Today and each habit's page.
KEPT_PAGES = [r"^/$", r"^/habits/\d+/$"]


def offline_key(user) -> str:
    """The name a user's offline copies and queued changes are filed under in the browser
    (body[data-user-key]): stable for the user, telling nothing about them."""
    return salted_hmac("habitstory.core.pwa.offline_key", str(user.pk)).hexdigest()[:20]
