"""Web Push: devices that subscribed, and sending a notification to them.

`send(notification)` is what `services.notify()` calls for the push channel. It encrypts
one message per subscribed device (RFC 8291, with pywebpush) signed with the site's VAPID
key (RFC 8292), and removes a subscription whose push service answers 404 or 410.

The message is JSON the service worker (`core/sw.js`) shows as a notification: title,
body, the page to open on a click and, for a prompt, the "Done" and "Snooze" buttons. A
button works without opening the app: it carries its API call (method, path, body) and an
action token that authorises exactly that call, for that user, for two days. The service
worker sends it as `Authorization: Bearer hsp_…` (`api.auth.BearerToken`), so it needs
neither a session cookie nor a CSRF token, which a service worker cannot read.

Decisions:
- A browser belongs to one user at a time: subscribing an endpoint someone else had moves it.
- Endpoints must be https; plain http only to a loopback host (local push servers, tests).
- Sending happens in notify()'s caller (the Celery jobs), with a short timeout per device;
  a device that fails (other than gone) keeps its subscription and counts `failures`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import json
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from py_vapid import Vapid

from .models import Delivery, Notification, PushSubscription

logger = logging.getLogger(__name__)

Status = Delivery.Status

ACTION_PREFIX = "hsp_"
ACTION_SALT = "habitstory.push-action"
ACTION_MAX_AGE = 2 * 24 * 3600  # a notification's buttons work for two days
TIMEOUT_SECONDS = 5
TTL_SECONDS = {"prompts": 2 * 3600, "nudges": 6 * 3600}  # how long a push service keeps it
DEFAULT_TTL_SECONDS = 24 * 3600
MAX_DEVICE_LABEL = 80

_session = requests.Session()


def enabled() -> bool:
    return bool(settings.VAPID_PRIVATE_KEY and settings.VAPID_PUBLIC_KEY)


def public_key() -> str:
    """What the browser passes as `applicationServerKey` when it subscribes."""
    return settings.VAPID_PUBLIC_KEY


# --- Keys -----------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(value: str) -> bytes:
    value = value.strip()
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def generate_keys() -> dict[str, str]:
    """A new VAPID pair: base64url of the raw private key and the uncompressed public point."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_numbers().private_value.to_bytes(32, "big")
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {"public_key": _b64(public), "private_key": _b64(private)}


@functools.lru_cache(maxsize=2)
def _vapid(private_key: str) -> Vapid:
    return Vapid.from_string(private_key)


# --- Subscriptions --------------------------------------------------------------------------


class SubscriptionError(ValueError):
    """A subscription the browser sent that cannot be used; `details` names the fields."""

    def __init__(self, details: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in details.items()))
        self.details = details


@dataclass(frozen=True)
class SubscriptionIn:
    endpoint: str
    p256dh: str
    auth: str


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def parse_subscription(data: object) -> SubscriptionIn:
    """Check what `PushSubscription.toJSON()` gave the page: {endpoint, keys: {p256dh, auth}}."""
    if not isinstance(data, dict):
        raise SubscriptionError({"subscription": "Send the browser's subscription as a JSON object."})
    errors: dict[str, str] = {}
    endpoint = data.get("endpoint")
    if not isinstance(endpoint, str) or not endpoint:
        errors["endpoint"] = "The subscription has no endpoint."
    elif len(endpoint) > 1000:
        errors["endpoint"] = "The endpoint is longer than 1,000 characters."
    else:
        parts = urlsplit(endpoint)
        secure = parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.hostname or ""))
        if not secure or not parts.hostname:
            errors["endpoint"] = "The endpoint must be an https:// URL."
    keys = data.get("keys")
    keys = keys if isinstance(keys, dict) else {}
    for field, size in (("p256dh", 65), ("auth", 16)):
        value = keys.get(field)
        try:
            raw = _unb64(value) if isinstance(value, str) and value else b""
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != size or (field == "p256dh" and raw[:1] != b"\x04"):
            errors[f"keys.{field}"] = f"The {field} key must be {size} bytes in base64url."
    if errors:
        raise SubscriptionError(errors)
    return SubscriptionIn(endpoint=endpoint, p256dh=keys["p256dh"].strip(), auth=keys["auth"].strip())


def subscribe(user: AbstractBaseUser, data: object, *, device: str = "") -> tuple[PushSubscription, bool]:
    """Store (or refresh) this browser's subscription for `user`. Returns (row, created)."""
    sub = parse_subscription(data)
    return PushSubscription.objects.update_or_create(
        endpoint=sub.endpoint,
        defaults={
            "user": user,
            "p256dh": sub.p256dh,
            "auth": sub.auth,
            "device": device[:MAX_DEVICE_LABEL],
            "failures": 0,
        },
    )


def unsubscribe(user: AbstractBaseUser, *, endpoint: str | None = None, pk: int | None = None) -> bool:
    """Forget one of the user's devices, by endpoint (the browser) or id (the device list)."""
    if endpoint is None and pk is None:
        return False
    rows = PushSubscription.objects.filter(user=user)
    rows = rows.filter(endpoint=endpoint) if endpoint is not None else rows.filter(pk=pk)
    deleted, _ = rows.delete()
    return bool(deleted)


def device_label(user_agent: str) -> str:
    """A short name for the device list, e.g. "Chrome on Android"."""
    ua = user_agent or ""
    browser = next(
        (name for token, name in (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
                                  ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))
         if token in ua),
        "Browser",
    )
    system = next(
        (name for token, name in (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
                                  ("Windows", "Windows"), ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"),
                                  ("Linux", "Linux"))
         if token in ua),
        "",
    )
    return f"{browser} on {system}" if system else browser


# --- Action tokens --------------------------------------------------------------------------


def action_token(user_id: int, method: str, path: str) -> str:
    """A token that lets the bearer make exactly this one API call as this user."""
    return ACTION_PREFIX + signing.dumps({"u": user_id, "m": method.upper(), "p": path}, salt=ACTION_SALT)


def user_id_for_action(token: str, method: str, path: str) -> int | None:
    """The user an action token speaks for, when it is genuine, fresh and made for this call."""
    if not token.startswith(ACTION_PREFIX):
        return None
    try:
        claims = signing.loads(token[len(ACTION_PREFIX) :], salt=ACTION_SALT, max_age=ACTION_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(claims, dict) or claims.get("m") != method.upper() or claims.get("p") != path:
        return None
    user_id = claims.get("u")
    return user_id if isinstance(user_id, int) else None


def prompt_actions(habit, on) -> list[dict]:
    """A prompt's buttons: "Done" (yes/no habits; a measured amount needs the app) and
    "Snooze", each the API call the service worker makes."""
    path = reverse("api:log_day", kwargs={"habit_id": habit.pk, "day": on.isoformat()})
    actions = []
    if not habit.is_measurable:
        actions.append({"action": "done", "title": "Done", "method": "PUT", "path": path, "body": {"status": "done"}})
    snooze = reverse("api:snooze_day", kwargs={"habit_id": habit.pk, "day": on.isoformat()})
    actions.append({"action": "snooze", "title": "Snooze 30 min", "method": "POST", "path": snooze, "body": None})
    return actions


# --- Sending --------------------------------------------------------------------------------


def message(notification: Notification) -> dict:
    """The JSON the service worker receives."""
    buttons, calls = [], {}
    for action in notification.actions or []:
        buttons.append({"action": action["action"], "title": action["title"]})
        calls[action["action"]] = {
            "method": action["method"],
            "path": action["path"],
            "body": action.get("body"),
            "token": action_token(notification.user_id, action["method"], action["path"]),
        }
    return {
        "title": notification.title,
        "body": notification.body,
        "url": notification.url or "/",
        "tag": notification.key or f"notification-{notification.pk}",
        "kind": notification.kind,
        "actions": buttons,
        "calls": calls,
    }


def send(notification: Notification) -> tuple[str, str]:
    """Push the notification to each of the user's devices. Returns a Delivery (status,
    detail). Never raises for a device's failure; it is counted in the detail."""
    if not enabled():
        return Status.SKIPPED_UNAVAILABLE, "web push not configured"
    subscriptions = list(PushSubscription.objects.filter(user_id=notification.user_id))
    if not subscriptions:
        return Status.SKIPPED_UNAVAILABLE, "no device subscribed"

    # Lazy: pywebpush imports aiohttp (about 80 ms and 7 MB a process), which only a
    # process that sends push (a worker, mostly) needs; push.py is imported by every web
    # process (the API's bearer tokens, notify()).
    from pywebpush import WebPushException, webpush

    data = json.dumps(message(notification), separators=(",", ":"))
    ttl = TTL_SECONDS.get(notification.kind, DEFAULT_TTL_SECONDS)
    sent, gone, failed = [], [], []
    for sub in subscriptions:
        try:
            webpush(
                sub.info(),
                data,
                vapid_private_key=_vapid(settings.VAPID_PRIVATE_KEY),
                vapid_claims={"sub": settings.VAPID_SUBJECT},  # a fresh dict: webpush adds aud and exp
                ttl=ttl,
                timeout=TIMEOUT_SECONDS,
                requests_session=_session,
            )
        except WebPushException as error:
            status = getattr(error.response, "status_code", None)
            if status in (404, 410):
                gone.append(sub.pk)
            else:
                logger.warning("push: %s answered %s for subscription %s", _host(sub), status, sub.pk)
                failed.append(sub.pk)
        except (requests.RequestException, ValueError, TypeError):
            logger.warning("push: could not reach %s for subscription %s", _host(sub), sub.pk, exc_info=True)
            failed.append(sub.pk)
        else:
            sent.append(sub.pk)
    _record(sent, gone, failed)

    parts = [f"sent to {len(sent)} of {len(subscriptions)} device{'s' if len(subscriptions) != 1 else ''}"]
    if gone:
        parts.append(f"{len(gone)} gone (removed)")
    if failed:
        parts.append(f"{len(failed)} failed")
    detail = "; ".join(parts)
    if sent:
        return Status.SENT, detail
    return (Status.FAILED if failed else Status.SKIPPED_UNAVAILABLE), detail


def _record(sent: list[int], gone: list[int], failed: list[int]) -> None:
    with transaction.atomic():
        if sent:
            PushSubscription.objects.filter(pk__in=sent).update(last_sent_at=timezone.now(), failures=0)
        if failed:
            PushSubscription.objects.filter(pk__in=failed).update(failures=F("failures") + 1)
        if gone:
            PushSubscription.objects.filter(pk__in=gone).delete()


def _host(sub: PushSubscription) -> str:
    return urlsplit(sub.endpoint).hostname or "?"
