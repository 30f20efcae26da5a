from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "HabitStory"
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith("/")
    assert manifest["theme_color"].startswith("#")
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        path = icon["src"].removeprefix("/static/")
        assert finders.find(path), f"{path} is missing from static/"


def test_the_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]
    script = response.content.decode()
    assert '"/offline/"' in script
    assert "/static/css/app.css" in script
    assert "/static/vendor/htmx-2.0.11.min.js" in script


def test_every_precached_file_exists(client):
    from habitstory.core.pwa import SHELL_STATIC

    for path in SHELL_STATIC:
        assert finders.find(path), path
        assert client.get(f"/static/{path}").status_code == 200


def test_the_offline_page_needs_no_login(client):
    response = client.get("/offline/")
    assert response.status_code == 200
    assert b"You are offline" in response.content


def test_pages_link_the_manifest(owner_client):
    assert b'<link rel="manifest" href="/manifest.webmanifest">' in owner_client.get("/").content


def test_the_favicon_is_the_apps_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "max-age=86400" in response["Cache-Control"]
    with open(finders.find("icons/icon-192.png"), "rb") as icon:
        assert response.content == icon.read()
    assert client.head("/favicon.ico").status_code == 200
    assert client.post("/favicon.ico").status_code == 405
