from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client

from habits import services
from habits.models import Habit, Pillar
from habitstory.api import services as token_services

# Wednesday 4 March 2026, noon UTC: most tests freeze time here.
NOW = dt.datetime(2026, 3, 4, 12, 0, tzinfo=dt.timezone.utc)
TODAY = dt.date(2026, 3, 4)


class ApiClient:
    """A test client that speaks JSON and sends a bearer token (or none)."""

    def __init__(self, token: str | None = None, client: Client | None = None):
        self.client = client or Client()
        self.token = token

    def request(self, method: str, url: str, body=None, *, raw: bytes | str | None = None, **headers):
        if self.token is not None:
            headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.token}")
        data = raw if raw is not None else (json.dumps(body) if body is not None else "")
        return self.client.generic(method, url, data, content_type="application/json", **headers)

    def get(self, url, **headers):
        return self.request("GET", url, **headers)

    def post(self, url, body=None, **kwargs):
        return self.request("POST", url, body, **kwargs)

    def put(self, url, body=None, **kwargs):
        return self.request("PUT", url, body, **kwargs)

    def patch(self, url, body=None, **kwargs):
        return self.request("PATCH", url, body, **kwargs)

    def delete(self, url, body=None, **kwargs):
        return self.request("DELETE", url, body, **kwargs)


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def owner_token(owner) -> str:
    return token_services.issue_token(owner, "tests")[1]


@pytest.fixture
def api(owner_token) -> ApiClient:
    return ApiClient(owner_token)


@pytest.fixture
def anon() -> ApiClient:
    return ApiClient()


@pytest.fixture
def stranger_api(stranger) -> ApiClient:
    return ApiClient(token_services.issue_token(stranger, "tests")[1])


@pytest.fixture
def session_api(owner) -> ApiClient:
    """The owner's browser: a session, CSRF enforced as in real life."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return ApiClient(client=client)


def csrf_headers(api: ApiClient) -> dict:
    """Fetch a page that sets the CSRF cookie and return the header that proves it."""
    api.client.get("/profile/")
    return {"HTTP_X_CSRFTOKEN": api.client.cookies["csrftoken"].value}


def make_habit(user, *, start: dt.date = dt.date(2026, 2, 1), **fields) -> Habit:
    habit = Habit(user=user, name=fields.pop("name", "Read"), start_date=start, **fields)
    return services.save_habit(habit)


def make_pillar(user, name: str = "Health", **fields) -> Pillar:
    position = Pillar.objects.filter(user=user).count()
    return Pillar.objects.create(user=user, name=name, position=position, **fields)


@pytest.fixture
def habit(owner, frozen) -> Habit:
    return make_habit(owner)


@pytest.fixture
def stranger_habit(stranger, frozen) -> Habit:
    return make_habit(stranger, name="Stranger's habit")


@pytest.fixture
def pillar(owner) -> Pillar:
    return make_pillar(owner)


@pytest.fixture
def stranger_pillar(stranger) -> Pillar:
    return make_pillar(stranger, "Stranger's pillar")
