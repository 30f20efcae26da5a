"""Sign-up creates the user and the profile together, with the browser's time zone."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError
from django.urls import reverse

from habitstory.accounts.models import Profile, User

pytestmark = pytest.mark.django_db


def signup(client, email="new@example.com", timezone="Pacific/Auckland", password="a-long-pass-phrase-91"):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": password, "password2": password, "timezone": timezone},
    )


def test_it_creates_the_profile_with_the_browsers_time_zone(client):
    response = signup(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("archetypes:quiz")  # the quiz first (skippable)
    user = User.objects.get(email="new@example.com")
    assert str(user.profile.timezone) == "Pacific/Auckland"
    assert user.profile.day_start_hour == 0


def test_it_falls_back_to_utc_for_an_unknown_zone(client):
    signup(client, timezone="Mars/Olympus_Mons")
    assert str(User.objects.get(email="new@example.com").profile.timezone) == "UTC"


def test_it_sends_a_verification_email(client):
    signup(client)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    assert EmailAddress.objects.get(email="new@example.com").verified is False


def test_a_new_user_lands_on_today_signed_in(client):
    signup(client)
    response = client.get(reverse("core:today"))
    assert response.status_code == 200
    assert b"Your story starts here" in response.content


def test_it_keeps_what_was_typed_and_names_the_field_on_error(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "typed@example.com", "password1": "a-long-pass-phrase-91", "password2": "different-91"},
    )
    assert response.status_code == 200
    assert b'value="typed@example.com"' in response.content
    assert "password2" in response.context["form"].errors
    assert not User.objects.filter(email="typed@example.com").exists()


def test_every_way_of_creating_a_user_creates_a_profile():
    user = User.objects.create_user("plain@example.com", "pw-12345678")
    admin = User.objects.create_superuser("root@example.com", "pw-12345678")
    assert Profile.objects.filter(user__in=[user, admin]).count() == 2


def test_user_and_profile_are_written_in_one_transaction(monkeypatch):
    def fail(*args, **kwargs):
        raise IntegrityError("profile insert failed")

    monkeypatch.setattr(Profile.objects, "create", fail)
    with pytest.raises(IntegrityError):
        User.objects.create_user("half@example.com", "pw-12345678")
    assert not User.objects.filter(email="half@example.com").exists()


def test_emails_are_unique_case_insensitively(client, make_user):
    make_user("taken@example.com")
    response = signup(client, email="Taken@Example.com")
    assert response.status_code == 200
    assert "email" in response.context["form"].errors
