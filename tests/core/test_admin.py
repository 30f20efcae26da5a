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


def test_a_staff_edit_of_an_occurrence_recomputes_the_habits_statistics(staff_client, make_user):
    import datetime as dt

    from django.utils import timezone

    from habits.models import Habit, Occurrence
    from habits.services import save_habit

    user = make_user("someone@example.com")
    today = user.profile.local_today(timezone.now())
    habit = save_habit(Habit(user=user, name="Walk", start_date=today - dt.timedelta(days=10)))
    day = today - dt.timedelta(days=2)
    occurrence = Occurrence.objects.create(habit=habit, on=day, status="missed")
    response = staff_client.post(
        f"/admin/habits/occurrence/{occurrence.pk}/change/",
        {"habit": habit.pk, "on": day.isoformat(), "status": "done", "value": "", "note": "",
         "verification": "", "xp_cycle": 0, "completed_at_0": "", "completed_at_1": ""},
    )
    assert response.status_code == 302, response.content[:2000]
    habit.refresh_from_db()
    assert habit.total_done == 1 and habit.last_done_on == day

    response = staff_client.post(f"/admin/habits/occurrence/{occurrence.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    habit.refresh_from_db()
    assert habit.total_done == 0 and habit.last_done_on is None
