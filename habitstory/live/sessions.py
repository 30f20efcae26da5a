"""A browser session that ends takes its live sockets with it, whichever way it ends: a
logout, its row deleted (a revocation, the admin, a script), its key cycled, or a password
change that leaves every other session of the user unverifiable. Django and allauth tell
of these by signals only (connected once the app is ready: apps.LiveConfig.ready)."""

from __future__ import annotations

from allauth.account import signals as allauth_signals
from django.contrib.auth.signals import user_logged_out
from django.contrib.sessions.models import Session
from django.db.models.signals import post_delete
from django.http import HttpRequest
from django.utils import timezone

from .events import end_session, request_resync


def on_logout(sender, request: HttpRequest | None = None, **kwargs) -> None:
    """Django's user_logged_out, sent before the session is flushed."""
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        end_session(session_key, signed_out=True)


def on_session_deleted(sender, instance: Session, **kwargs) -> None:
    """A deleted session row. An expired one (clearsessions) is skipped: its cookie is dead
    already, and a message per row would be a flood."""
    if instance.expire_date > timezone.now():
        end_session(instance.session_key, signed_out=False)


def on_password_changed(sender, user, **kwargs) -> None:
    """allauth's password_changed, password_set and password_reset: every session but the
    one that made the change (which carries the new hash) no longer verifies. Every tab of
    the user reconnects; those on another session are refused."""
    request_resync(user.pk)


def connect() -> None:
    user_logged_out.connect(on_logout, dispatch_uid="live.on_logout")
    post_delete.connect(on_session_deleted, sender=Session, dispatch_uid="live.on_session_deleted")
    for signal in (allauth_signals.password_changed, allauth_signals.password_set, allauth_signals.password_reset):
        signal.connect(on_password_changed, dispatch_uid="live.on_password_changed")
