"""The nightly retraining's claims (docs/insights.md, "Nightly retraining"): which users
have new data since their last training, and a lease on each so that two runs at once
never train the same user twice. The loop itself is the story layer's
(habitstory.story.learning), which also refits the learned quest ranking.

A claim is a batch of TrainingState rows read with SELECT ... FOR UPDATE SKIP LOCKED (on
PostgreSQL; SQLite serialises writers) and leased in the same transaction by an UPDATE
that sets `claimed_until` and `claimed_by`: another run skips them until the lease ends.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from habits.models import Occurrence

from .models import ModelVersion, TrainingState

LEASE = dt.timedelta(hours=3)
# The pooled model is trained at most once in this long, by one run at a time.
POOLED_EVERY = dt.timedelta(hours=20)
POOLED_LOCK = "insights:pooled-training"
LONGEST_WAITING = (F("trained_at").asc(nulls_first=True), "pk")


def seed_states() -> int:
    """Users who log habits but never changed insights data get a training state (their
    completion model is trained from day 14). One query and one insert."""
    logged = Occurrence.objects.filter(habit__user_id=OuterRef("pk"))
    from_habits = (get_user_model().objects.filter(is_active=True, training_state__isnull=True)
                   .filter(Exists(logged)).values_list("pk", flat=True))
    states = [TrainingState(user_id=user_id) for user_id in from_habits]
    TrainingState.objects.bulk_create(states, ignore_conflicts=True)
    return len(states)


def due(run_started: dt.datetime, now: dt.datetime | None = None):
    """Training states with new data since their last training (a check-in or life event
    changed after it, or an occurrence updated after it, or never trained), not trained by
    this run already (trained_at is set to when a training read the data, so during this
    run it is later than its start) and not leased by another run."""
    now = now or timezone.now()
    changed_occurrence = Occurrence.objects.filter(habit__user_id=OuterRef("user_id"),
                                                   updated_at__gt=OuterRef("trained_at"))
    return (TrainingState.objects.filter(user__is_active=True)
            .filter(Q(trained_at__isnull=True) | Q(data_changed_at__gt=F("trained_at")) | Exists(changed_occurrence))
            .filter(Q(trained_at__isnull=True) | Q(trained_at__lt=run_started))
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)))


def claim(run_id: str, run_started: dt.datetime, *, size: int, lease: dt.timedelta = LEASE) -> list[TrainingState]:
    """Lease up to `size` due users to this run; their states with user and profile."""
    now = timezone.now()
    with transaction.atomic():
        # The longest waiting first: a night that ends before everyone is trained leaves
        # the most recently trained for the next.
        candidates = due(run_started, now).order_by(*LONGEST_WAITING)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        ids = list(candidates.values_list("pk", flat=True)[:size])
        if not ids:
            return []
        # The same conditions again: on a database without SKIP LOCKED, a row another run
        # leased meanwhile is not taken over.
        TrainingState.objects.filter(pk__in=ids).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
        ).update(claimed_until=now + lease, claimed_by=run_id)
    return list(TrainingState.objects.filter(pk__in=ids, claimed_by=run_id)
                .select_related("user", "user__profile").order_by(*LONGEST_WAITING))


def finish(state: TrainingState, run_id: str, *, read_at: dt.datetime) -> bool:
    """The user's training (which read their data at `read_at`) is done: the lease ends.
    False if this run no longer held it."""
    return bool(TrainingState.objects.filter(pk=state.pk, claimed_by=run_id).update(
        trained_at=read_at, claimed_until=None, claimed_by="", last_error=""))


def trained(user, *, read_at: dt.datetime) -> None:
    """A user trained outside the nightly run (by hand): as if a run had finished them."""
    TrainingState.objects.update_or_create(user=user, defaults={"trained_at": read_at, "last_error": ""})


def fail(state: TrainingState, run_id: str, error: str) -> None:
    """The user's training failed: the error is kept and the lease left to run out, so
    this run does not take them again; the next night's does."""
    TrainingState.objects.filter(pk=state.pk, claimed_by=run_id).update(claimed_by="", last_error=error[:300])


def release(state_ids: list[int], run_id: str) -> None:
    """Claims this run will not get to (out of time): free for the next run."""
    if state_ids:
        TrainingState.objects.filter(pk__in=state_ids, claimed_by=run_id).update(claimed_until=None, claimed_by="")


def claim_pooled(run_id: str, *, now: dt.datetime | None = None, ttl: int = 3 * 60 * 60) -> bool:
    """Whether this run trains the pooled models now: none trained in the last
    POOLED_EVERY, and no other run is training them (a lock in the cache, `ttl` seconds)."""
    now = now or timezone.now()
    if ModelVersion.objects.filter(user__isnull=True, created_at__gte=now - POOLED_EVERY).exists():
        return False
    return cache.add(POOLED_LOCK, run_id, ttl)


def release_pooled(run_id: str) -> None:
    if cache.get(POOLED_LOCK) == run_id:
        cache.delete(POOLED_LOCK)
