"""Training for the registry: a user's models, or the pooled ones, fitted, scored on the
held-out last days, compared with the champion on those same days, stored and decided
(docs/insights.md, "Registry").

For each kind: the eval model is fitted without the held-out days and scored on them;
the honest baseline and the current champion's eval model are scored on the same rows;
the serving model is then fitted on the whole window. `registry.consider` promotes it
only if it won.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass

import numpy as np

from habitstory.accounts.models import Profile

from . import features, registry, training
from . import history as history_
from .history import History
from .models import ModelVersion

logger = logging.getLogger(__name__)

KINDS = registry.KINDS
HOLDOUT_DAYS = 14
# A user's own mood and energy models from this many labelled days; before that the pooled
# model serves those who opted in.
MIN_LABELLED_DAYS = 60
# A user's own completion model from this many days with a habit expected; the held-out
# part is then half of them (at most HOLDOUT_DAYS).
MIN_COMPLETION_DAYS = 14
# The pooled model learns from at most this many opted-in users (the most recently active).
POOLED_MAX_USERS = 300
POOLED_MIN_USERS = 2


@dataclass
class Result:
    kind: str
    scope: str
    version: ModelVersion | None = None
    promoted: bool = False
    reason: str = ""

    def __str__(self) -> str:
        if self.version is None:
            return f"{self.kind}: not trained ({self.reason})"
        outcome = "champion" if self.promoted else "rejected"
        return f"{self.kind}: #{self.version.pk} {outcome} ({self.reason})"


def train_user(user, *, kinds: tuple[str, ...] = KINDS, params: dict | None = None,
               history: History | None = None) -> list[Result]:
    """Train each kind of the user's own models that they have enough data for."""
    history = history if history is not None else history_.load(user)
    results = []
    for kind in kinds:
        holdout, why = holdout_days(history, kind)
        if not holdout:
            results.append(Result(kind, ModelVersion.Scope.USER, reason=why))
            continue
        ds = features.dataset([history], kind)
        results.append(fit(kind, ds, scope=ModelVersion.Scope.USER, user=user, params=params, holdout=holdout))
    return results


def holdout_days(history: History, kind: str) -> tuple[int, str]:
    """How many last days to hold out for this kind (0: too little data, and why)."""
    if kind == "completion":
        if not history.habits:
            return 0, "no habits"
        days = int(np.any([h.expected for h in history.habits], axis=0).sum())
        if days < MIN_COMPLETION_DAYS:
            return 0, f"{days} of {MIN_COMPLETION_DAYS} days with a habit due"
        return min(HOLDOUT_DAYS, days // 2), ""
    labelled = len(history.labelled(kind))
    if labelled < MIN_LABELLED_DAYS:
        return 0, f"{labelled} of {MIN_LABELLED_DAYS} labelled days"
    return HOLDOUT_DAYS, ""


def pooled_users(max_users: int = POOLED_MAX_USERS) -> list:
    """The users the pooled model learns from: opted in, active, the most recently changed
    data first."""
    profiles = (Profile.objects.filter(pooled_learning=True, user__is_active=True,
                                       user__training_state__data_changed_at__isnull=False)
                .select_related("user").order_by("-user__training_state__data_changed_at")[:max_users])
    return [profile.user for profile in profiles]


def train_pooled(*, kinds: tuple[str, ...] = KINDS, params: dict | None = None,
                 histories: list[History] | None = None, max_users: int = POOLED_MAX_USERS) -> list[Result]:
    """Train the pooled models over the opted-in users' histories."""
    if histories is None:
        histories = [history_.load(user) for user in pooled_users(max_users)]
    results = []
    for kind in kinds:
        useful = [h for h in histories if _has_labels(h, kind)]
        if len(useful) < POOLED_MIN_USERS:
            results.append(Result(kind, ModelVersion.Scope.POOLED,
                                  reason=f"{len(useful)} of {POOLED_MIN_USERS} users with data"))
            continue
        ds = features.dataset(useful, kind)
        results.append(fit(kind, ds, scope=ModelVersion.Scope.POOLED, params=params, n_users=len(useful)))
    return results


def _has_labels(history: History, kind: str) -> bool:
    if kind == "completion":
        return any(h.expected.any() for h in history.habits)
    return len(history.labelled(kind)) > HOLDOUT_DAYS


def fit(kind: str, ds, *, scope: str, user=None, params: dict | None = None, holdout: int = HOLDOUT_DAYS,
        n_users: int = 1) -> Result:
    """Fit, score, store and decide one model (see the module's docstring)."""
    train_ds, test_ds = training.split_last_days(ds, holdout)
    if len(train_ds.y) == 0 or len(test_ds.y) == 0:
        return Result(kind, scope, reason="no rows to train or to hold out")
    try:
        evaluated = training.train(kind, train_ds, params=params)
    except ValueError as exc:  # e.g. a habit always done: nothing to learn yet
        return Result(kind, scope, reason=str(exc))
    predicted = training.predict(kind, evaluated.booster, test_ds.X, evaluated.extra)
    metrics = plain(training.metrics(kind, test_ds.y, predicted))
    baseline = plain(training.metrics(kind, test_ds.y, training.baseline(kind, train_ds, test_ds)))
    champion_metrics = score_champion(registry.scope_champion(kind, user), kind, test_ds)
    if user is not None and user.profile.pooled_learning:  # served only if it beats this too
        pooled = score_champion(registry.scope_champion(kind), kind, test_ds)
        champion_metrics = {**champion_metrics, "pooled": pooled} if pooled else champion_metrics
    serving = training.train(kind, ds, params=params)
    version = registry.save(
        serving, kind=kind, scope=scope, user=user, eval_trained=evaluated, window=_window(ds, test_ds),
        feature_version=features.FEATURE_VERSION, metrics=metrics, baseline_metrics=baseline,
        champion_metrics=champion_metrics, n_holdout=len(test_ds.y), n_users=n_users,
    )
    promoted = registry.consider(version)
    version.refresh_from_db(fields=["status", "note"])
    logger.info("insights: %s %s model #%s for %s: %s", scope, kind, version.pk, user and user.pk, version.note)
    return Result(kind, scope, version, promoted, version.note)


def score_champion(current: ModelVersion | None, kind: str, test_ds) -> dict:
    """The current champion's eval model (fitted without its own held-out days) scored on
    this challenger's held-out rows: {"version": pk, metrics...}; without metrics (and
    with "skipped": why) when it cannot be scored (no eval artifact, features it lacks)."""
    if current is None:
        return {}
    columns = _columns(current.features, test_ds.names)
    if columns is None:
        return {"version": current.pk, "skipped": f"its features ({current.feature_version}) are not computed now"}
    try:
        booster = registry.load(current, eval=True)
    except registry.ArtifactError as exc:
        return {"version": current.pk, "skipped": str(exc)[:150]}
    extra = current.params.get("eval_extra", current.params.get("extra", {}))
    predicted = training.predict(kind, booster, test_ds.X[:, columns], extra)
    return {"version": current.pk, **plain(training.metrics(kind, test_ds.y, predicted))}


def _columns(wanted: list[str], names: list[str]) -> list[int] | None:
    where = {name: i for i, name in enumerate(names)}
    if any(name not in where for name in wanted):
        return None
    return [where[name] for name in wanted]


def _window(ds, test_ds) -> registry.Window:
    return registry.Window(
        train_start=dt.date.fromordinal(int(ds.day.min())), train_end=dt.date.fromordinal(int(ds.day.max())),
        holdout_start=dt.date.fromordinal(int(test_ds.day.min())),
        holdout_end=dt.date.fromordinal(int(test_ds.day.max())),
    )


def plain(metrics: dict) -> dict:
    """Metrics as JSON can store them: floats rounded to 6 places, NaN as None."""
    clean = {}
    for name, value in metrics.items():
        number = float(value)
        clean[name] = None if math.isnan(number) else round(number, 6)
    return clean
