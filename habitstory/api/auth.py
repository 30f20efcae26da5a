"""Who is calling: a personal access token (`Authorization: Bearer hs_…`), a push
notification's action token (`Bearer hsp_…`, good only for the call it was made for: see
notifications.push) or the browser's session (with Django's CSRF check on unsafe methods).
Each gives the user as request.auth. Then a per-user rate limit."""

from __future__ import annotations

import time

from django.core.cache import cache
from django.http import HttpRequest
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import BaseThrottle

from habitstory.accounts.models import User
from habitstory.notifications import push

from . import services

RATE_LIMIT = "120/m"  # requests per user per minute


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        token = token.strip()
        if token.startswith(push.ACTION_PREFIX):
            user = _user_for_action(token, request)
        else:
            user = services.user_for_token(token)
        if user is None:
            # A token was sent and is wrong or revoked: refuse outright rather than fall
            # back to a session the same browser may also carry.
            raise AuthenticationError()
        return user


def _user_for_action(token: str, request: HttpRequest) -> User | None:
    user_id = push.user_id_for_action(token, request.method or "", request.path)
    if user_id is None:
        return None
    return User.objects.filter(pk=user_id, is_active=True).select_related("profile").first()


class BrowserSession(SessionAuth):
    """ninja's session auth, but an anonymous request is a 401 (not a CSRF 403): the CSRF
    check only matters once there is a session to ride on."""

    def __call__(self, request: HttpRequest):
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)


class PerUserThrottle(BaseThrottle):
    """At most `limit` requests per user (whichever token or session they come with) in
    each clock-aligned window, counted in Django's cache (Redis in production, shared by
    all web processes).

    A fixed window with an atomic cache.incr, rather than ninja's SimpleRateThrottle: that
    one keeps the request's history on the shared throttle object and writes the list back
    with get/set, which two threads or processes can interleave."""

    def __init__(self, rate: str = RATE_LIMIT):
        count, _, unit = rate.partition("/")
        self.limit = int(count)
        self.window = {"s": 1, "m": 60, "h": 3600}[unit]

    def allow_request(self, request: HttpRequest) -> bool:
        user = getattr(request, "auth", None)
        if user is None:
            return True
        key = f"api:rate:{user.pk}:{int(time.time() // self.window)}"
        cache.add(key, 0, timeout=self.window + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.window + 5)
            count = 1
        return count <= self.limit

    def wait(self) -> float:
        """Seconds until the window ends (ninja sends it as Retry-After)."""
        return self.window - time.time() % self.window


def user_of(request: HttpRequest):
    """The authenticated user of an API request."""
    return request.auth  # type: ignore[attr-defined]
