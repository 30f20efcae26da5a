"""Training, predicting, metrics, the baselines, the split by last days, and the rule that
says which metrics win."""

from __future__ import annotations

import lightgbm
import numpy as np
import pytest

from habitstory.insights import features, synth, training

PARAMS = {"num_threads": 1}


@pytest.fixture(scope="module")
def histories():
    return [s.history for s in synth.generate(4, 100, 11)]


def test_split_holds_out_each_users_last_days_and_never_a_masked_copy(histories):
    ds = features.dataset(histories, "mood")
    train, test = training.split_last_days(ds, 20)
    assert not test.masked.any()
    for user in np.unique(ds.user):
        assert len(np.unique(test.day[test.user == user])) == 20
        assert train.day[train.user == user].max() < test.day[test.user == user].min()
    assert len(train) + len(test) < len(ds)  # masked copies of held-out days are dropped


@pytest.mark.parametrize("kind", features.KINDS)
def test_each_kind_trains_and_predicts_in_the_contracts_shape(histories, kind):
    ds = features.dataset(histories, kind)
    train, test = training.split_last_days(ds, 20)
    trained = training.train(kind, train, params=PARAMS)
    assert trained.n_train == len(train) and trained.names == ds.names and trained.seconds > 0
    again = lightgbm.Booster(model_str=trained.text)
    predicted = training.predict(kind, again, test.X, trained.extra)
    assert np.allclose(predicted, training.predict(kind, trained.booster, test.X, trained.extra))
    if kind == "mood":
        assert predicted.shape == (len(test), 5) and np.allclose(predicted.sum(axis=1), 1)
        assert set(trained.extra) == {"shift", "scale", "sigma"}
    elif kind == "energy":
        assert predicted.shape == (len(test), 3)
        assert (predicted[:, 1] <= predicted[:, 0]).all() and (predicted[:, 0] <= predicted[:, 2]).all()
    else:
        assert predicted.shape == (len(test),) and ((predicted >= 0) & (predicted <= 1)).all()
    scored = training.metrics(kind, test.y, predicted)
    base = training.metrics(kind, test.y, training.baseline(kind, train, test))
    assert training.better(kind, scored, base)


def test_metrics_name_what_the_contract_says():
    assert set(training.metrics("mood", np.array([0, 1, 4]), np.eye(5)[[0, 1, 3]])) >= {"accuracy", "macro_f1",
                                                                                      "log_loss"}
    energy = training.metrics("energy", np.array([5.0, 6.0]), np.array([[5.0, 4.0, 6.0], [8.0, 7.0, 9.0]]))
    assert energy["mae"] == pytest.approx(1.0) and energy["coverage"] == pytest.approx(0.5)
    completion = training.metrics("completion", np.array([0, 1, 1]), np.array([0.2, 0.9, 0.6]))
    assert completion["roc_auc"] == pytest.approx(1.0) and "brier" in completion


def test_baselines_are_the_users_own_mode_mean_and_strength(histories):
    ds = features.dataset(histories, "energy")
    train, test = training.split_last_days(ds, 10)
    predicted = training.baseline("energy", train, test)
    user = test.user[0]
    assert predicted[0, 0] == pytest.approx(train.y[train.user == user].mean())
    mood_train, mood_test = training.split_last_days(features.dataset(histories, "mood"), 10)
    mood = training.baseline("mood", mood_train, mood_test)
    mine = mood_train.y[mood_train.user == mood_test.user[0]].astype(int)
    assert np.argmax(mood[0]) == np.bincount(mine).argmax()
    done_train, done_test = training.split_last_days(features.dataset(histories, "completion"), 10)
    strength = done_test.X[:, done_test.names.index("habit_strength")]
    assert np.allclose(training.baseline("completion", done_train, done_test)[~np.isnan(strength)],
                       strength[~np.isnan(strength)])


def test_better_reads_each_kinds_primary_metric():
    assert training.better("mood", {"macro_f1": 0.7}, {"macro_f1": 0.6})
    assert not training.better("mood", {"macro_f1": 0.6}, {"macro_f1": 0.6})
    assert training.better("energy", {"mae": 0.8}, {"mae": 0.9})
    assert not training.better("energy", {"mae": float("nan")}, {"mae": 0.9})
    assert training.better("completion", {"roc_auc": 0.8}, {})


def test_training_refuses_what_it_cannot_learn(histories):
    ds = features.dataset(histories, "completion")
    with pytest.raises(ValueError):
        training.train("completion", ds.take(np.flatnonzero(ds.y == 1)))
    with pytest.raises(ValueError):
        training.train("mood", ds.take(np.zeros(0, int)))
    with pytest.raises(ValueError):
        training.params_for("sleep")


def test_one_users_mood_model_has_linear_stumps_and_contributions_that_add_up(histories):
    ds = features.dataset(histories[:1], "mood")
    mood = training.train("mood", ds, params=PARAMS)
    assert mood.params["linear_tree"] and "is_linear=1" in mood.text
    with pytest.raises(lightgbm.basic.LightGBMError):  # LightGBM has no pred_contrib for linear trees
        mood.booster.predict(ds.X[:1], pred_contrib=True)
    X = ds.X[:25]
    contributions = training.contributions(mood.booster, X)
    assert contributions.shape == (25, len(ds.names) + 1)
    np.testing.assert_allclose(contributions.sum(axis=1), mood.booster.predict(X), atol=1e-9)
    outside = [i for i, name in enumerate(ds.names) if name not in features.CORE]
    assert np.abs(contributions[:, outside]).max() == 0.0  # only the columns it may split on
    energy = training.train("energy", features.dataset(histories[:1], "energy"), params=PARAMS)
    assert "linear_tree" not in energy.params
    np.testing.assert_allclose(training.contributions(energy.booster, X),
                               energy.booster.predict(X, pred_contrib=True))
