"""Insights in admin: every model listed; model versions with their held-out figures;
promote and rollback through the registry, logged; nothing written by hand."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission

from habitstory.insights import registry, services
from habitstory.insights.models import LifeEvent, ModelVersion, TrainingState

from .model_fixtures import make_version, media  # noqa: F401 - media: autouse fixture

pytestmark = pytest.mark.django_db
Status = ModelVersion.Status
URL = "/admin/insights/modelversion/"


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def act(client, action: str, *versions):
    return client.post(URL, {"action": action, "_selected_action": [v.pk for v in versions]}, follow=True)


def test_every_insights_model_has_its_pages(staff_client, owner):
    services.save_checkin(owner, dt.date(2026, 1, 5), {"mood": "positive", "note": "fine"})
    services.create_life_event(owner, {"type": "exam", "title": "Finals", "start": dt.date(2026, 1, 6)})
    version = make_version("mood", user=owner, metrics={"macro_f1": 0.71}, baseline={"macro_f1": 0.4})
    for path in ("checkin", "lifeevent", "modelversion", "trainingstate"):
        assert staff_client.get(f"/admin/insights/{path}/").status_code == 200
    page = staff_client.get(URL)
    assert b"macro_f1 0.710" in page.content and b"macro_f1 0.400" in page.content
    assert staff_client.get(f"{URL}{version.pk}/change/").status_code == 200
    event = LifeEvent.objects.get()
    assert staff_client.get(f"/admin/insights/lifeevent/{event.pk}/change/").status_code == 200
    state = TrainingState.objects.get()
    assert staff_client.get(f"/admin/insights/trainingstate/{state.pk}/change/").status_code == 200


def test_nothing_is_added_or_deleted_by_hand(staff_client):
    assert staff_client.get(f"{URL}add/").status_code == 403
    assert staff_client.get("/admin/insights/checkin/add/").status_code == 403
    version = make_version("energy")
    assert staff_client.get(f"{URL}{version.pk}/delete/").status_code == 403


def test_staff_promote_a_version_and_it_is_logged(staff_client, staff, owner):
    old = make_version("energy", user=owner, status=Status.CHAMPION)
    new = make_version("energy", user=owner)
    page = act(staff_client, "promote", new)
    assert b"Promoted 1 version" in page.content
    new.refresh_from_db()
    old.refresh_from_db()
    assert (new.status, new.promoted_by, old.status) == (Status.CHAMPION, staff, Status.RETIRED)
    entry = LogEntry.objects.get(object_id=str(new.pk))
    assert entry.user == staff and "Promoted" in entry.get_change_message()


def test_two_versions_of_one_scope_cannot_be_promoted_together(staff_client, owner):
    a, b = make_version("energy", user=owner), make_version("energy", user=owner)
    page = act(staff_client, "promote", a, b)
    assert b"at most one version" in page.content
    assert not ModelVersion.objects.filter(status=Status.CHAMPION).exists()


def test_staff_roll_back_a_champion_and_the_one_before_serves_again(staff_client, staff, owner):
    first = make_version("mood", user=owner)
    second = make_version("mood", user=owner)
    registry.promote(first)
    registry.promote(second)
    page = act(staff_client, "rollback", second)
    assert b"Rolled back 1 version" in page.content
    assert registry.champion(owner, "mood") == first
    messages = [e.get_change_message() for e in LogEntry.objects.order_by("pk")]
    assert any("Rolled back" in m and f"#{first.pk} serves again" in m for m in messages)
    assert any(f"rollback of #{second.pk}" in m for m in messages)


def test_only_a_champion_can_be_rolled_back(staff_client, owner):
    candidate = make_version("mood", user=owner)
    page = act(staff_client, "rollback", candidate)
    assert b"Only a champion" in page.content
    candidate.refresh_from_db()
    assert candidate.status == Status.CANDIDATE


def test_staff_without_the_change_permission_see_no_actions(client, make_user):
    viewer = make_user("viewer@example.com", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_modelversion"))
    client.force_login(viewer)
    version = make_version("energy")
    assert client.get(URL).status_code == 200
    act(client, "promote", version)
    version.refresh_from_db()
    assert version.status == Status.CANDIDATE


def test_strangers_get_the_login_page(client, owner):
    client.force_login(owner)
    assert client.get(URL).status_code == 302
