"""django-allauth pages render inside the HabitStory shell (templates/allauth/).

Entrance pages sit in the centred auth card, manage pages in a card under a .page-head with
the account sub-navigation; forms show labels, errors under the field and keep typed values.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

SHELL = "Skip to content"
PASSWORD = "helper-pass-123"

pytestmark = pytest.mark.django_db


@pytest.fixture
def user(django_user_model):
    from allauth.account.models import EmailAddress

    user = django_user_model.objects.create_user("helper@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.fixture
def logged_in(client, user):
    """A client logged in through allauth's own form, so allauth records a fresh
    authentication (pages such as TOTP activation ask for one)."""
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def reauthenticate(client) -> None:
    """Security pages (TOTP, recovery codes) want a recent password confirmation."""
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:2000]


@pytest.fixture
def mfa_user(django_user_model):
    from allauth.account.models import EmailAddress
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = django_user_model.objects.create_user("helper-mfa@example.com", PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    RecoveryCodes.activate(user)
    return user


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    assert SHELL in html
    assert 'id="main"' in html
    assert len(re.findall(r"<h1[\s>]", html)) == 1, "exactly one h1 per page"
    # Content-Security-Policy: no inline styles, no inline scripts.
    assert "style=" not in html
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag, f"inline script: {tag}"
    return html


def entrance(response) -> str:
    html = page(response)
    assert 'class="card auth-card"' in html
    return html


def manage(response) -> str:
    html = page(response)
    assert 'class="page-head"' in html
    assert 'class="card account-card"' in html
    assert 'class="account-nav"' in html
    assert f'href="{reverse("accounts:profile")}"' in html
    for name in ("account_email", "account_change_password", "mfa_index", "socialaccount_connections"):
        assert f'href="{reverse(name)}"' in html
    return html


def has_input(html: str, name: str, type_: str | None = None) -> bool:
    for tag in re.findall(r"<input\b[^>]*>", html):
        if f'name="{name}"' in tag and (type_ is None or f'type="{type_}"' in tag):
            return True
    return False


def has_label_for(html: str, field_id: str) -> bool:
    return f'<label for="{field_id}">' in html


# --- Entrance pages ---------------------------------------------------------------------------


def test_login_page(client):
    html = entrance(client.get(reverse("account_login")))
    assert has_input(html, "login", "email") and has_label_for(html, "id_login")
    assert has_input(html, "password", "password") and has_label_for(html, "id_password")
    assert 'class="help" id="id_password_helptext"' in html  # "Forgot your password?"
    assert reverse("account_reset_password") in html
    assert reverse("account_signup") in html


def test_signup_page(client):
    html = entrance(client.get(reverse("account_signup")))
    for name in ("email", "password1", "password2"):
        assert has_input(html, name) and has_label_for(html, f"id_{name}")
    # The browser's time zone is filled into this hidden input by static/js/app.js.
    assert has_input(html, "timezone", "hidden")
    assert not has_label_for(html, "id_timezone")


def test_password_reset_page(client):
    html = entrance(client.get(reverse("account_reset_password")))
    assert has_input(html, "email", "email") and has_label_for(html, "id_email")


def test_password_reset_done_page(client):
    html = entrance(client.get(reverse("account_reset_password_done")))
    assert "Password Reset" in html


def test_verification_sent_page(client):
    html = entrance(client.get(reverse("account_email_verification_sent")))
    assert "Verify Your Email Address" in html


def test_logout_confirmation_page(logged_in):
    html = entrance(logged_in.get(reverse("account_logout")))
    assert f'action="{reverse("account_logout")}"' in html
    assert "Sign Out" in html


def test_reauthenticate_page(logged_in):
    html = entrance(logged_in.get(reverse("account_reauthenticate")))
    assert has_input(html, "password", "password") and has_label_for(html, "id_password")


def test_mfa_authenticate_page(client, mfa_user):
    response = client.post(reverse("account_login"), {"login": mfa_user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    html = entrance(client.get(reverse("mfa_authenticate")))
    assert has_input(html, "code") and has_label_for(html, "id_code")

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    html = entrance(response)
    assert 'class="errorlist" id="id_code_error"' in html
    assert 'aria-invalid="true"' in html


# --- Manage pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name",
    ["account_email", "account_change_password", "mfa_index", "socialaccount_connections"],
)
def test_manage_pages(logged_in, url_name):
    html = manage(logged_in.get(reverse(url_name)))
    assert f'href="{reverse(url_name)}" aria-current="page"' in html


def test_totp_activate_page(logged_in):
    reauthenticate(logged_in)
    html = manage(logged_in.get(reverse("mfa_activate_totp")))
    assert has_input(html, "code") and has_label_for(html, "id_code")
    assert 'class="qr-code"' in html


def test_mfa_manage_pages_for_an_mfa_user(client, mfa_user):
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    client.post(reverse("account_login"), {"login": mfa_user.email, "password": PASSWORD})
    codes = Authenticator.objects.get(user=mfa_user, type=Authenticator.Type.RECOVERY_CODES)
    code = RecoveryCodes(codes).get_unused_codes()[0]
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302

    manage(client.get(reverse("mfa_index")))
    reauthenticate(client)
    manage(client.get(reverse("mfa_view_recovery_codes")))
    manage(client.get(reverse("mfa_deactivate_totp")))


# --- Errors --------------------------------------------------------------------------------


def test_signup_with_mismatched_passwords_shows_the_error_and_keeps_the_email(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new-person@example.com",
            "password1": "a-Long-pass-phrase-1",
            "password2": "a-Long-pass-phrase-2",
            "timezone": "Europe/London",
        },
    )
    html = entrance(response)
    assert "You must type the same password each time." in html
    assert 'class="errorlist" id="id_password2_error"' in html
    password2 = next(t for t in re.findall(r"<input\b[^>]*>", html) if 'name="password2"' in t)
    assert 'aria-invalid="true"' in password2
    assert "id_password2_error" in password2
    email = next(t for t in re.findall(r"<input\b[^>]*>", html) if 'name="email"' in t)
    assert 'value="new-person@example.com"' in email
    assert has_input(html, "timezone", "hidden")


def test_bad_login_shows_a_form_error_and_keeps_the_email(client, user):
    response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
    html = entrance(response)
    assert 'class="form-errors"' in html
    login = next(t for t in re.findall(r"<input\b[^>]*>", html) if 'name="login"' in t)
    assert f'value="{user.email}"' in login
