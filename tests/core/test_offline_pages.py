"""What the service worker needs to keep pages per user and replay the offline queue: the
user's key on every app page, the pages it keeps, the modules it precaches and imports."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from habitstory.core import pwa

pytestmark = pytest.mark.django_db


def user_key(html: str) -> str | None:
    found = re.search(r'<body[^>]*\sdata-user-key="([0-9a-f]+)"', html)
    return found.group(1) if found else None


def test_every_app_page_names_its_user_by_an_opaque_key(client, owner, stranger):
    assert user_key(client.get("/accounts/login/").content.decode()) is None  # signed out: no key
    client.force_login(owner)
    key = user_key(client.get("/").content.decode())
    assert key == pwa.offline_key(owner) == user_key(client.get("/habits/").content.decode())
    assert str(owner.pk) != key and len(key) == 20
    assert pwa.offline_key(stranger) != key


def test_the_kept_pages_are_today_and_a_habits_page():
    kept = [re.compile(pattern) for pattern in pwa.KEPT_PAGES]
    for path in (reverse("core:today"), reverse("habits:detail", args=[12])):
        assert any(pattern.match(path) for pattern in kept), path
    for path in (reverse("habits:index"), reverse("habits:day", args=[12, "2026-11-23"]), "/goals/", "/habits/12/edit/"):
        assert not any(pattern.match(path) for pattern in kept), path


def test_the_service_worker_is_a_module_that_imports_the_queue(client):
    script = client.get("/sw.js").content.decode()
    assert 'import { entriesFor, replay, SYNC_TAG } from "/static/js/offline-queue.js";' in script
    assert f"const KEPT_PAGES = {json.dumps(pwa.KEPT_PAGES)}" in script
    assert 'const LOGOUT_PATH = "/accounts/logout/";' in script
    for module in ("js/offline.js", "js/offline-queue.js", "js/offline-rows.js", "js/live-swaps.js"):
        assert f'"/static/{module}"' in script  # precached for offline use
