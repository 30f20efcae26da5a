"""allauth adapters: the profile is completed in the same transaction as the new user."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.db import transaction

from gamification.services import pet_of
from habits.services import create_default_pillars

from .forms import parse_timezone


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        if not commit:
            return super().save_user(request, user, form, commit=False)
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=True)
            create_default_pillars(user)
            pet_of(user)  # every user starts with an egg
            # User.save() created the profile; the browser told us the time zone.
            tz = parse_timezone(form.cleaned_data.get("timezone") or request.POST.get("timezone"))
            if tz != "UTC":
                user.profile.timezone = tz
                user.profile.save(update_fields=["timezone", "updated_at"])
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def save_user(self, request, sociallogin, form=None):
        with transaction.atomic():
            user = super().save_user(request, sociallogin, form=form)
            create_default_pillars(user)
            pet_of(user)
            tz = parse_timezone(request.POST.get("timezone") or request.COOKIES.get("tz"))
            if tz != "UTC":
                user.profile.timezone = tz
                user.profile.save(update_fields=["timezone", "updated_at"])
        return user
