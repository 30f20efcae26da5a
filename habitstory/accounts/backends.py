"""Authentication backends that load the signed-in user with their profile in one query:
every page reads the profile (time zone, XP bar), so a request saves a round trip."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


def _user_with_profile(backend, user_id):
    user = get_user_model()._default_manager.select_related("profile").filter(pk=user_id).first()
    return user if user is not None and backend.user_can_authenticate(user) else None


class ProfileModelBackend(ModelBackend):
    def get_user(self, user_id):
        return _user_with_profile(self, user_id)


class ProfileAuthenticationBackend(AllauthBackend):
    """allauth's backend (log in by e-mail), the user read with their profile."""

    def get_user(self, user_id):
        return _user_with_profile(self, user_id)
