"""Forecasts for a user's day from the champions serving them (docs/insights.md,
"Predictions"): mood's class probabilities, energy with its interval, each due habit's
chance of being done, and what drives mood and energy that day.

Day D's rows are made from the inputs logged for D and everything before D (the history is
read through D, and D's own mood and energy are hidden before the features see it). An
answer is cached 24 h under the user's cache generation and the pooled models' one: a new
check-in, a tick or a new champion gives a new key.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field, replace

import lightgbm
import numpy as np
from django.core.cache import cache

from . import drivers as drivers_
from . import features, registry, state, training
from . import history as history_
from .history import History
from .models import MOODS, ModelVersion
from .pipeline import MIN_LABELLED_DAYS

logger = logging.getLogger(__name__)

CACHE_SECONDS = 24 * 60 * 60
KINDS = registry.KINDS
TOP_DRIVERS = 3


@dataclass
class Status:
    """How far a user's learning is: "learning: 23 of 60 days"."""

    labelled_days: int
    needed: int = MIN_LABELLED_DAYS
    pooled: bool = False  # opted in to pooled learning
    ready: dict[str, bool] = field(default_factory=dict)  # kind -> a model serves them
    versions: dict[str, ModelVersion] = field(default_factory=dict)

    @property
    def own(self) -> bool:
        """Their own mood and energy models serve them."""
        return all(self.versions.get(k) is not None and self.versions[k].user_id for k in ("mood", "energy"))

    @property
    def text(self) -> str:
        if self.own:
            return "ready: your own models"
        learning = f"learning: {min(self.labelled_days, self.needed)} of {self.needed} days"
        if self.ready.get("mood") or self.ready.get("energy"):
            return f"{learning} (the pooled model forecasts meanwhile)"
        return learning

    def as_dict(self) -> dict:
        return {"labelled_days": self.labelled_days, "needed": self.needed, "pooled": self.pooled,
                "ready": dict(self.ready), "own": self.own, "text": self.text,
                "versions": {kind: v.pk for kind, v in self.versions.items()}}


@dataclass
class Context:
    """What a forecast for one day is made from (drivers and what-if reuse it)."""

    user: object
    day: dt.date
    history: History
    index: int  # the day's index in the history; -1 when it has none
    versions: dict[str, ModelVersion]
    boosters: dict[str, lightgbm.Booster]
    row: np.ndarray | None  # the day's mood/energy row (1, n)
    names: list[str]
    completion: np.ndarray | None  # one row per due habit
    completion_names: list[str]
    keys: list[tuple[int, int]]  # the completion rows' (habit id, day index)

    def features_for(self, kind: str) -> np.ndarray | None:
        """The kind's rows in the order its version was trained on (None if it cannot be
        made: no model, no row, or features the version had and these lack)."""
        version = self.versions.get(kind)
        rows, names = (self.completion, self.completion_names) if kind == "completion" else (self.row, self.names)
        if version is None or rows is None or kind not in self.boosters:
            return None
        where = {name: i for i, name in enumerate(names)}
        if any(name not in where for name in version.features):
            return None
        return rows[:, [where[name] for name in version.features]]


def status(user, *, versions: dict[str, ModelVersion] | None = None) -> Status:
    """The user's learning state now: the days with mood or energy logged (one count) and
    the serving versions (one query, unless given)."""
    labelled = user.checkins.exclude(mood="", energy__isnull=True).count()
    versions = registry.champions(user) if versions is None else versions
    return Status(labelled, pooled=user.profile.pooled_learning, ready={k: k in versions for k in KINDS},
                  versions=versions)


def context(user, day: dt.date, *, history: History | None = None) -> Context:
    """The history through `day` (its mood and energy hidden), the day's rows and the
    serving boosters (one whose artifact fails its check is left out, and logged)."""
    history = history_.load(user, end=day) if history is None else history
    index = history.index(day)
    versions = registry.champions(user)
    boosters = {}
    for kind, version in versions.items():
        try:
            boosters[kind] = registry.load(version)
        except registry.ArtifactError:
            logger.exception("insights: version %s not served", version.pk)
    if not 0 <= index < history.days or not logged_anything(history):
        return Context(user, day, history, -1, versions, boosters, None, [], None, [], [])
    history = hide_labels(history, index)
    row, names = features.mood_energy_rows(history, [index])
    completion, completion_names, keys = features.completion_rows(history, [index])
    return Context(user, day, history, index, versions, boosters, row, names,
                   completion if len(keys) else None, completion_names, keys)


def logged_anything(history: History) -> bool:
    """Whether anything was logged or due by the history's last day (before that there is
    nothing to forecast from)."""
    values = [history.mood, history.energy, *history.inputs.values()]
    return any((~np.isnan(v)).any() for v in values) or any(h.expected.any() for h in history.habits)


def hide_labels(history: History, index: int) -> History:
    """The history with day `index`'s mood and energy (and anything after it) removed."""
    history = history.through(index) if index < history.days - 1 else history
    mood, energy = history.mood.copy(), history.energy.copy()
    mood[index] = energy[index] = np.nan
    return replace(history, mood=mood, energy=energy)


def cache_key(user_id: int, day: dt.date) -> str:
    return f"insights:forecast:{user_id}:{day.isoformat()}:{state.generation(user_id)}:{registry.pooled_generation()}"


def forecast(user, day: dt.date) -> dict:
    """The API's forecast for `day`: {"mood": {"label", "probabilities"} | None, "energy":
    {"value", "low", "high"} | None, "habits": [{"habit", "probability"}], "drivers": [...],
    "model_versions": {kind: id | None}, "status": {...}}. Cached 24 h."""
    key = cache_key(user.pk, day)
    answer = cache.get(key)
    if answer is None:
        answer = compute(context(user, day))
        cache.set(key, answer, CACHE_SECONDS)
    return answer


def compute(ctx: Context) -> dict:
    mood = energy = None
    drivers: list[dict] = []
    X = ctx.features_for("mood")
    if X is not None:
        probabilities = _predict(ctx, "mood", X)[0]
        mood = {"label": MOODS[int(np.argmax(probabilities))],
                "probabilities": {m: round(float(p), 4) for m, p in zip(MOODS, probabilities, strict=True)}}
        drivers += day_drivers(ctx, "mood", X)
    X = ctx.features_for("energy")
    if X is not None:
        value, low, high = (round(float(v), 1) for v in _predict(ctx, "energy", X)[0])
        energy = {"value": value, "low": low, "high": high}
        drivers += day_drivers(ctx, "energy", X)
    return {
        "day": ctx.day.isoformat(), "mood": mood, "energy": energy, "habits": _habits(ctx), "drivers": drivers,
        "model_versions": {kind: getattr(ctx.versions.get(kind), "pk", None) for kind in KINDS},
        "status": status(ctx.user, versions=ctx.versions).as_dict(),
    }


class OneThread:
    """A booster that predicts on one thread: a single row gains nothing from OpenMP's
    threads, and on a busy machine their start-up and spinning cost tens of milliseconds
    (p95 21 ms against 0.2 ms for one row, measured here)."""

    def __init__(self, booster: lightgbm.Booster):
        self.booster = booster

    def predict(self, X, **kwargs):
        return self.booster.predict(X, num_threads=1, **kwargs)


def _predict(ctx: Context, kind: str, X: np.ndarray) -> np.ndarray:
    return training.predict(kind, OneThread(ctx.boosters[kind]), X, ctx.versions[kind].params.get("extra", {}))


def _habits(ctx: Context) -> list[dict]:
    X = ctx.features_for("completion")
    if X is None:
        return []
    probabilities = _predict(ctx, "completion", X)
    return [{"habit": habit_id, "probability": round(float(p), 3)}
            for (habit_id, _), p in zip(ctx.keys, probabilities, strict=True)]


def contributions(ctx: Context, kind: str, X: np.ndarray) -> np.ndarray:
    """LightGBM's per-feature contributions for the rows (pred_contrib; for a linear-tree
    model, training.contributions' own)."""
    return training.contributions(ctx.boosters[kind], X)


def day_drivers(ctx: Context, kind: str, X: np.ndarray, *, top: int = TOP_DRIVERS) -> list[dict]:
    """What moves the day's `kind` forecast most, in words (habitstory.insights.drivers)."""
    found = drivers_.describe(kind, ctx.versions[kind].features, contributions(ctx, kind, X)[0], X[0],
                              ctx.history, ctx.index, top=top)
    return [{"kind": kind, **driver.as_dict()} for driver in found]


def habit_probabilities(user, day: dt.date) -> dict[int, float]:
    """Each habit due on `day` → its chance of being done (empty without a model)."""
    return {item["habit"]: item["probability"] for item in forecast(user, day)["habits"]}
