"""Every endpoint, the same checks: a token works, the session works (and needs CSRF for
changes), no credentials or a revoked token is a 401, another user's object is a 404, a
method the path does not take is a 405 — each time with an envelope."""

from __future__ import annotations

import pytest

from habitstory.api import services
from habitstory.api.models import ApiToken

from .conftest import TODAY, ApiClient, csrf_headers, make_habit, make_pillar

pytestmark = pytest.mark.django_db

DAY = TODAY.isoformat()

# (method, path with {habit}/{pillar} for the object's id, body, expected success status)
ENDPOINTS = [
    ("GET", "/api/v1/habits", None, 200),
    ("POST", "/api/v1/habits", {"name": "Stretch"}, 201),
    ("GET", "/api/v1/habits/{habit}", None, 200),
    ("PATCH", "/api/v1/habits/{habit}", {"name": "Read more"}, 200),
    ("DELETE", "/api/v1/habits/{habit}", None, 200),
    ("PUT", "/api/v1/habits/{habit}/log/" + DAY, {"status": "done"}, 200),
    ("DELETE", "/api/v1/habits/{habit}/log/" + DAY, None, 200),
    ("GET", "/api/v1/habits/{habit}/logs", None, 200),
    ("GET", "/api/v1/habits/{habit}/stats", None, 200),
    ("GET", "/api/v1/analytics/dashboard", None, 200),
    ("GET", "/api/v1/analytics/habits/{habit}/heatmap", None, 200),
    ("GET", "/api/v1/analytics/habits/{habit}/weekly", None, 200),
    ("GET", "/api/v1/analytics/habits/{habit}/monthly", None, 200),
    ("GET", "/api/v1/analytics/habits/{habit}/consistency-trend", None, 200),
    ("GET", "/api/v1/suggestions/habits/{habit}/adaptive", None, 200),
    ("GET", "/api/v1/pillars", None, 200),
    ("POST", "/api/v1/pillars", {"name": "Craft"}, 201),
    ("GET", "/api/v1/pillars/{pillar}", None, 200),
    ("PATCH", "/api/v1/pillars/{pillar}", {"name": "Body"}, 200),
    ("DELETE", "/api/v1/pillars/{pillar}", None, 200),
]
IDS = [f"{method} {path}" for method, path, _, _ in ENDPOINTS]
WITH_OBJECT = [e for e in ENDPOINTS if "{" in e[1]]
UNSAFE = [e for e in ENDPOINTS if e[0] not in ("GET", "HEAD")]


def url_for(path: str, user) -> str:
    habit = make_habit(user)
    pillar = make_pillar(user)
    return path.format(habit=habit.pk, pillar=pillar.pk)


def assert_envelope_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code
    assert set(body) == {"error", "meta"}


@pytest.mark.parametrize("method,path,body,status", ENDPOINTS, ids=IDS)
def test_a_token_works(api, owner, frozen, method, path, body, status):
    response = api.request(method, url_for(path, owner), body)
    assert response.status_code == status, response.content
    assert set(response.json()) == {"data", "meta"}


@pytest.mark.parametrize("method,path,body,status", ENDPOINTS, ids=IDS)
def test_the_session_works(session_api, owner, frozen, method, path, body, status):
    url = url_for(path, owner)
    headers = csrf_headers(session_api) if method != "GET" else {}
    response = session_api.request(method, url, body, **headers)
    assert response.status_code == status, response.content


@pytest.mark.parametrize("method,path,body,status", UNSAFE, ids=[f"{e[0]} {e[1]}" for e in UNSAFE])
def test_a_session_change_without_csrf_is_refused(session_api, owner, frozen, method, path, body, status):
    response = session_api.request(method, url_for(path, owner), body)
    assert_envelope_error(response, 403, "csrf_failed")


@pytest.mark.parametrize("method,path,body,status", ENDPOINTS, ids=IDS)
def test_no_credentials_is_a_401(anon, owner, frozen, method, path, body, status):
    assert_envelope_error(anon.request(method, url_for(path, owner), body), 401, "unauthorized")


@pytest.mark.parametrize("method,path,body,status", ENDPOINTS, ids=IDS)
def test_a_revoked_token_is_a_401(api, owner, frozen, method, path, body, status):
    services.revoke_token(ApiToken.objects.get(user=owner))
    assert_envelope_error(api.request(method, url_for(path, owner), body), 401, "unauthorized")


@pytest.mark.parametrize("method,path,body,status", WITH_OBJECT, ids=[f"{e[0]} {e[1]}" for e in WITH_OBJECT])
def test_another_users_object_is_a_404(api, stranger, frozen, method, path, body, status):
    url = url_for(path, stranger)
    assert_envelope_error(api.request(method, url, body), 404, "not_found")


@pytest.mark.parametrize("method,path,body,status", WITH_OBJECT, ids=[f"{e[0]} {e[1]}" for e in WITH_OBJECT])
def test_a_missing_object_is_a_404(api, frozen, method, path, body, status):
    assert_envelope_error(api.request(method, path.format(habit=999999, pillar=999999), body), 404, "not_found")


@pytest.mark.parametrize(
    "method,path,allowed",
    [
        ("PUT", "/api/v1/habits", "GET, POST"),
        ("DELETE", "/api/v1/habits", "GET, POST"),
        ("POST", "/api/v1/habits/{habit}", "GET, PATCH, DELETE"),
        ("PUT", "/api/v1/habits/{habit}", "GET, PATCH, DELETE"),
        ("GET", "/api/v1/habits/{habit}/log/" + DAY, "PUT, DELETE"),
        ("POST", "/api/v1/habits/{habit}/log/" + DAY, "PUT, DELETE"),
        ("POST", "/api/v1/habits/{habit}/logs", "GET"),
        ("DELETE", "/api/v1/habits/{habit}/stats", "GET"),
        ("POST", "/api/v1/analytics/dashboard", "GET"),
        ("PUT", "/api/v1/analytics/habits/{habit}/heatmap", "GET"),
        ("POST", "/api/v1/analytics/habits/{habit}/weekly", "GET"),
        ("DELETE", "/api/v1/analytics/habits/{habit}/monthly", "GET"),
        ("PATCH", "/api/v1/analytics/habits/{habit}/consistency-trend", "GET"),
        ("POST", "/api/v1/suggestions/habits/{habit}/adaptive", "GET"),
        ("PATCH", "/api/v1/pillars", "GET, POST"),
        ("POST", "/api/v1/pillars/{pillar}", "GET, PATCH, DELETE"),
        ("PUT", "/api/v1/pillars/{pillar}", "GET, PATCH, DELETE"),
    ],
)
def test_a_wrong_method_is_a_405(api, owner, frozen, method, path, allowed):
    response = api.request(method, url_for(path, owner), {})
    assert_envelope_error(response, 405, "method_not_allowed")
    assert sorted(response["Allow"].split(", ")) == sorted(allowed.split(", "))


@pytest.mark.parametrize("path", ["/api/v1/nothing", "/api/v1/habits/abc", "/api/v1/habits/1/2/3", "/api/v1/habits/"])
def test_an_unknown_path_is_a_404_envelope(api, path):
    assert_envelope_error(api.get(path), 404, "not_found")


def test_the_root_says_where_the_docs_are(anon):
    response = anon.get("/api/v1/")
    assert response.status_code == 200
    assert response.json()["data"] == {"version": "v1", "openapi": "/api/v1/openapi.json", "docs": "/api/v1/docs"}


def test_an_unknown_path_is_a_404_even_for_posts_without_csrf(owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = ApiClient(client=client).post("/api/v1/nothing", {})
    assert_envelope_error(response, 404, "not_found")
