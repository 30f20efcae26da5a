"""The one way anything tells a person something: `notify()`.

Prompts, nudges, risk alerts, achievements and digests all call it; it decides per
channel (in_app, push, email) from the user's preferences and quiet hours, stores one
Notification and one Delivery row per channel, sends the e-mail and, once the transaction
commits, refreshes the bell in the user's open tabs.

Decisions:
- The Notification row is stored even when the user left "in_app" out for this kind
  (`in_app=False`): it holds the dedupe key and the channel decisions. The inbox and the
  unread count ignore such rows.
- Quiet hours (user's local time; the range may cross midnight) hold back push and
  e-mail, never in-app: the inbox is silent.
- The e-mail goes out inside notify()'s transaction, through Django's configured backend;
  if it raises, the Delivery says "failed" and the rest still commits.
- Web Push goes out through `push.send` to each device the user subscribed (none, or no
  VAPID keys: recorded as skipped); a prompt's `actions` become the notification's
  "Done" and "Snooze" buttons.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from habitstory.accounts.models import NOTIFICATION_KINDS, Profile
from habitstory.live import publish

from . import push
from .models import Delivery, Notification

logger = logging.getLogger(__name__)

Status = Delivery.Status

UNREAD_SECONDS = 600  # bounds how long a count could be stale (e.g. rows changed outside these functions)
CLEAR_READ_AFTER_DAYS = 30


# --- Unread count (cached per user) ------------------------------------------------------


def _unread_key(user_id: int) -> str:
    return f"notifications:unread:{user_id}"


def count_unread(user_id: int) -> int:
    """The unread count straight from the database."""
    return Notification.objects.filter(user_id=user_id, in_app=True, read_at__isnull=True).count()


def unread_count(user: AbstractBaseUser) -> int:
    """The unread count, from the cache, or one query when the cache is cold."""
    key = _unread_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = count_unread(user.pk)
        cache.set(key, count, UNREAD_SECONDS)
    return count


def cached_unread_count(user_id: int) -> int | None:
    """What every page's bell shows: a cache read, never a query. None when the cache is
    cold; the bell then loads its number itself (views.bell)."""
    return cache.get(_unread_key(user_id))


def _refresh_unread(user_id: int) -> None:
    """Drop the cached count now (reads later in this transaction recount) and, once the
    transaction commits, store the committed count so the next page needs no query."""
    key = _unread_key(user_id)
    cache.delete(key)
    transaction.on_commit(lambda: cache.set(key, count_unread(user_id), UNREAD_SECONDS))


def render_bell(user_id: int, *, oob: bool = False) -> str:
    return render_to_string(
        "notifications/_bell.html", {"unread_notifications": count_unread(user_id), "oob": oob}
    )


# --- Channel rules ------------------------------------------------------------------------


def in_quiet_hours(profile: Profile, now: dt.datetime | None = None) -> bool:
    """Whether the user's local time falls in their quiet hours: start inclusive, end
    exclusive; 22:00–07:00 crosses midnight. No range, or start == end, means never."""
    start, end = profile.quiet_hours_start, profile.quiet_hours_end
    if start is None or end is None or start == end:
        return False
    local = profile.local_now(now).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def _check_url(url: str) -> str:
    if url and not (url.startswith("/") and not url.startswith("//")) and not url.startswith(("https://", "http://")):
        raise ValueError(f"A notification url must be a site path or an http(s) URL, not {url!r}")
    return url


def _absolute(url: str) -> str:
    return f"{settings.SITE_URL}{url}" if url.startswith("/") else url


# --- notify() -----------------------------------------------------------------------------


def notify(
    user: AbstractBaseUser,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    *,
    key: str | None = None,
    now: dt.datetime | None = None,
    email_template: str | None = None,
    email_context: dict | None = None,
    actions: list[dict] | None = None,
    also_kinds: list[str] | tuple[str, ...] = (),
) -> Notification | None:
    """Tell `user` about something of `kind`. Returns the stored Notification, or None when
    `key` was already used for this user (a job run twice notifies once).

    `also_kinds`: one notification that speaks for several kinds too (a commit's news
    summed up): it goes to every channel any of the kinds asks for.

    The e-mail uses `email_template` + ".txt" and ".html" (default
    "notifications/email/notification"), with `email_context` added to the context."""
    for name in (kind, *also_kinds):
        if name not in NOTIFICATION_KINDS:
            raise ValueError(f"Unknown notification kind {name!r}; one of {sorted(NOTIFICATION_KINDS)}")
    _check_url(url)
    profile = user.profile
    channels = {channel for name in (kind, *also_kinds) for channel in profile.channels_for(name)}
    quiet = in_quiet_hours(profile, now)

    with transaction.atomic():
        try:
            with transaction.atomic():  # savepoint: a duplicate key must not spoil the caller's transaction
                notification = Notification.objects.create(
                    user=user,
                    kind=kind,
                    title=title[:140],
                    body=body,
                    url=url,
                    key=key,
                    in_app="in_app" in channels,
                    actions=actions or [],
                    created_at=now or timezone.now(),
                )
        except IntegrityError:
            if key is not None and Notification.objects.filter(user=user, key=key).exists():
                return None
            raise

        deliveries = [
            _in_app(notification),
            _push(notification, channels, quiet),
            _email(notification, channels, quiet, email_template, email_context),
        ]
        Delivery.objects.bulk_create(deliveries)

        if notification.in_app:
            _refresh_unread(user.pk)
            publish(user.pk, "notification", html=render_bell(user.pk, oob=True), message=notification.title)
    return notification


def _in_app(notification: Notification) -> Delivery:
    if notification.in_app:
        return Delivery(notification=notification, channel="in_app", status=Status.SENT)
    return Delivery(notification=notification, channel="in_app", status=Status.SKIPPED_PREF)


def _push(notification: Notification, channels: set[str], quiet: bool) -> Delivery:
    delivery = Delivery(notification=notification, channel="push")
    if "push" not in channels:
        delivery.status = Status.SKIPPED_PREF
    elif quiet:
        delivery.status = Status.SKIPPED_QUIET
    else:
        try:
            status, detail = push.send(notification)
            delivery.status, delivery.detail = status, detail[:300]
        except Exception as exc:
            logger.warning("notify: push failed for notification %s", notification.pk, exc_info=True)
            delivery.status, delivery.detail = Status.FAILED, repr(exc)[:300]
    return delivery


def _email(
    notification: Notification,
    channels: set[str],
    quiet: bool,
    template: str | None = None,
    extra_context: dict | None = None,
) -> Delivery:
    delivery = Delivery(notification=notification, channel="email")
    if "email" not in channels:
        delivery.status = Status.SKIPPED_PREF
        return delivery
    if quiet:
        delivery.status = Status.SKIPPED_QUIET
        return delivery
    user = notification.user
    context = {
        "notification": notification,
        "name": user.profile.name,
        "link": _absolute(notification.url) if notification.url else "",
        "preferences_link": _absolute(reverse("accounts:profile")),
        "site_url": settings.SITE_URL,
        **(extra_context or {}),
    }
    template = template or "notifications/email/notification"
    try:
        send_mail(
            subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.title}",
            message=render_to_string(f"{template}.txt", context),
            from_email=None,
            recipient_list=[user.email],
            html_message=render_to_string(f"{template}.html", context),
        )
    except Exception as exc:
        logger.warning("notify: e-mail failed for notification %s", notification.pk, exc_info=True)
        delivery.status, delivery.detail = Status.FAILED, repr(exc)[:300]
    else:
        delivery.status, delivery.detail = Status.SENT, user.email
    return delivery


# --- Inbox changes --------------------------------------------------------------------------


def mark_read(notification: Notification, *, now: dt.datetime | None = None) -> bool:
    """Mark one notification read; True when it was unread."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        if changed:
            notification.read_at = now
            _refresh_unread(notification.user_id)
    return bool(changed)


def mark_all_read(user: AbstractBaseUser, *, now: dt.datetime | None = None) -> int:
    with transaction.atomic():
        changed = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=now or timezone.now())
        _refresh_unread(user.pk)
    return changed


def clear_read(user: AbstractBaseUser, *, now: dt.datetime | None = None) -> int:
    """Delete read notifications older than CLEAR_READ_AFTER_DAYS (their deliveries go too)."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=CLEAR_READ_AFTER_DAYS)
    _, per_model = Notification.objects.filter(user=user, read_at__isnull=False, created_at__lt=cutoff).delete()
    return per_model.get(Notification._meta.label, 0)
