"""The held-out evaluation at CI size (a few users, a short history): each kind beats its
honest baseline per user and pooled, the oracle stays short of perfect; the reviewer's
scenario (90 days with labels, then 30 with inputs only); the two commands."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from habitstory.insights import evaluation, features, synth, training
from habitstory.insights.models import CheckIn

# At CI size (8 users, ~80 labelled days to learn from) the bars are lower than the full
# run's (docs/insights.md): each figure here sits a margin under what this size gives.
CI_BARS = {
    "mood": {"accuracy": 0.55, "macro_f1": 0.55},
    "energy": {"mae": 0.80, "r2": 0.70},
    "completion": {"roc_auc": 0.74},
}


@pytest.fixture(scope="module")
def users():
    return synth.generate(8, 110, 1)


@pytest.fixture(scope="module")
def results(users):
    return evaluation.evaluate([u.history for u in users], evaluation.truths_of(users))


def test_every_kind_scope_and_scenario_is_scored(results):
    assert {(r.kind, r.scope, r.scenario) for r in results} == {
        (kind, scope, scenario) for kind in features.KINDS for scope in ("per user", "pooled")
        for scenario in evaluation.SCENARIOS}
    for result in results:
        assert result.n_test > 0 and result.users >= 3 and result.model and result.baseline and result.oracle


def test_models_meet_the_ci_bars_and_beat_the_baselines(results):
    for result in results:
        bars, model = CI_BARS[result.kind], result.model
        for name, bar in bars.items():
            ok = model[name] < bar if name == "mae" else model[name] > bar
            assert ok, (evaluation.line(result), name)
        assert training.better(result.kind, model, result.baseline), evaluation.line(result)
        if result.kind == "completion":
            assert model["roc_auc"] >= result.baseline["roc_auc"] + 0.05, evaluation.line(result)


def test_the_oracle_is_better_than_the_models_and_short_of_perfect(results):
    for result in results:
        if result.kind == "mood":
            assert result.model["accuracy"] < result.oracle["accuracy"] < 0.97
        if result.kind == "energy":
            assert result.oracle["mae"] > 0.25 and result.oracle["r2"] < 0.97
        if result.kind == "completion":
            assert result.oracle["roc_auc"] < 0.95


def test_the_reviewers_scenario_90_days_with_labels_then_30_with_inputs_only():
    made = synth.generate(6, 120, 2)
    hidden = [evaluation.hide_labels_from(u.history, 90) for u in made]
    for kind in ("mood", "energy"):
        ds = features.dataset(hidden, kind)  # trains on the first 90 days' labels only
        assert ds.day.max() < min(h.start.toordinal() + 90 for h in hidden)
        pooled = training.train(kind, ds)
        truth, guess, own, base = [], [], [], []
        for user, h in zip(made, hidden):
            days = np.arange(90, 120)
            labels = (user.history.mood if kind == "mood" else user.history.energy)[days]
            known = ~np.isnan(labels)
            X, _ = features.mood_energy_rows(h, days[known])
            mine = ds.take(np.flatnonzero(ds.user == h.user_id))
            personal = training.train(kind, mine)
            truth.append(labels[known])
            guess.append(training.predict(kind, pooled.booster, X, pooled.extra))
            own.append(training.predict(kind, personal.booster, X, personal.extra))
            base.append(np.repeat(training.baseline(kind, mine, mine.take(np.arange(1)))[:1], known.sum(), axis=0))
        y = np.concatenate(truth)
        for predicted in (np.concatenate(guess), np.concatenate(own)):
            scored = training.metrics(kind, y, predicted)
            baseline = training.metrics(kind, y, np.concatenate(base))
            assert training.better(kind, scored, baseline), (kind, scored, baseline)
            if kind == "mood":
                assert scored["accuracy"] > 0.55 and scored["macro_f1"] > 0.5
            else:
                assert scored["mae"] < 0.85 and scored["r2"] > 0.65


def test_evaluate_models_prints_progress_and_writes_json(tmp_path):
    out = StringIO()
    path = tmp_path / "results.json"
    call_command("evaluate_models", synthetic=5, days=100, kind=["energy"], min_days=45, json_path=str(path),
                 stdout=out)
    text = out.getvalue()
    assert "Generated 5 users" in text and "energy     pooled" in text and "oracle mae" in text
    rows = json.loads(path.read_text())
    assert {row["scope"] for row in rows} == {"per user", "pooled"} and all(row["model"]["mae"] < 1.2 for row in rows)
    with pytest.raises(CommandError):
        call_command("evaluate_models", synthetic=2, days=20, stdout=StringIO())


@pytest.mark.django_db
def test_generate_life_data_writes_users_and_refuses_a_taken_prefix(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 30, 18, tzinfo=dt.UTC), tick=False)
    out = StringIO()
    call_command("generate_life_data", users=2, days=20, seed=3, prefix="gen", stdout=out)
    assert "2/2 users" in out.getvalue()
    assert CheckIn.objects.filter(user__email="gen1@example.com").count() > 10
    with pytest.raises(CommandError, match="exist already"):
        call_command("generate_life_data", users=1, days=5, prefix="gen", stdout=StringIO())
    out = StringIO()
    call_command("evaluate_models", kind=["completion"], holdout=5, min_days=10, stdout=out)
    assert "2/2 users loaded" in out.getvalue()
