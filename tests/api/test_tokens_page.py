"""The API tokens page under the profile (/profile/tokens/): list, create (shown once, with
a copy button), revoke; the profile page links to it."""

from __future__ import annotations

import hashlib
import re

import pytest

from habitstory.api import services
from habitstory.api.models import ApiToken

from .conftest import ApiClient

pytestmark = pytest.mark.django_db

PROFILE = "/profile/"
TOKENS = "/profile/tokens/"


def revoke_url(token) -> str:
    return f"/profile/tokens/{token.pk}/revoke/"


def test_it_needs_login(client, owner):
    token, _ = services.issue_token(owner, "Phone")
    for method, url in [("get", TOKENS), ("post", TOKENS), ("post", revoke_url(token))]:
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_the_profile_links_to_the_tokens_page(owner_client, owner):
    services.issue_token(owner, "Phone")
    revoked, _ = services.issue_token(owner, "Old laptop")
    services.revoke_token(revoked)
    html = owner_client.get(PROFILE).content.decode()
    card = html[html.index('id="api-tokens"') : html.index("</section>", html.index('id="api-tokens"'))]
    assert "You have 1 active token." in card
    assert f'href="{TOKENS}"' in card
    assert "<table" not in card and "Revoke" not in card and "Phone" not in card


def test_the_tokens_page_lists_the_users_tokens(owner_client, owner, stranger):
    services.issue_token(owner, "Phone")
    revoked, _ = services.issue_token(owner, "Old laptop")
    services.revoke_token(revoked)
    services.issue_token(stranger, "Stranger's script")
    html = owner_client.get(TOKENS).content.decode()
    assert 'id="api-tokens"' in html
    assert "Phone" in html and "Old laptop" in html and "revoked" in html
    assert "Stranger" not in html
    assert html.count("Revoke</button>") == 1
    for token in ApiToken.objects.filter(user=owner):
        assert f"{token.prefix}…" in html


def test_the_page_has_no_inline_script_or_style(owner_client, owner):
    services.issue_token(owner, "Phone")
    owner_client.post(TOKENS, {"token-name": "Shortcuts"})
    html = owner_client.get(TOKENS).content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert "<script" not in main and "style=" not in main and "<style" not in main
    assert re.search(r'<script type="module" src="/static/js/copy\.js" nonce="[^"]+"></script>', html)


def test_creating_a_token_shows_it_once(owner_client, owner):
    response = owner_client.post(TOKENS, {"token-name": "  Shortcuts  "})
    assert response.status_code == 302
    assert response["Location"] == TOKENS
    token = ApiToken.objects.get(user=owner)
    assert token.name == "Shortcuts"

    html = owner_client.get(TOKENS).content.decode()
    raw = re.search(r'id="api-new-token" type="text" value="([^"]+)"', html).group(1)
    assert raw.startswith(token.prefix)
    assert hashlib.sha256(raw.encode()).hexdigest() == token.token_hash
    assert "it will not be shown again" in html
    # The copy button appears only with JavaScript; without it the field is there to select.
    assert re.search(r'<button type="button"[^>]* data-copy-from="api-new-token"[^>]* hidden>Copy</button>', html)
    assert ApiClient(raw).get("/api/v1/habits").status_code == 200

    assert raw not in owner_client.get(TOKENS).content.decode()
    assert raw not in owner_client.get(PROFILE).content.decode()


@pytest.mark.parametrize(
    "name,error",
    [
        ("", "This field is required."),
        ("x" * 61, "Ensure this value has at most 60 characters"),
        ("Phone\u202e", "no control or text-direction characters"),
    ],
)
def test_a_bad_name_is_shown_with_what_was_typed(owner_client, name, error):
    response = owner_client.post(TOKENS, {"token-name": name})
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == TOKENS  # the page's own URL, not the API's
    html = response.content.decode()
    assert error in html
    assert 'aria-invalid="true"' in html
    assert f'value="{name}"' in html or name == "" or "\u202e" in name
    assert 'class="errorlist" id="id_token-name_error"' in html
    assert not ApiToken.objects.exists()


def test_a_name_in_use_is_refused(owner_client, owner):
    services.issue_token(owner, "Phone")
    response = owner_client.post(TOKENS, {"token-name": "phone"})
    assert "You already have a token with this name" in response.content.decode()
    assert ApiToken.objects.count() == 1


def test_the_old_api_url_is_gone(owner_client):
    """The tokens page was once at /api/v1/account/tokens/: the API answers that path with
    its JSON 404 now."""
    for method in ("get", "post"):
        response = getattr(owner_client, method)("/api/v1/account/tokens/", {"token-name": "Phone"})
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert not ApiToken.objects.exists()


def test_revoking_a_token(owner_client, owner):
    token, raw = services.issue_token(owner, "Phone")
    response = owner_client.post(revoke_url(token))
    assert response.status_code == 302 and response["Location"] == TOKENS
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert ApiClient(raw).get("/api/v1/habits").status_code == 401


def test_revoking_twice_keeps_the_first_time(owner_client, owner):
    token, _ = services.issue_token(owner, "Phone")
    owner_client.post(revoke_url(token))
    token.refresh_from_db()
    first = token.revoked_at
    owner_client.post(revoke_url(token))
    token.refresh_from_db()
    assert token.revoked_at == first


def test_another_users_token_is_a_404(owner_client, stranger):
    token, _ = services.issue_token(stranger, "Theirs")
    assert owner_client.post(revoke_url(token)).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_needs_a_post(owner_client, owner):
    token, _ = services.issue_token(owner, "Phone")
    assert owner_client.get(revoke_url(token)).status_code == 405
    assert owner_client.put(TOKENS).status_code == 405


def test_the_forms_need_the_csrf_token(owner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(TOKENS, {"token-name": "Phone"}).status_code == 403
    assert not ApiToken.objects.exists()
