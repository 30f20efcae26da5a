"""Who may call the API: tokens, the browser session (with CSRF), nobody else; and how often."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client

from habits.models import Habit
from habitstory.api import auth, services
from habitstory.api.models import ApiToken

from .conftest import NOW, ApiClient, csrf_headers

pytestmark = pytest.mark.django_db

URL = "/api/v1/habits"
LIMIT = int(auth.RATE_LIMIT.split("/")[0])  # requests per user per minute


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    assert body["meta"]["version"] == "v1"
    return body


def test_it_accepts_a_bearer_token(api, frozen):
    response = api.get(URL)
    assert response.status_code == 200
    assert response.json() == {"data": [], "meta": {"timestamp": "2026-03-04T12:00:00Z", "version": "v1", "next": None}}


def test_it_refuses_a_request_without_credentials(anon):
    response = anon.get(URL)
    assert_error(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer hs_not-a-real-token",
        "Bearer ",
        "Bearer " + "x" * 5000,
        "Basic b3duZXI6cGFzc3dvcmQ=",
        "hs_token-without-scheme",
        "Bearer hs_\x00\x01",
    ],
)
def test_it_refuses_a_wrong_token(anon, header):
    assert_error(anon.get(URL, HTTP_AUTHORIZATION=header), 401, "unauthorized")


def test_it_refuses_a_revoked_token(owner, api):
    assert api.get(URL).status_code == 200
    services.revoke_token(ApiToken.objects.get(user=owner))
    assert_error(api.get(URL), 401, "unauthorized")


def test_it_refuses_the_token_of_a_deactivated_user(owner, api):
    owner.is_active = False
    owner.save()
    assert_error(api.get(URL), 401, "unauthorized")


def test_a_wrong_token_is_not_rescued_by_the_session(owner):
    client = Client()
    client.force_login(owner)
    response = client.get(URL, HTTP_AUTHORIZATION="Bearer hs_wrong")
    assert_error(response, 401, "unauthorized")


def test_tokens_are_stored_hashed(owner):
    token, raw = services.issue_token(owner, "Shortcuts")
    assert raw.startswith("hs_") and len(raw) > 40
    assert token.prefix == raw[:8]
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.name, token.prefix, token.token_hash}


def test_it_accepts_the_session(session_api, frozen):
    assert session_api.get(URL).status_code == 200


def test_a_session_post_without_the_csrf_token_is_refused(session_api, frozen):
    response = session_api.post(URL, {"name": "Stretch"})
    assert_error(response, 403, "csrf_failed")
    assert not Habit.objects.exists()


def test_a_session_post_with_the_csrf_token_works(session_api, frozen):
    response = session_api.post(URL, {"name": "Stretch"}, **csrf_headers(session_api))
    assert response.status_code == 201, response.content
    assert Habit.objects.get().name == "Stretch"


def test_a_token_needs_no_csrf_token(owner_token, frozen):
    api = ApiClient(owner_token, Client(enforce_csrf_checks=True))
    assert api.post(URL, {"name": "Stretch"}).status_code == 201


def test_last_use_is_recorded_at_most_once_a_minute(owner, api, time_machine):
    time_machine.move_to(NOW, tick=False)
    api.get(URL)
    token = ApiToken.objects.get(user=owner)
    assert token.last_used_at == NOW

    time_machine.move_to(NOW + dt.timedelta(seconds=30), tick=False)
    api.get(URL)
    token.refresh_from_db()
    assert token.last_used_at == NOW

    later = NOW + dt.timedelta(seconds=61)
    time_machine.move_to(later, tick=False)
    api.get(URL)
    token.refresh_from_db()
    assert token.last_used_at == later


def test_reads_within_a_minute_write_nothing(owner, api, frozen, django_assert_max_num_queries):
    api.get(URL)
    with django_assert_max_num_queries(3):  # token + habits + occurrences; no UPDATE
        api.get(URL)


def test_it_limits_the_rate_per_user(api, stranger_api, time_machine):
    time_machine.move_to(NOW, tick=False)
    for _ in range(LIMIT):
        assert api.get("/api/v1/pillars").status_code == 200
    response = api.get("/api/v1/pillars")
    assert_error(response, 429, "rate_limited")
    assert 0 < int(response["Retry-After"]) <= 60
    assert stranger_api.get("/api/v1/pillars").status_code == 200  # others are not held up

    time_machine.move_to(NOW + dt.timedelta(seconds=61), tick=False)
    assert api.get("/api/v1/pillars").status_code == 200


def test_retry_after_is_the_rest_of_the_window(api, time_machine):
    time_machine.move_to(NOW + dt.timedelta(seconds=45), tick=False)
    for _ in range(LIMIT):
        api.get("/api/v1/pillars")
    assert api.get("/api/v1/pillars")["Retry-After"] == "15"


def test_the_rate_limit_counts_all_of_a_users_tokens(owner, api, time_machine):
    time_machine.move_to(NOW, tick=False)
    other = ApiClient(services.issue_token(owner, "second")[1])
    for _ in range(LIMIT // 2):
        api.get("/api/v1/pillars")
        other.get("/api/v1/pillars")
    assert_error(other.get("/api/v1/pillars"), 429, "rate_limited")


# --- failed tokens: limited per client address ------------------------------------------------

ATTACKER = "203.0.113.7"


def wrong(anon, address=ATTACKER, token="hs_not-a-real-token", **headers):
    return anon.get(URL, HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address, **headers)


def test_failed_tokens_are_limited_per_address(anon, api, time_machine):
    time_machine.move_to(NOW, tick=False)
    for _ in range(auth.FAILED_AUTH_LIMIT):
        assert_error(wrong(anon), 401, "unauthorized")
    response = wrong(anon)
    assert_error(response, 429, "rate_limited")
    assert 0 < int(response["Retry-After"]) <= 60
    # While it lasts no token is tried from that address, not even a good one (a guess
    # that happened to be right would otherwise get through) ...
    assert_error(api.get(URL, REMOTE_ADDR=ATTACKER), 429, "rate_limited")
    # ... and other addresses are not held up.
    assert api.get(URL, REMOTE_ADDR="198.51.100.1").status_code == 200
    assert_error(wrong(anon, "198.51.100.1"), 401, "unauthorized")

    time_machine.move_to(NOW + dt.timedelta(seconds=61), tick=False)
    assert api.get(URL, REMOTE_ADDR=ATTACKER).status_code == 200
    assert_error(wrong(anon), 401, "unauthorized")


def test_retry_after_is_the_rest_of_the_window_for_failed_tokens(anon, time_machine):
    time_machine.move_to(NOW + dt.timedelta(seconds=50), tick=False)
    for _ in range(auth.FAILED_AUTH_LIMIT):
        wrong(anon)
    assert wrong(anon)["Retry-After"] == "10"


def test_valid_tokens_are_not_counted_as_failures(anon, api, time_machine):
    time_machine.move_to(NOW, tick=False)
    for _ in range(3 * auth.FAILED_AUTH_LIMIT):
        assert api.get(URL, REMOTE_ADDR=ATTACKER).status_code == 200
    assert_error(wrong(anon), 401, "unauthorized")


def test_a_valid_token_reads_the_failure_count_once_and_writes_nothing(api, anon, frozen, monkeypatch):
    touched = []

    def spy(name, original):
        def call(key, *args, **kwargs):
            if ":authfail:" in key:
                touched.append(name)
            return original(key, *args, **kwargs)

        return call

    monkeypatch.setattr(auth.cache, "get", spy("get", auth.cache.get))
    monkeypatch.setattr(auth.counters, "count", spy("count", auth.counters.count))
    assert api.get(URL, REMOTE_ADDR=ATTACKER).status_code == 200
    assert touched == ["get"]
    assert_error(wrong(anon), 401, "unauthorized")
    assert touched == ["get", "get", "count"]  # a wrong one is counted


def test_failed_action_tokens_count_too(anon, time_machine):
    time_machine.move_to(NOW, tick=False)
    for _ in range(auth.FAILED_AUTH_LIMIT):
        assert_error(wrong(anon, token="hsp_forged"), 401, "unauthorized")
    assert_error(wrong(anon), 429, "rate_limited")


def test_an_ipv6_client_is_counted_by_its_64_network(anon, time_machine):
    time_machine.move_to(NOW, tick=False)
    for n in range(auth.FAILED_AUTH_LIMIT):
        wrong(anon, f"2001:db8:1:2::{n + 1:x}")
    assert_error(wrong(anon, "2001:db8:1:2:ffff::1"), 429, "rate_limited")
    assert_error(wrong(anon, "2001:db8:1:3::1"), 401, "unauthorized")


def test_x_forwarded_for_is_not_read_by_django(anon, time_machine):
    """The ASGI server (uvicorn --proxy-headers) puts a trusted proxy's X-Forwarded-For
    into REMOTE_ADDR; a client that sends the header itself cannot rotate past the limit."""
    time_machine.move_to(NOW, tick=False)
    for n in range(auth.FAILED_AUTH_LIMIT):
        wrong(anon, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert_error(wrong(anon, HTTP_X_FORWARDED_FOR="192.0.2.200"), 429, "rate_limited")


def test_requests_without_a_token_are_not_counted(anon, time_machine):
    time_machine.move_to(NOW, tick=False)
    for _ in range(3 * auth.FAILED_AUTH_LIMIT):
        assert_error(anon.get(URL, REMOTE_ADDR=ATTACKER), 401, "unauthorized")
    assert_error(wrong(anon), 401, "unauthorized")
