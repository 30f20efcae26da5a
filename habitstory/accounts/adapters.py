"""allauth adapters (an interface: allauth calls them): the profile is completed, and the
new user welcomed (habitstory.story.onboarding), in the same transaction as the user; a
new user is then offered the archetype quiz."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.db import transaction
from django.urls import reverse

from habitstory.story.onboarding import welcome

from .forms import parse_timezone


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request):
        """A new user is offered the quiz first (skippable: "Skip for now" leads to Today)."""
        return reverse("archetypes:quiz")

    def save_user(self, request, user, form, commit=True):
        if not commit:
            return super().save_user(request, user, form, commit=False)
        with transaction.atomic():
            user = super().save_user(request, user, form, commit=True)
            welcome(user)
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
            welcome(user)
            tz = parse_timezone(request.POST.get("timezone") or request.COOKIES.get("tz"))
            if tz != "UTC":
                user.profile.timezone = tz
                user.profile.save(update_fields=["timezone", "updated_at"])
        return user
