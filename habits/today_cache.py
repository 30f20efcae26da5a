"""The Today page's habit list is cached per user, under a version that every change to
the user's habits, pillars or occurrences replaces (after commit).

Rendering a list of 30 habits costs several times the rest of the page; most visits to
Today change nothing, so the list's HTML is reused until something it shows changes. The
version lives in the cache too: if it is evicted, a new one is made and the list is simply
rendered again. Writes that bypass models' save() (bulk and queryset updates) call
`touch()` themselves.
"""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager

from django.core.cache import cache
from django.db import transaction

VERSION_SECONDS = 7 * 24 * 3600
LIST_SECONDS = 3600


def _version_key(user_id: int) -> str:
    return f"today:version:{user_id}"


_batch = threading.local()


def touch(*user_ids: int, now: bool = True) -> None:
    """The user's Today list is out of date. The version is replaced now and again when the
    current transaction commits: a list rendered in between, from data not yet committed,
    is then never served. Inside `batched()` (the commit step) each user is touched once.
    `now=False`: only on commit, for a writer that renders nothing before (the day close)."""
    ids = {uid for uid in user_ids if uid is not None}
    if not ids:
        return
    pending = getattr(_batch, "ids", None)
    if pending is not None:
        pending |= ids
        return
    if now:
        _replace_versions(list(ids))
    transaction.on_commit(lambda: _replace_versions(list(ids)))


@contextmanager
def batched():
    """Collect the touches of one commit step and replace each version once (and once
    more on commit)."""
    if getattr(_batch, "ids", None) is not None:
        yield  # already batching
        return
    _batch.ids = set()
    try:
        yield
    finally:
        ids, _batch.ids = _batch.ids, None
        if ids:
            touch(*ids)


def _replace_versions(user_ids: list[int]) -> None:
    """Drop the versions: the next read makes a new one (list_key). One command for many
    users, where setting new ones would be one each."""
    cache.delete_many([_version_key(uid) for uid in user_ids])


def list_key(user_id: int, *parts) -> str:
    """The cache key of the user's current Today list (parts: the day, week start, …)."""
    key = _version_key(user_id)
    version = cache.get(key)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(key, version, VERSION_SECONDS)
        version = cache.get(key, version)
    return "today:list:" + ":".join(str(p) for p in (user_id, version, *parts))
