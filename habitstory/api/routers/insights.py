"""/insights: a day's forecast (mood, energy, each due habit's chance, what drives them),
a what-if on the day's inputs, the statements found in your own data, and the models that
serve you. Everything is computed by habitstory.insights (predictions, whatif, statements,
registry); nothing is written here."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Router

from habitstory.billing import limits
from habitstory.billing.models import Feature
from habitstory.insights import predictions, statements, whatif
from habitstory.insights.models import ModelVersion
from habitstory.insights.services import EARLIEST

from ..auth import user_of
from ..envelope import invalid, model_error_details, ok, responses
from ..fields import DayPath
from ..insight_schemas import ForecastOut, ModelsOut, StatementsOut, WhatIfIn, WhatIfOut
from .habits import parse_day

router = Router(tags=["insights"])

VERSIONS_PER_KIND = 20
# whatif's error keys → the API's (an input's own is `changes.<input>`).
WHAT_IF_FIELDS = {"day": "date", "changes": "changes", "non_field_errors": "non_field_errors"}
MODEL_FIELDS = ("kind", "scope", "status", "train_start", "train_end", "holdout_start", "holdout_end", "n_train",
                "n_holdout", "n_users", "feature_version", "metrics", "baseline_metrics", "champion_metrics",
                "training_seconds", "created_at", "promoted_at", "note")


def finite(value):
    """The value with every NaN or infinity (which JSON cannot carry) made null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(item) for item in value]
    return value


def forecast_day(user, day: dt.date, field: str = "date") -> dt.date:
    """A day a forecast may be asked for: from 1 January 2000 to a year from the user's today."""
    if day < EARLIEST:
        raise invalid({field: "Choose a day from 2000 on."})
    if day > user.profile.local_today() + dt.timedelta(days=366):
        raise invalid({field: "Choose a day within the next year."})
    return day


def forecast_data(answer: dict, day: dt.date) -> dict:
    data = {key: value for key, value in answer.items() if key != "day"}
    return finite({**data, "date": day})


@router.get("/insights/predictions/{day}", response=responses(ForecastOut), summary="A day's forecast")
def read_prediction(request: HttpRequest, day: DayPath):
    """The forecast for a day (YYYY-MM-DD, your local date, from 1 January 2000 to a year
    from your local today) from the inputs logged for it and everything before it (never its own mood or energy): the
    likeliest mood and each mood's probability, energy with an interval, each due habit's
    chance of being done, and what drives mood and energy most. `mood` and `energy` are
    null while no model serves you (`status` says how far the learning is). Cached for a
    day, or until you log something or a model changes. Premium's where billing is on
    (Free: 403 `plan_limit`, kind `forecasts`)."""
    user = user_of(request)
    limits.ensure_feature(user, Feature.FORECASTS)
    on = forecast_day(user, parse_day(day, "date"))
    return ok(forecast_data(predictions.forecast(user, on), on))


@router.post("/insights/what-if", response=responses(WhatIfOut, body=True), summary="What if a day's inputs changed")
def what_if(request: HttpRequest, payload: WhatIfIn):
    """The day's forecast as logged (`before`) and with the inputs in `changes` set to the
    values given (`after`; null: as if not logged), how far mood and energy move, and a
    sentence; e.g. `{"date": "2026-03-04", "changes": {"sleep_hours": 8}}`. The day is
    your local today or before. Nothing is saved; with no model yet, the forecasts' parts
    are null. Premium's where billing is on (Free: 403 `plan_limit`, kind `what_if`)."""
    user = user_of(request)
    limits.ensure_feature(user, Feature.WHAT_IF)
    changes = {name: _plain(value) for name, value in payload.changes.model_dump(exclude_unset=True).items()}
    try:
        answer = whatif.what_if(user, payload.date, changes)
    except ValidationError as error:
        raise invalid({WHAT_IF_FIELDS.get(key, f"changes.{key}"): value
                       for key, value in model_error_details(error).items()}) from None
    return ok(finite({
        **answer,
        "date": payload.date,
        "before": forecast_data(answer["before"], payload.date),
        "after": forecast_data(answer["after"], payload.date),
    }))


def _plain(value):
    return None if value is None else float(value)


@router.get("/insights/statements", response=responses(StatementsOut), summary="What your data shows")
def read_statements(request: HttpRequest):
    """For each input, habit and life event: mood and energy on days with and without it
    (or high vs low), kept only when a test that fits (Mann–Whitney for mood, Welch's t for
    energy) holds after the Benjamini–Hochberg correction at 10 % across everything tested
    for you, with at least 8 days on each side. Patterns in your days, never causes;
    `reason` says when there is too little data."""
    report = statements.statements(user_of(request))
    return ok(finite({
        "statements": [statement.as_dict() for statement in report.statements],
        "tested": report.tested,
        "reason": report.reason,
        "untested": [asdict(item) for item in report.untested],
        "no_difference": list(report.no_difference),
        "days": report.days,
        "caution": report.caution,
    }))


def _version_data(version: ModelVersion) -> dict:
    return finite({"id": version.pk, **{name: getattr(version, name) for name in MODEL_FIELDS}})


@router.get("/insights/models", response=responses(ModelsOut), summary="The models that learn from you")
def list_models(request: HttpRequest):
    """Your learning state, your own model versions (newest first, the last 20 of each
    kind) with their held-out metrics beside the baseline's and the champion's they were
    compared with, and, if you take part in pooled learning, the pooled champions'."""
    user = user_of(request)
    own = []
    for kind in ModelVersion.Kind.values:
        own += ModelVersion.objects.filter(user=user, kind=kind)[:VERSIONS_PER_KIND]
    own.sort(key=lambda version: (version.created_at, version.pk), reverse=True)
    pooled = []
    if user.profile.pooled_learning:
        pooled = ModelVersion.objects.filter(user__isnull=True, status=ModelVersion.Status.CHAMPION).order_by("kind")
    return ok({
        "status": predictions.status(user).as_dict(),
        "versions": [_version_data(version) for version in own],
        "pooled": [_version_data(version) for version in pooled],
    })
