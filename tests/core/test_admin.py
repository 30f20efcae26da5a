from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.core.management import call_command

pytestmark = pytest.mark.django_db

OURS = {"accounts", "habits", "goals", "quests", "archetypes", "verification", "gamification"}


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("staff@example.com", is_staff=True, is_superuser=True))
    return client


def test_every_model_of_ours_is_registered():
    for model in apps.get_models():
        if model._meta.app_label in OURS:
            assert admin.site.is_registered(model), f"{model.__name__} is not in admin"


def test_every_changelist_loads_with_data_search_and_filters(staff_client):
    call_command("seed_demo")
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        url = f"/admin/{meta.app_label}/{meta.model_name}/"
        assert staff_client.get(url).status_code == 200, url
        if model_admin.search_fields:
            assert staff_client.get(url, {"q": "demo"}).status_code == 200, url


def test_periodic_tasks_are_editable_in_admin(staff_client):
    call_command("setup_schedules")
    response = staff_client.get("/admin/django_celery_beat/periodictask/")
    assert b"Prompts" in response.content and b"Day close" in response.content


def test_admin_is_staff_only(owner_client):
    response = owner_client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
