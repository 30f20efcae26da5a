"""What a person was told (Notification) and how each channel was decided (Delivery).

Every call of `services.notify()` stores one Notification and one Delivery per channel
(in_app, push, email), whether the channel was used or not, so "why did I (not) get
this?" can be answered from admin.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from habitstory.accounts.models import NOTIFICATION_CHANNELS, NOTIFICATION_KINDS


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=list(NOTIFICATION_KINDS.items()))
    title = models.CharField(max_length=140)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True, help_text="Where the notification leads, e.g. /habits/3/.")
    # A job passes a key like "prompt:<occurrence id>" so that running it twice notifies once.
    key = models.CharField(max_length=120, null=True, blank=True)
    # False when the user's preferences leave "in_app" out for this kind: the row still
    # records the event (and holds the key) but the inbox and the bell ignore it.
    in_app = models.BooleanField(default=True)
    # What a push notification can do without opening the app, e.g. a prompt's "Done" and
    # "Snooze": [{"action", "title", "method", "path", "body"}] (see notifications.push).
    actions = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"], condition=Q(key__isnull=False), name="notification_key_once"
            ),
        ]
        indexes = [models.Index(fields=["user", "in_app", "read_at"], name="notification_inbox")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def is_unread(self) -> bool:
        return self.read_at is None


class Delivery(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        SKIPPED_QUIET = "skipped_quiet", "Skipped: quiet hours"
        SKIPPED_PREF = "skipped_pref", "Skipped: not chosen by the user"
        SKIPPED_UNAVAILABLE = "skipped_unavailable", "Skipped: channel not set up"
        FAILED = "failed", "Failed"
        QUEUED = "queued", "Queued: a task sends it"

    notification = models.ForeignKey(Notification, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=list(NOTIFICATION_CHANNELS.items()))
    status = models.CharField(max_length=20, choices=Status.choices)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["notification_id", "id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["notification", "channel"], name="delivery_once_per_channel"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.status}"


class PushSubscription(models.Model):
    """One browser (device) that accepted push for a user: the endpoint its push service
    gave it and the keys that encrypt messages for it (RFC 8291). A browser belongs to
    one user at a time: subscribing again, as anyone, replaces the row. Removed when the
    push service answers 404 or 410 (the subscription is gone)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=120, help_text="The browser's public key (base64url).")
    auth = models.CharField(max_length=40, help_text="The browser's auth secret (base64url).")
    device = models.CharField(max_length=80, blank=True, help_text="A label from the browser, e.g. Chrome on Android.")
    created_at = models.DateTimeField(default=timezone.now)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0, help_text="Failed sends in a row.")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.device or 'Browser'} of {self.user_id}"

    def info(self) -> dict:
        """The subscription as pywebpush takes it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}
