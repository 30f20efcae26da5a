"""Per-user bookkeeping shared by writers and readers of insights: a user's data changed
(the nightly training will pick them up; their cached predictions and statements go).

The cache generation is a counter in the cache: predictions and statements put it in their
keys, so bumping it drops every cached answer of that user at once, without a scan.
"""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.utils import timezone

from .models import TrainingState

GENERATION_TTL = 60 * 60 * 24 * 30


def _key(user_id: int) -> str:
    return f"insights:gen:{user_id}"


def generation(user_id: int) -> int:
    """The user's current cache generation (0 when unknown)."""
    return cache.get(_key(user_id), 0)


def bump(user_id: int) -> None:
    """Forget the user's cached predictions and statements."""
    key = _key(user_id)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, GENERATION_TTL)


def data_changed(user_id: int, *, now: dt.datetime | None = None) -> None:
    """The user's check-ins, events or habit log changed: retrain them tonight, and drop
    what is cached. One UPDATE (or an INSERT the first time)."""
    now = now or timezone.now()
    updated = TrainingState.objects.filter(user_id=user_id).update(data_changed_at=now)
    if not updated:
        TrainingState.objects.get_or_create(user_id=user_id, defaults={"data_changed_at": now})
    bump(user_id)
