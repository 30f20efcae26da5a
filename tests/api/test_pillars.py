from __future__ import annotations

import pytest

from habits.models import Pillar

from .conftest import make_pillar

pytestmark = pytest.mark.django_db

URL = "/api/v1/pillars"


def details(response) -> dict:
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    return response.json()["error"]["details"]


def test_it_lists_the_users_pillars_in_order(api, owner, stranger):
    make_pillar(owner, "Health")
    make_pillar(owner, "Mind")
    make_pillar(stranger, "Not mine")
    data = api.get(URL).json()["data"]
    assert [(p["name"], p["position"]) for p in data] == [("Health", 0), ("Mind", 1)]
    assert set(data[0]) == {"id", "name", "color", "icon", "position"}


def test_it_creates_a_pillar_last(api, owner):
    make_pillar(owner, "Health")
    response = api.post(URL, {"name": " Mind ", "icon": "brain"})
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data == {"id": data["id"], "name": "Mind", "color": "#5b4bdb", "icon": "brain", "position": 1}
    assert Pillar.objects.get(pk=data["id"]).user == owner


@pytest.mark.parametrize(
    "body,field",
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "Mi\u202end"}, "name"),  # a text-direction override
        ({"name": "Mi\nnd"}, "name"),
        ({"name": "x" * 41}, "name"),
        ({"name": "Mind", "color": "red"}, "color"),
        ({"name": "Mind", "color": None, "icon": None}, "icon"),
        ({"name": "Mind", "position": 3}, "position"),
        ({}, "name"),
    ],
)
def test_bad_input_names_the_field_and_saves_nothing(api, owner, body, field):
    make_pillar(owner, "Health")
    assert field in details(api.post(URL, body))
    assert list(Pillar.objects.values_list("name", flat=True)) == ["Health"]


def test_the_same_name_is_fine_for_another_user(api, stranger):
    make_pillar(stranger, "Health")
    assert api.post(URL, {"name": "Health"}).status_code == 201


def test_patch_changes_only_what_is_sent(api, owner):
    pillar = make_pillar(owner, "Health", color="#2f9e6b", icon="heart")
    data = api.patch(f"{URL}/{pillar.pk}", {"name": "Body"}).json()["data"]
    assert (data["name"], data["color"], data["icon"]) == ("Body", "#2f9e6b", "heart")
    pillar.refresh_from_db()
    assert pillar.name == "Body"


def conflict(response) -> dict:
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "conflict"
    return response.json()["error"]["details"]


def test_a_duplicate_name_is_a_conflict(api, owner):
    make_pillar(owner, "Health")
    assert conflict(api.post(URL, {"name": "health"})) == {"name": ["You already have a pillar with this name."]}
    assert Pillar.objects.count() == 1


def test_patch_refuses_a_duplicate_name(api, owner):
    make_pillar(owner, "Health")
    mind = make_pillar(owner, "Mind")
    assert conflict(api.patch(f"{URL}/{mind.pk}", {"name": "HEALTH"})) == {
        "name": ["You already have a pillar with this name."]
    }
    mind.refresh_from_db()
    assert mind.name == "Mind"
    # keeping its own name is fine
    assert api.patch(f"{URL}/{mind.pk}", {"name": "Mind", "icon": "brain"}).status_code == 200


@pytest.mark.parametrize("body", [{"name": None}, {"color": "#12345"}, {"name": 7}])
def test_a_bad_patch_changes_nothing(api, owner, body):
    pillar = make_pillar(owner, "Health")
    details(api.patch(f"{URL}/{pillar.pk}", body))
    assert Pillar.objects.get(pk=pillar.pk).name == "Health"


def test_delete_removes_the_pillar(api, owner):
    pillar = make_pillar(owner, "Health")
    response = api.delete(f"{URL}/{pillar.pk}")
    assert response.status_code == 200 and response.json()["data"] is None
    assert not Pillar.objects.exists()
