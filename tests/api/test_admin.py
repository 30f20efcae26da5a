from __future__ import annotations

import pytest

from habitstory.api import services
from habitstory.api.models import ApiToken

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/api/apitoken/"


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("admin@example.com", is_staff=True, is_superuser=True))
    return client


def test_it_lists_tokens_searchable_by_email(staff_client, owner, stranger):
    services.issue_token(owner, "Phone")
    services.issue_token(stranger, "Laptop")
    html = staff_client.get(CHANGELIST).content.decode()
    assert "Phone" in html and "Laptop" in html
    html = staff_client.get(CHANGELIST + "?q=stranger@").content.decode()
    assert "Laptop" in html and "Phone" not in html


def test_it_filters_revoked_tokens(staff_client, owner):
    old, _ = services.issue_token(owner, "Old")
    services.issue_token(owner, "Current")
    services.revoke_token(old)
    html = staff_client.get(CHANGELIST + "?revoked=yes").content.decode()
    assert ">Old<" in html and ">Current<" not in html
    html = staff_client.get(CHANGELIST + "?revoked=no").content.decode()
    assert ">Current<" in html and ">Old<" not in html


def test_the_hash_is_read_only(staff_client, owner):
    token, _ = services.issue_token(owner, "Phone")
    html = staff_client.get(f"{CHANGELIST}{token.pk}/change/").content.decode()
    assert token.token_hash in html
    assert 'name="token_hash"' not in html
    assert staff_client.get(CHANGELIST + "add/").status_code == 403


def test_the_revoke_action(staff_client, owner):
    first, _ = services.issue_token(owner, "One")
    second, _ = services.issue_token(owner, "Two")
    response = staff_client.post(
        CHANGELIST, {"action": "revoke", "_selected_action": [first.pk, second.pk]}, follow=True
    )
    assert response.status_code == 200
    assert ApiToken.objects.filter(revoked_at__isnull=True).count() == 0
