"""The model registry: trained models stored as versions, their artifacts checked before
use, and which version serves whom (docs/insights.md, "Registry").

An artifact is LightGBM's own text format in Django's default storage, loaded only after
its SHA-256 matches the version's (never unpickled). A candidate becomes its scope's
champion only through `consider` (it beat the champion on the same held-out days, or the
honest baseline when there is none) or a staff member's `promote`; `rollback` puts the
previous champion back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass

import lightgbm
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import state, training
from .models import ModelVersion

logger = logging.getLogger(__name__)

KINDS: tuple[str, ...] = tuple(ModelVersion.Kind.values)
# Boosters kept in this process, by checksum (a version's artifact never changes).
BOOSTER_CACHE_SIZE = 512
POOLED_GENERATION_KEY = "insights:gen:pooled"
Status = ModelVersion.Status


class ArtifactError(Exception):
    """An artifact is missing, or its bytes are not the ones the version recorded."""


@dataclass(frozen=True)
class Window:
    """The days a version learned from and the days it was scored on (held out)."""

    train_start: dt.date
    train_end: dt.date
    holdout_start: dt.date | None = None
    holdout_end: dt.date | None = None


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _store(text: str, name: str) -> tuple[str, str]:
    """Write a model's text to storage; its stored name and SHA-256."""
    data = text.encode()
    stored = default_storage.save(f"insights/models/{name}", ContentFile(data))
    return stored, checksum(data)


def save(trained, *, kind: str, scope: str, user=None, window: Window, eval_trained=None,
         feature_version: str = "", metrics: dict | None = None, baseline_metrics: dict | None = None,
         champion_metrics: dict | None = None, n_holdout: int = 0, n_users: int = 1, note: str = "") -> ModelVersion:
    """Store a trained model (training.Trained) as a candidate version. `eval_trained` is
    the same model fitted without the held-out days: what a later challenger is compared
    with on its own held-out days."""
    if kind not in KINDS:
        raise ValueError(f"Unknown kind {kind!r}")
    who = f"u{user.pk}" if user is not None else "pooled"
    stem = f"{who}-{kind}-{uuid.uuid4().hex[:12]}"
    artifact, sha = _store(trained.text, f"{stem}.txt")
    eval_artifact, eval_sha = ("", "")
    if eval_trained is not None:
        eval_artifact, eval_sha = _store(eval_trained.text, f"{stem}-eval.txt")
    params = {"lightgbm": dict(trained.params), "extra": dict(trained.extra)}
    if eval_trained is not None:
        params["eval_extra"] = dict(eval_trained.extra)
    return ModelVersion.objects.create(
        scope=scope, user=user, kind=kind, status=Status.CANDIDATE,
        train_start=window.train_start, train_end=window.train_end,
        holdout_start=window.holdout_start, holdout_end=window.holdout_end,
        n_train=trained.n_train, n_holdout=n_holdout, n_users=n_users,
        feature_version=feature_version, features=list(trained.names), params=params,
        metrics=metrics or {}, baseline_metrics=baseline_metrics or {}, champion_metrics=champion_metrics or {},
        training_seconds=float(trained.seconds) + float(getattr(eval_trained, "seconds", 0.0)),
        artifact=artifact, sha256=sha, eval_artifact=eval_artifact, eval_sha256=eval_sha, note=note[:200],
    )


# Loading


_boosters: OrderedDict[str, lightgbm.Booster] = OrderedDict()
_boosters_lock = threading.Lock()


def load(version: ModelVersion, *, eval: bool = False) -> lightgbm.Booster:  # noqa: A002 - the contract's name
    """The version's booster (its eval model with `eval`), read from storage only if its
    SHA-256 matches; cached in this process by checksum. Raises ArtifactError."""
    field, expected = (version.eval_artifact, version.eval_sha256) if eval else (version.artifact, version.sha256)
    if not field.name or not expected:
        raise ArtifactError(f"Version {version.pk} has no {'eval ' if eval else ''}artifact.")
    with _boosters_lock:
        booster = _boosters.get(expected)
        if booster is not None:
            _boosters.move_to_end(expected)
            return booster
    data = _read(field.name)
    if not hmac.compare_digest(checksum(data), expected):
        logger.error("insights: artifact %s of version %s fails its checksum", field.name, version.pk)
        raise ArtifactError(f"The artifact of version {version.pk} does not match its checksum.")
    try:
        booster = lightgbm.Booster(model_str=data.decode())
    except (UnicodeDecodeError, lightgbm.basic.LightGBMError) as exc:
        raise ArtifactError(f"The artifact of version {version.pk} is not a LightGBM model: {exc}") from exc
    with _boosters_lock:
        _boosters[expected] = booster
        while len(_boosters) > BOOSTER_CACHE_SIZE:
            _boosters.popitem(last=False)
    return booster


def _read(name: str) -> bytes:
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError) as exc:
        raise ArtifactError(f"The artifact {name} cannot be read: {exc}") from exc


def forget_boosters() -> None:
    """Empty this process's booster cache (tests, the bench's cold runs)."""
    with _boosters_lock:
        _boosters.clear()


# Who is served by which version


def champion(user, kind: str) -> ModelVersion | None:
    """The version serving this user's `kind`: their own champion, else the pooled one if
    they opted in to pooled learning (for them, their own only once it beat the pooled
    champion on their held-out days: `beats_pooled`), else None."""
    return champions(user).get(kind)


def champions(user, kinds: tuple[str, ...] = KINDS) -> dict[str, ModelVersion]:
    """Every kind's serving version for the user, in one query (the profile is read once
    more unless already loaded)."""
    rows = list(ModelVersion.objects.filter(Q(user=user) | Q(user__isnull=True), kind__in=kinds,
                                            status=Status.CHAMPION))
    own = {v.kind: v for v in rows if v.user_id is not None}
    pooled = {v.kind: v for v in rows if v.user_id is None}
    if pooled and user.profile.pooled_learning:
        return {**pooled, **{kind: v for kind, v in own.items() if kind not in pooled or beats_pooled(v)}}
    return own


def beats_pooled(version: ModelVersion) -> bool:
    """Whether a user's own version beat the pooled champion on that user's held-out days
    (the pipeline scores it there as champion_metrics["pooled"]); not scored: it did not."""
    pooled = (version.champion_metrics or {}).get("pooled") or {}
    if pooled.get(training.PRIMARY[version.kind][0]) is None:
        return False
    return better(version.kind, version.metrics or {}, pooled)


def scope_champion(kind: str, user=None) -> ModelVersion | None:
    """The champion of exactly this scope: the user's own, or the pooled one (user None)."""
    qs = ModelVersion.objects.filter(kind=kind, status=Status.CHAMPION)
    return (qs.filter(user=user) if user is not None else qs.filter(user__isnull=True)).first()


def pooled_generation() -> int:
    """Moves whenever the pooled champions change: predictions put it in their keys."""
    return cache.get(POOLED_GENERATION_KEY, 0)


def _changed(version: ModelVersion) -> None:
    """Cached predictions of whoever this version serves are stale, once this commits."""
    if version.user_id is not None:
        transaction.on_commit(lambda: state.bump(version.user_id))
    else:
        transaction.on_commit(_bump_pooled)


def _bump_pooled() -> None:
    try:
        cache.incr(POOLED_GENERATION_KEY)
    except ValueError:
        cache.set(POOLED_GENERATION_KEY, 1, state.GENERATION_TTL)


# Promotion


def beats(kind: str, challenger: dict, champion_metrics: dict | None, baseline: dict) -> tuple[bool, str]:
    """The promotion rule: a challenger must beat the champion on the same held-out days;
    with no champion to compare, it must beat the honest baseline. (won, why)."""
    from_metric = training.PRIMARY[kind][0]
    if champion_metrics:
        won = better(kind, challenger, champion_metrics)
        versus = f"champion {_fmt(champion_metrics, from_metric)}"
    else:
        won = better(kind, challenger, baseline)
        versus = f"baseline {_fmt(baseline, from_metric)}"
    verdict = "beats" if won else "does not beat"
    return won, f"{from_metric} {_fmt(challenger, from_metric)} {verdict} {versus}"


def better(kind: str, a: dict, b: dict) -> bool:
    """Whether metrics `a` beat `b` on the kind's primary metric (training.better)."""
    return training.better(kind, a, b)


def _fmt(metrics: dict, name: str) -> str:
    value = metrics.get(name)
    return "n/a" if value is None else f"{value:.3f}"


def consider(version: ModelVersion) -> bool:
    """Decide a candidate: champion if it wins by `beats` (against the champion it was
    compared with, which must still be the champion), else rejected. Returns whether it
    was promoted."""
    with transaction.atomic():
        current = _lock_champion(version)
        compared = (version.champion_metrics or {}).get("version")
        if current is not None and current.pk != compared:
            _set(version, Status.REJECTED, "the champion changed while it trained")
            return False
        scored = current is not None and training.PRIMARY[version.kind][0] in version.champion_metrics
        won, why = beats(version.kind, version.metrics, version.champion_metrics if scored else None,
                         version.baseline_metrics)
        if not won:
            _set(version, Status.REJECTED, why)
            return False
        _crown(version, current, by=None, why=why)
    return True


def promote(version: ModelVersion, *, by=None) -> ModelVersion:
    """Make `version` its scope's champion by hand (staff); the champion it replaces is
    retired. Logged."""
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().get(pk=version.pk)
        if version.status == Status.CHAMPION:
            return version
        current = _lock_champion(version)
        _crown(version, current, by=by, why=f"promoted by {by or 'the system'}")
    logger.info("insights: version %s promoted by %s", version.pk, getattr(by, "pk", None))
    return version


def rollback(version: ModelVersion, *, by=None) -> ModelVersion | None:
    """Retire the champion `version` and put back the champion before it (the latest
    version of its scope that was promoted earlier); None if there was none (the scope
    then has no champion). Logged."""
    with transaction.atomic():
        version = ModelVersion.objects.select_for_update().get(pk=version.pk)
        if version.status != Status.CHAMPION:
            raise ValueError(f"Version {version.pk} is not a champion.")
        previous = (_same_scope(version).exclude(pk=version.pk)
                    .filter(promoted_at__isnull=False, promoted_at__lte=version.promoted_at or timezone.now(),
                            status=Status.RETIRED)
                    .select_for_update().order_by("-promoted_at", "-pk").first())
        _set(version, Status.RETIRED, f"rolled back by {by or 'the system'}")
        if previous is not None:
            previous.status = Status.CHAMPION
            previous.note = f"restored by rollback of #{version.pk}"[:200]
            previous.save(update_fields=["status", "note"])
        _changed(version)
    logger.info("insights: version %s rolled back by %s; %s serves again", version.pk,
                getattr(by, "pk", None), getattr(previous, "pk", None))
    return previous


def _same_scope(version: ModelVersion):
    qs = ModelVersion.objects.filter(kind=version.kind)
    return qs.filter(user_id=version.user_id) if version.user_id else qs.filter(user__isnull=True)


def _lock_champion(version: ModelVersion) -> ModelVersion | None:
    return _same_scope(version).filter(status=Status.CHAMPION).select_for_update().first()


def _crown(version: ModelVersion, current: ModelVersion | None, *, by, why: str) -> None:
    if current is not None and current.pk != version.pk:
        _set(current, Status.RETIRED, f"replaced by #{version.pk}")
    version.status = Status.CHAMPION
    version.promoted_at = timezone.now()
    version.promoted_by = by
    version.note = why[:200]
    version.save(update_fields=["status", "promoted_at", "promoted_by", "note"])
    _changed(version)


def _set(version: ModelVersion, status: str, note: str) -> None:
    version.status = status
    version.note = note[:200]
    version.save(update_fields=["status", "note"])
