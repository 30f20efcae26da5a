"""The Free plan's limits through the JSON API: 403 `plan_limit` with details {limit, used,
kind} for a pillar, an active habit (created, resumed, unarchived) and a proof past this
month's uploads; nothing written. What stays allowed on Free past the limit: creating a
paused habit, changing, pausing, archiving and logging. The OpenAPI description says what
a plan_limit error's details hold."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from habits import services
from habits.models import Habit, Occurrence, Pillar
from habitstory.api import services as token_services
from habitstory.billing import limits
from habitstory.billing.models import Kind
from tests.api.conftest import ApiClient

from .free_limits import seeded_limits, set_limit  # noqa: F401 - autouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(owner) -> ApiClient:
    return ApiClient(token_services.issue_token(owner, "tests")[1])



def habits(user, count: int, **fields) -> list[Habit]:
    start = timezone.localdate() - dt.timedelta(days=10)
    with limits.lifted():
        return [services.save_habit(Habit(user=user, name=f"Habit {n}", start_date=start, **fields))
                for n in range(count)]


def assert_plan_limit(response, kind: str, limit: int, used: int) -> None:
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "plan_limit"
    assert error["details"] == {"limit": limit, "used": used, "kind": kind}
    assert f"The Free plan allows {limit}" in error["message"]


def test_a_pillar_past_the_limit_is_a_403_plan_limit(billing_on, api, owner):
    for n in range(3):
        Pillar.objects.create(user=owner, name=f"Pillar {n}", position=n)
    assert_plan_limit(api.post("/api/v1/pillars", {"name": "Garden"}), "pillars", 3, 3)
    assert Pillar.objects.filter(user=owner).count() == 3
    pillar = Pillar.objects.filter(user=owner).first()
    assert api.patch(f"/api/v1/pillars/{pillar.pk}", {"name": "Body"}).status_code == 200


def test_an_active_habit_past_the_limit_is_a_403_a_paused_one_is_made(billing_on, api, owner):
    set_limit(Kind.HABITS, 2)
    habits(owner, 2)
    assert_plan_limit(api.post("/api/v1/habits", {"name": "Stretch"}), "habits", 2, 2)
    assert not Habit.objects.filter(user=owner, name="Stretch").exists()
    response = api.post("/api/v1/habits", {"name": "Stretch", "status": "paused"})
    assert response.status_code == 201, response.content
    habit = Habit.objects.get(user=owner, name="Stretch")
    assert habit.status == Habit.Status.PAUSED and habit.pauses[-1][1] is None


def test_resuming_or_unarchiving_past_the_limit_is_a_403_and_nothing_changes(billing_on, api, owner):
    set_limit(Kind.HABITS, 1)
    _, paused, archived = habits(owner, 3)
    services.set_status(paused, Habit.Status.PAUSED)
    services.set_status(archived, Habit.Status.ARCHIVED)
    for habit, status in ((paused, "paused"), (archived, "archived")):
        response = api.patch(f"/api/v1/habits/{habit.pk}", {"status": "active", "name": "Renamed"})
        assert_plan_limit(response, "habits", 1, 1)
        habit.refresh_from_db()
        assert (habit.status, habit.name) == (status, habit.name) and habit.name != "Renamed"


def test_over_the_limit_after_a_downgrade_the_api_still_tracks_and_changes(billing_on, api, owner, make_premium):
    set_limit(Kind.HABITS, 1)
    first, second, third = habits(owner, 3)  # over the limit, as after a downgrade
    today = owner.profile.local_today().isoformat()
    assert api.put(f"/api/v1/habits/{first.pk}/log/{today}", {"status": "done"}).status_code == 200
    assert Occurrence.objects.get(habit=first).status == Occurrence.Status.DONE
    assert api.patch(f"/api/v1/habits/{first.pk}", {"name": "Read more"}).status_code == 200
    assert api.patch(f"/api/v1/habits/{second.pk}", {"status": "paused"}).status_code == 200
    assert api.patch(f"/api/v1/habits/{third.pk}", {"status": "archived"}).status_code == 200
    assert api.patch(f"/api/v1/habits/{third.pk}", {"status": "active"}).status_code == 403
    make_premium(owner)
    assert api.patch(f"/api/v1/habits/{third.pk}", {"status": "active"}).status_code == 200


def test_billing_off_has_no_limits(api, owner):
    habits(owner, 10)
    for n in range(3):
        Pillar.objects.create(user=owner, name=f"Pillar {n}", position=n)
    assert api.post("/api/v1/habits", {"name": "Eleventh"}).status_code == 201
    assert api.post("/api/v1/pillars", {"name": "Fourth"}).status_code == 201


def test_the_openapi_description_allows_a_plan_limits_details():
    schema = ApiClient().get("/api/v1/openapi.json").json()
    create = schema["paths"]["/api/v1/habits"]["post"]
    assert "403" in create["responses"] and "plan_limit" in create["description"]
    body = schema["components"]["schemas"]["ErrorBody"]["properties"]["details"]["additionalProperties"]
    types = {option.get("type") for option in body["anyOf"]}
    assert {"array", "integer", "string"} <= types
