from __future__ import annotations

from django.utils import timezone


class UserTimezoneMiddleware:
    """Render dates and times in the signed-in user's own time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            timezone.activate(user.profile.zone)
        else:
            timezone.deactivate()
        return self.get_response(request)
