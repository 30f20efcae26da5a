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
  if it raises, the Delivery says "failed" and the rest still commits. With
  `later=True` (the commit step's news) push and e-mail are recorded as "queued" and sent
  by the `notifications.deliver` task after the caller's transaction commits.
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
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from habitstory.accounts.models import NOTIFICATION_KINDS, Profile
from habitstory.core.queue import enqueue
from habitstory.live import publish

from . import push
from .models import Delivery, Notification

DELIVER_TASK = "notifications.deliver"

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


def render_bell(user_id: int, *, oob: bool = False, cached: bool = False) -> str:
    """The bell with the unread count: counted now, or (`cached`, once the transaction
    that changed it has committed) as the cache keeps it."""
    count = cache.get(_unread_key(user_id)) if cached else None
    if count is None:
        count = count_unread(user_id)
    return render_to_string("notifications/_bell.html", {"unread_notifications": count, "oob": oob})


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
    later: bool = False,
    announce: bool = True,
) -> Notification | None:
    """Tell `user` about something of `kind`. Returns the stored Notification, or None when
    `key` was already used for this user (a job run twice notifies once).

    `also_kinds`: one notification that speaks for several kinds too (a commit's news
    summed up): it goes to every channel any of the kinds asks for.
    `later`: store it (and its in-app delivery) now, in the caller's transaction, and send
    push and e-mail from the `notifications.deliver` task once that commits (the commit
    step: no network inside its lock).
    `announce`: refresh the bell in the user's open tabs, with the title as a toast
    (False: the caller tells the tabs itself, as the commit step's live message does).

    The e-mail uses `email_template` + ".txt" and ".html" (default
    "notifications/email/notification"), with `email_context` added to the context."""
    for name in (kind, *also_kinds):
        if name not in NOTIFICATION_KINDS:
            raise ValueError(f"Unknown notification kind {name!r}; one of {sorted(NOTIFICATION_KINDS)}")
    _check_url(url)
    profile = user.profile
    channels = {channel for name in (kind, *also_kinds) for channel in profile.channels_for(name)}
    quiet = in_quiet_hours(profile, now)

    # later=True: the caller's transaction (the commit step) holds it all, and a failure
    # here fails the caller; otherwise a savepoint keeps a failing notify() from spoiling a
    # job's transaction that goes on to the next user.
    with transaction.atomic(savepoint=not later):
        notification = _store(user, kind, title, body, url, key, "in_app" in channels, actions, now)
        if notification is None:
            return None
        deliveries = [_in_app(notification)]
        for channel in ("push", "email"):
            delivery = Delivery(notification=notification, channel=channel, status=_decision(channel, channels, quiet))
            if delivery.status == Status.QUEUED and not later:
                delivery.status, delivery.detail = _send(notification, channel, email_template, email_context)
            deliveries.append(delivery)
        Delivery.objects.bulk_create(deliveries)
        if any(delivery.status == Status.QUEUED for delivery in deliveries):
            pk = notification.pk
            transaction.on_commit(lambda: enqueue(DELIVER_TASK, pk, fallback=lambda: deliver(pk)), robust=True)
        if notification.in_app:
            _refresh_unread(user.pk)
            if announce:
                publish(user.pk, "notification", html=render_bell(user.pk, oob=True), message=notification.title)
    return notification


def _store(user, kind, title, body, url, key, in_app, actions, now) -> Notification | None:
    """The Notification row, or None when `key` was already used for this user: one
    INSERT … ON CONFLICT DO NOTHING (no savepoint, nothing spoilt in the caller's
    transaction when the key was used)."""
    notification = Notification(
        user=user, kind=kind, title=title[:140], body=body, url=url, key=key, in_app=in_app,
        actions=actions or [], created_at=now or timezone.now(),
    )
    if key is None:
        notification.save(force_insert=True)
        return notification
    fields = [field for field in Notification._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {quote(Notification._meta.db_table)} ({", ".join(quote(f.column) for f in fields)})
            VALUES ({", ".join(["%s"] * len(fields))})
            ON CONFLICT (user_id, key) WHERE key IS NOT NULL DO NOTHING RETURNING id""",
            [field.get_db_prep_save(getattr(notification, field.attname), connection) for field in fields],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    notification.pk = row[0]
    notification._state.adding = False
    return notification


def _in_app(notification: Notification) -> Delivery:
    if notification.in_app:
        return Delivery(notification=notification, channel="in_app", status=Status.SENT)
    return Delivery(notification=notification, channel="in_app", status=Status.SKIPPED_PREF)


def _decision(channel: str, channels: set[str], quiet: bool) -> str:
    """Whether push or e-mail goes out: skipped (by preference or quiet hours), or QUEUED
    to be sent (now by notify(), or by the deliver task)."""
    if channel not in channels:
        return Status.SKIPPED_PREF
    if quiet:
        return Status.SKIPPED_QUIET
    return Status.QUEUED


def _send(notification: Notification, channel: str, template: str | None = None,
          extra_context: dict | None = None) -> tuple[str, str]:
    """Send by push or e-mail: (status, detail). A failure is logged and recorded."""
    try:
        if channel == "push":
            status, detail = push.send(notification)
        else:
            _send_email(notification, template, extra_context)
            status, detail = Status.SENT, notification.user.email
    except Exception as exc:
        logger.warning("notify: %s failed for notification %s", channel, notification.pk, exc_info=True)
        return Status.FAILED, repr(exc)[:300]
    return status, detail[:300]


def _send_email(notification: Notification, template: str | None, extra_context: dict | None) -> None:
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
    send_mail(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{notification.title}",
        message=render_to_string(f"{template}.txt", context),
        from_email=None,
        recipient_list=[user.email],
        html_message=render_to_string(f"{template}.html", context),
    )


def deliver(notification_id: int) -> dict[str, str]:
    """Send a stored notification's queued push and e-mail (notify(later=True)), each
    once: a queued delivery is claimed by moving it from QUEUED, so a retried or doubled
    task sends nothing twice. Returns {channel: status} of what this run sent."""
    sent = {}
    for delivery in Delivery.objects.filter(notification_id=notification_id, status=Status.QUEUED).select_related(
        "notification__user__profile"
    ):
        if not Delivery.objects.filter(pk=delivery.pk, status=Status.QUEUED).update(status=Status.SENT):
            continue  # another run claimed it
        status, detail = _send(delivery.notification, delivery.channel)
        Delivery.objects.filter(pk=delivery.pk).update(status=status, detail=detail)
        sent[delivery.channel] = status
    return sent


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
