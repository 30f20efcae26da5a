"""Training for the registry: each kind fitted without the held-out last days and scored
on them beside the baseline and the champion's eval model, then refit on the whole window
and decided."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from habitstory.insights import features, pipeline, registry, state, synth, training
from habitstory.insights.models import ModelVersion

from .model_fixtures import PARAMS, history, media  # noqa: F401 - media: autouse fixture

pytestmark = pytest.mark.django_db
Status = ModelVersion.Status


def test_a_user_with_enough_data_gets_each_kind_trained_scored_and_decided(owner):
    results = pipeline.train_user(owner, params=PARAMS, history=history())
    assert [r.kind for r in results] == ["mood", "energy", "completion"]
    for result in results:
        version = result.version
        assert version is not None and version.user == owner and version.scope == "user"
        assert version.status == (Status.CHAMPION if result.promoted else Status.REJECTED)
        primary = training.PRIMARY[result.kind][0]
        assert primary in version.metrics and primary in version.baseline_metrics
        assert version.champion_metrics == {}
        assert result.promoted == training.better(result.kind, version.metrics, version.baseline_metrics)
        assert version.sha256 != version.eval_sha256  # the serving model saw the held-out days too
        assert version.feature_version == features.FEATURE_VERSION and version.features
    energy = results[1].version
    labelled = history().labelled("energy")
    assert energy.n_holdout == pipeline.HOLDOUT_DAYS
    assert energy.holdout_start == history().date(int(labelled[-pipeline.HOLDOUT_DAYS]))
    assert energy.holdout_end == history().date(int(labelled[-1]))


def test_too_little_data_trains_nothing_and_says_why(owner):
    short = synth.generate(1, 40, seed=5)[0].history
    results = pipeline.train_user(owner, params=PARAMS, history=short)
    mood, energy, completion = results
    assert mood.version is None and "of 60 labelled days" in mood.reason
    assert energy.version is None
    assert completion.version is not None  # habits' completion from day 14
    assert ModelVersion.objects.filter(user=owner).count() == 1


def test_completion_waits_for_fourteen_days_with_a_habit_due(owner):
    short = synth.generate(1, 10, seed=5)[0].history
    (completion,) = pipeline.train_user(owner, kinds=("completion",), params=PARAMS, history=short)
    assert completion.version is None and "of 14 days" in completion.reason


def test_the_champion_is_scored_by_its_eval_model_on_the_challengers_held_out_days(owner):
    first = pipeline.train_user(owner, kinds=("energy",), params=PARAMS, history=history())[0].version
    registry.promote(first)
    # The same data again: the challenger's eval model is the champion's, so they tie and
    # the champion stays.
    again = pipeline.train_user(owner, kinds=("energy",), params=PARAMS, history=history())[0]
    assert again.version.champion_metrics["version"] == first.pk
    assert again.version.champion_metrics["mae"] == pytest.approx(again.version.metrics["mae"])
    assert not again.promoted and "does not beat champion" in again.version.note
    first.refresh_from_db()
    assert first.status == Status.CHAMPION


def test_the_champion_is_compared_on_the_new_days_not_its_own(owner):
    longer = synth.generate(1, 120, seed=3)[0].history
    first = pipeline.train_user(owner, kinds=("energy",), params=PARAMS, history=longer.through(95))[0].version
    registry.promote(first)
    result = pipeline.train_user(owner, kinds=("energy",), params=PARAMS, history=longer)[0]
    ds = features.dataset([longer], "energy")
    _, test = training.split_last_days(ds, pipeline.HOLDOUT_DAYS)
    expected = training.metrics("energy", test.y, training.predict(
        "energy", registry.load(first, eval=True), test.X, first.params["eval_extra"]))
    assert result.version.champion_metrics["mae"] == pytest.approx(expected["mae"], abs=1e-6)
    assert result.version.holdout_start > first.holdout_end
    assert result.promoted == training.better("energy", result.version.metrics, result.version.champion_metrics)


def test_a_champion_with_features_no_longer_computed_is_skipped(owner):
    champion = pipeline.train_user(owner, kinds=("energy",), params=PARAMS, history=history())[0].version
    ds = features.dataset([history()], "energy")
    _, test = training.split_last_days(ds, pipeline.HOLDOUT_DAYS)
    renamed = replace(test, names=[f"new_{n}" for n in test.names])
    scored = pipeline.score_champion(champion, "energy", renamed)
    assert scored["version"] == champion.pk and "mae" not in scored and "features" in scored["skipped"]


def test_the_pooled_models_learn_from_several_users():
    histories = [replace(s.history) for s in synth.generate(3, 70, seed=11)]
    results = pipeline.train_pooled(histories=histories, params=PARAMS)
    assert all(r.version is not None for r in results)
    for result in results:
        assert result.version.scope == "pooled" and result.version.user is None
        assert result.version.n_users == 3


def test_pooled_needs_two_users():
    results = pipeline.train_pooled(histories=[history()], params=PARAMS, kinds=("mood",))
    assert results[0].version is None and "of 2 users" in results[0].reason


def test_pooled_users_are_the_opted_in_with_data(make_user):
    users = [make_user(f"p{i}@example.com") for i in range(3)]
    for user in users[:2]:
        user.profile.pooled_learning = True
        user.profile.save()
    for user in users[1:]:
        state.data_changed(user.pk)
    assert pipeline.pooled_users() == [users[1]]


def test_metrics_are_stored_as_plain_numbers():
    assert pipeline.plain({"mae": np.float64(1.23456789), "r2": float("nan"), "n": 14}) == {
        "mae": 1.234568, "r2": None, "n": 14.0}


def test_the_window_is_in_dates():
    ds = features.dataset([history()], "mood")
    _, test = training.split_last_days(ds, 14)
    window = pipeline._window(ds, test)
    assert window.train_start == history().start + dt.timedelta(days=int(np.flatnonzero(~np.isnan(history().mood))[0]))
    assert window.holdout_end <= history().date(history().days - 1)


def test_a_habit_always_done_leaves_nothing_to_learn_and_is_no_failure(owner):
    always = history()
    habits = [replace(h, done=h.expected.copy(), skipped=np.zeros_like(h.skipped)) for h in always.habits]
    (completion,) = pipeline.train_user(owner, kinds=("completion",), params=PARAMS,
                                        history=replace(always, habits=habits))
    assert completion.version is None and "both done and undone" in completion.reason
