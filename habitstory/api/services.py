"""Token rules: issue, revoke, authenticate. Views, the API, the admin and the create_token
command call these; none of them writes ApiToken rows another way."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from .models import ApiToken

TOKEN_PREFIX = "hs_"
SHOWN_PREFIX_LENGTH = 8
TOUCH_EVERY = dt.timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(user, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns it with the raw value, which is never stored nor shown again."""
    name = name.strip()
    field = ApiToken._meta.get_field("name")
    try:
        field.clean(name, None)  # its length and characters (habitstory.core.text)
    except ValidationError as error:
        raise ValidationError({"name": error.messages}) from error
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw[:SHOWN_PREFIX_LENGTH], token_hash=hash_token(raw)
    )
    return token, raw


def revoke_token(token: ApiToken, now: dt.datetime | None = None) -> None:
    """Idempotent: a revoked token keeps its first revocation time."""
    now = now or timezone.now()
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])


def user_for_token(raw: str, now: dt.datetime | None = None):
    """The active user a raw token belongs to, or None (unknown, revoked, inactive user).
    Records the use at most once a minute per token, so reads stay reads."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.active()
        .filter(token_hash=hash_token(raw), user__is_active=True)
        .select_related("user__profile")
        .first()
    )
    if token is None:
        return None
    now = now or timezone.now()
    if token.last_used_at is None or token.last_used_at <= now - TOUCH_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - TOUCH_EVERY)
        ).update(last_used_at=now)
    return token.user
