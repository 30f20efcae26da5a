"""Trained models and stored versions for the registry's, pipeline's, predictions' and
nightly job's tests: small synthetic data, LightGBM on one thread."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pytest

from habitstory.insights import features, registry, synth, training
from habitstory.insights.models import ModelVersion

PARAMS = {"num_threads": 1, "num_boost_round": 40}
WINDOW = registry.Window(dt.date(2026, 4, 1), dt.date(2026, 6, 30), dt.date(2026, 6, 17), dt.date(2026, 6, 30))


@cache
def history(days: int = 100, seed: int = 3):
    return synth.generate(1, days, seed=seed)[0].history


@cache
def trained(kind: str, seed: int = 3) -> training.Trained:
    return training.train(kind, features.dataset([history(seed=seed)], kind), params=PARAMS)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Artifacts go to a folder of the test's own; boosters are not shared between tests."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    registry.forget_boosters()
    yield
    registry.forget_boosters()


def make_version(kind: str = "energy", *, user=None, status: str = ModelVersion.Status.CANDIDATE,
                 metrics: dict | None = None, baseline: dict | None = None, champion: dict | None = None,
                 seed: int = 3, **fields) -> ModelVersion:
    model = trained(kind, seed)
    version = registry.save(
        model, kind=kind, scope="user" if user is not None else "pooled", user=user, window=WINDOW,
        eval_trained=model, feature_version=features.FEATURE_VERSION, metrics=metrics or {},
        baseline_metrics=baseline or {}, champion_metrics=champion or {},
    )
    if status != ModelVersion.Status.CANDIDATE or fields:
        for name, value in {"status": status, **fields}.items():
            setattr(version, name, value)
        version.save()
    return version
