"""Who is calling: a personal access token (`Authorization: Bearer hs_…`), a push
notification's action token (`Bearer hsp_…`, good only for the call it was made for: see
notifications.push) or the browser's session (with Django's CSRF check on unsafe methods).
Each gives the user as request.auth. Then a per-user rate limit.

Wrong tokens are limited per client address: after FAILED_AUTH_LIMIT in a minute, every
Bearer request from that address is answered 429 (with Retry-After) until the minute ends,
before any token is looked up. The client address is REMOTE_ADDR, as the ASGI server sets
it (behind a proxy: README, "Configuration")."""

from __future__ import annotations

import ipaddress
import os
import time

from allauth.account.adapter import get_adapter
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja.errors import AuthenticationError, Throttled
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import BaseThrottle

from habitstory.accounts.models import User
from habitstory.core import cache as counters
from habitstory.notifications import push

from . import services

# Requests per user per minute: enough to post a season of history (a check-in and a few
# habit ticks a day) in one go; API_RATE_LIMIT (e.g. "120/m") sets another.
RATE_LIMIT = os.environ.get("API_RATE_LIMIT", "600/m")
FAILED_AUTH_LIMIT = 10  # wrong tokens per client address per minute
IPV6_PREFIX = 64  # an IPv6 client is its /64 network (one home or phone has all of it)


class FixedWindow:
    """Counters in Django's cache (Redis in production, shared by all web processes), one
    per key and clock-aligned window, counted atomically (habitstory.core.cache.count: one
    round trip on Redis). With the cache down they fail open."""

    def __init__(self, name: str, seconds: int):
        self.name = name
        self.seconds = seconds

    def key(self, who: object) -> str:
        return f"api:{self.name}:{who}:{int(time.time() // self.seconds)}"

    def count(self, who: object) -> int:
        return cache.get(self.key(who)) or 0

    def hit(self, who: object) -> int:
        """Count one more; returns the count so far in this window."""
        return counters.count(self.key(who), self.seconds + 5)

    def wait(self) -> float:
        """Seconds until the window ends."""
        return self.seconds - time.time() % self.seconds


_failures = FixedWindow("authfail", 60)


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        address = client_address(request)
        if _failures.count(address) >= FAILED_AUTH_LIMIT:
            raise Throttled(wait=_failures.wait())  # the envelope adds Retry-After
        token = token.strip()
        if token.startswith(push.ACTION_PREFIX):
            user = _user_for_action(token, request)
        else:
            user = services.user_for_token(token)
        if user is None:
            # A token was sent and is wrong or revoked: refuse outright rather than fall
            # back to a session the same browser may also carry.
            _failures.hit(address)
            raise AuthenticationError()
        return user


def client_address(request: HttpRequest) -> str:
    """The caller's address as allauth's sign-in limits read it (REMOTE_ADDR: Django
    reads no X-Forwarded-For itself), an IPv6 address as its /64 network."""
    try:
        address = get_adapter().get_client_ip(request)
    except PermissionDenied:  # no address at all (a Unix socket): one bucket for those
        return "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        return str(ipaddress.IPv6Network(f"{parsed}/{IPV6_PREFIX}", strict=False).network_address)
    return str(parsed)


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
    each clock-aligned window.

    A FixedWindow rather than ninja's SimpleRateThrottle: that one keeps the request's
    history on the shared throttle object and writes the list back with get/set, which
    two threads or processes can interleave."""

    def __init__(self, rate: str = RATE_LIMIT):
        count, _, unit = rate.partition("/")
        self.limit = int(count)
        self.window = FixedWindow("rate", {"s": 1, "m": 60, "h": 3600}[unit])

    def allow_request(self, request: HttpRequest) -> bool:
        user = getattr(request, "auth", None)
        if user is None:
            return True
        return self.window.hit(user.pk) <= self.limit

    def wait(self) -> float:
        """Seconds until the window ends (ninja sends it as Retry-After)."""
        return self.window.wait()


def user_of(request: HttpRequest):
    """The authenticated user of an API request."""
    return request.auth  # type: ignore[attr-defined]
