from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_it_logs_in_by_email(client, owner):
    response = login(client, "owner@example.com", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("core:today")


def test_a_wrong_password_keeps_the_email_and_says_so(client, owner):
    response = login(client, "owner@example.com", "wrong")
    assert response.status_code == 200
    assert b'value="owner@example.com"' in response.content
    assert response.context["form"].errors


def test_failed_logins_are_rate_limited(client, owner):
    for _ in range(5):
        assert login(client, "owner@example.com", "wrong").status_code == 200
    # The sixth try is refused even with the right password.
    response = login(client, "owner@example.com", PASSWORD)
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    assert b"Too many failed login attempts" in response.content


def test_logout_is_post_only_and_ends_the_session(owner_client):
    response = owner_client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert owner_client.get(reverse("core:today")).status_code == 302
