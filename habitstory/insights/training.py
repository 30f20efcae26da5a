"""Training the three kinds of model on a features.Dataset, predicting with them, the
honest baselines and the held-out metrics. docs/insights.md ("Models") says why each is
built the way it is.

- mood: a LightGBM regressor of the mood score (0..4) whose spread of out-of-fold
  residuals turns each prediction into five ordered class probabilities (an ordinal
  classifier: small data teaches it far more than five one-vs-rest tree sets);
- energy: a regressor, with an interval from the out-of-fold residuals (80 %);
- completion: a binary classifier of each expected habit-day.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import lightgbm
import numpy as np
from scipy.stats import norm
from sklearn.metrics import accuracy_score, brier_score_loss, f1_score, log_loss, mean_absolute_error, r2_score
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import roc_auc_score

from .features import CORE, Dataset

MOOD_CLASSES = 5
INTERVAL = 0.8  # the energy interval's intended coverage
FOLDS = 3
COMMON = {
    "verbose": -1, "num_threads": 1, "seed": 7, "deterministic": True, "force_row_wise": True,
    "learning_rate": 0.04, "num_leaves": 7, "max_depth": 4, "min_data_in_leaf": 8, "min_sum_hessian_in_leaf": 1e-3,
    "feature_fraction": 0.7, "bagging_fraction": 0.8, "bagging_freq": 1, "lambda_l2": 2.0,
    "num_boost_round": 250,
}
DEFAULTS: dict[str, dict] = {
    "mood": {**COMMON, "objective": "regression"},
    "energy": {**COMMON, "objective": "regression"},
    "completion": {**COMMON, "objective": "binary", "num_boost_round": 200, "min_data_in_leaf": 15},
}
# One user's own model (a few months of days): stumps over the CORE columns (additive
# effects, little to overfit). A pooled model keeps the defaults.
SMALL = {"core_only": True, "num_leaves": 2, "max_depth": 1, "learning_rate": 0.1, "num_boost_round": 600}
# Mood's stumps carry a linear model each (LightGBM's linear_tree, ridge-penalised): its
# effects are roughly linear, and a few months of days fit slopes better than steps.
SMALL_KIND = {"mood": {"linear_tree": True, "linear_lambda": 0.5, "num_boost_round": 150},
              "completion": {"learning_rate": 0.03, "num_boost_round": 300, "min_data_in_leaf": 20}}
PRIMARY = {"mood": ("macro_f1", True), "energy": ("mae", False), "completion": ("roc_auc", True)}


@dataclass
class Trained:
    booster: lightgbm.Booster
    text: str  # LightGBM's model_to_string: what the registry stores
    names: list[str]
    params: dict
    extra: dict = field(default_factory=dict)  # mood: sigma; energy: half_width
    n_train: int = 0
    seconds: float = 0.0


def params_for(kind: str, params: dict | None = None, *, users: int = 2) -> dict:
    """The hyper-parameters for `kind`: the defaults, SMALL's for one user's model, then `params`."""
    if kind not in DEFAULTS:
        raise ValueError(f"unknown kind {kind!r}")
    small = {**SMALL, **SMALL_KIND.get(kind, {})} if users == 1 else {}
    return {**DEFAULTS[kind], **small, **(params or {})}


def _fit(kind: str, X: np.ndarray, y: np.ndarray, names: list[str], params: dict) -> lightgbm.Booster:
    params = dict(params)
    rounds = int(params.pop("num_boost_round"))
    core = params.pop("core_only", None)
    if core:
        params["feature_contri"] = [1.0 if name in CORE else 0.0 for name in names]
    # Fewer rows, fewer rounds: a user with 60 days should not be fitted like 60 users.
    rounds = max(40, min(rounds, int(rounds * len(y) / 400) + 40))
    data = lightgbm.Dataset(X, label=y, feature_name=[_safe(n) for n in names], free_raw_data=True,
                            params={"verbose": -1, "min_data_in_bin": 3, "feature_pre_filter": False})
    return lightgbm.train(params, data, num_boost_round=rounds)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name)


def _folds(ds: Dataset) -> np.ndarray:
    """Out-of-fold groups: 10-day blocks taken in turn (a day's masked copy stays with it)."""
    return (ds.day // 10) % FOLDS


def _out_of_fold(kind: str, ds: Dataset, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """(predictions, labels) of the plain rows, each from a model that did not see its block."""
    folds = _folds(ds)
    plain = ~ds.masked if ds.masked is not None else np.ones(len(ds), bool)
    predictions, labels = [], []
    for k in range(FOLDS):
        test = (folds == k) & plain
        if test.sum() < 3 or (folds != k).sum() < 10:
            continue
        booster = _fit(kind, ds.X[folds != k], ds.y[folds != k], ds.names, params)
        predictions.append(booster.predict(ds.X[test]))
        labels.append(ds.y[test])
    if not predictions:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(predictions), np.concatenate(labels)


def calibrate(kind: str, predicted: np.ndarray, labels: np.ndarray) -> dict:
    """From out-of-fold predictions: a linear stretch (boosting on a few rows shrinks
    towards the mean; the extremes are what mood's rarer classes need), then the spread
    left: mood's sigma, energy's interval half-width."""
    if len(labels) < 12 or np.std(predicted) < 1e-6:
        return {"shift": 0.0, "scale": 1.0, "sigma": 0.8, "half_width": 1.5}
    fit = LinearRegression().fit(predicted.reshape(-1, 1), labels)
    scale = float(np.clip(fit.coef_[0], 0.8, 1.6))
    shift = float(np.mean(labels) - scale * np.mean(predicted))
    residuals = labels - (shift + scale * predicted)
    return {"shift": shift, "scale": scale, "sigma": max(float(np.std(residuals)), 0.15),
            "half_width": max(float(np.quantile(np.abs(residuals), INTERVAL)), 0.25)}


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-4, 1 - 1e-4)
    return np.log(p / (1 - p))


def platt(predicted: np.ndarray, labels: np.ndarray) -> dict:
    """Completion's calibration (Platt scaling of out-of-fold predictions): one user's
    model's probabilities mean the same as another's."""
    if len(labels) < 20 or len(np.unique(labels)) < 2:
        return {"slope": 1.0, "intercept": 0.0}
    fit = LogisticRegression(C=10.0).fit(_logit(predicted).reshape(-1, 1), labels.astype(int))
    return {"slope": float(fit.coef_[0][0]), "intercept": float(fit.intercept_[0])}


def train(kind: str, ds: Dataset, *, params: dict | None = None) -> Trained:
    """Fit `kind` on every row of `ds`; mood and energy calibrated on out-of-fold predictions."""
    started = time.perf_counter()
    merged = params_for(kind, params, users=len(np.unique(ds.user)))
    if len(ds) == 0:
        raise ValueError("nothing to train on")
    if kind == "completion" and len(np.unique(ds.y)) < 2:
        raise ValueError("completion needs both done and undone days")
    extra: dict = {}
    if kind in ("mood", "energy"):
        calibration = calibrate(kind, *_out_of_fold(kind, ds, merged))
        keep = ("shift", "scale", "sigma") if kind == "mood" else ("shift", "scale", "half_width")
        extra = {name: calibration[name] for name in keep}
    else:
        extra = platt(*_out_of_fold(kind, ds, merged))
    booster = _fit(kind, ds.X, ds.y, ds.names, merged)
    return Trained(booster=booster, text=booster.model_to_string(), names=list(ds.names), params=merged,
                   extra=extra, n_train=len(ds), seconds=time.perf_counter() - started)


def mood_probabilities(score: np.ndarray, sigma: float) -> np.ndarray:
    """Five ordered class probabilities around each predicted score (cut at k + 0.5)."""
    cuts = np.arange(MOOD_CLASSES - 1) + 0.5
    below = norm.cdf((cuts[None, :] - np.asarray(score, float)[:, None]) / sigma)
    cumulative = np.hstack([np.zeros((len(below), 1)), below, np.ones((len(below), 1))])
    probabilities = np.clip(np.diff(cumulative, axis=1), 1e-6, 1.0)
    return probabilities / probabilities.sum(axis=1, keepdims=True)


def predict(kind: str, booster: lightgbm.Booster, X: np.ndarray, extra: dict) -> np.ndarray:
    """mood: (n, 5) probabilities in MOODS order; energy: (n, 3) value, low, high;
    completion: (n,) probability."""
    raw = booster.predict(np.asarray(X, dtype=np.float64)) if len(X) else np.zeros(0)
    if kind in ("mood", "energy"):
        raw = float(extra.get("shift", 0.0)) + float(extra.get("scale", 1.0)) * raw
    if kind == "mood":
        return mood_probabilities(raw, float(extra.get("sigma", 0.8)))
    if kind == "energy":
        value = np.clip(raw, 0, 10)
        width = float(extra.get("half_width", 1.0))
        return np.column_stack([value, np.clip(value - width, 0, 10), np.clip(value + width, 0, 10)])
    if kind == "completion":
        scaled = float(extra.get("slope", 1.0)) * _logit(raw) + float(extra.get("intercept", 0.0))
        return 1 / (1 + np.exp(-scaled))
    raise ValueError(f"unknown kind {kind!r}")


def contributions(booster: lightgbm.Booster, X: np.ndarray) -> np.ndarray:
    """Per-feature contributions to the raw prediction, the expected value last (LightGBM's
    pred_contrib). LightGBM has none for linear trees: there each tree's output less its
    mean (its leaves' values weighed by their training rows) goes to the features on the
    path to the row's leaf (one for a stump: exact), the means to the last column; the row
    still sums to the raw prediction."""
    X = np.asarray(X, dtype=np.float64)
    trees = [_leaves(tree["tree_structure"], ()) for tree in booster.dump_model()["tree_info"]]
    if not any(leaf.get("leaf_coeff") for tree in trees for leaf, _ in tree.values()):
        return np.asarray(booster.predict(X, pred_contrib=True, num_threads=1))
    reached = np.asarray(booster.predict(X, pred_leaf=True, num_threads=1), dtype=int).reshape(len(X), -1)
    out = np.zeros((len(X), X.shape[1] + 1))
    for t, tree in enumerate(trees):
        counts = np.array([float(leaf.get("leaf_count", 1)) for leaf, _ in tree.values()])
        values = np.array([float(leaf["leaf_value"]) for leaf, _ in tree.values()])
        mean = float(np.dot(counts, values) / max(counts.sum(), 1.0))
        out[:, -1] += mean
        for row in range(len(X)):
            leaf, path = tree[int(reached[row, t])]
            columns = list(path) or [X.shape[1]]
            out[row, columns] += (_leaf_output(leaf, X[row]) - mean) / len(columns)
    return out


def _leaves(node: dict, path: tuple[int, ...]) -> dict[int, tuple[dict, tuple[int, ...]]]:
    """A dumped tree's leaves by index, each with the features split on above it."""
    if "leaf_value" in node and "split_feature" not in node:
        return {int(node.get("leaf_index", 0)): (node, path)}
    below = path if node["split_feature"] in path else (*path, int(node["split_feature"]))
    return {**_leaves(node["left_child"], below), **_leaves(node["right_child"], below)}


def _leaf_output(leaf: dict, x: np.ndarray) -> float:
    """A linear leaf's value at x (LightGBM's: its plain value when one of its features is missing)."""
    used = [int(f) for f in leaf.get("leaf_features", [])]
    if used and np.isnan(x[used]).any():
        return float(leaf["leaf_value"])
    return float(leaf.get("leaf_const", leaf["leaf_value"])) + float(np.dot(leaf.get("leaf_coeff", []), x[used]))


def metrics(kind: str, y_true: np.ndarray, predicted: np.ndarray) -> dict:
    y_true = np.asarray(y_true, dtype=float)
    if len(y_true) == 0:
        return {}
    if kind == "mood":
        labels = np.argmax(predicted, axis=1)
        truth = y_true.astype(int)
        return {"accuracy": float(accuracy_score(truth, labels)),
                "macro_f1": float(f1_score(truth, labels, average="macro")),
                "log_loss": float(log_loss(truth, predicted, labels=list(range(MOOD_CLASSES)))),
                "n": len(truth)}
    if kind == "energy":
        value = predicted[:, 0]
        inside = (y_true >= predicted[:, 1]) & (y_true <= predicted[:, 2])
        return {"mae": float(mean_absolute_error(y_true, value)),
                "r2": float(r2_score(y_true, value)) if len(y_true) > 1 else float("nan"),
                "coverage": float(inside.mean()), "n": len(y_true)}
    if kind == "completion":
        both = len(np.unique(y_true)) == 2
        return {"roc_auc": float(roc_auc_score(y_true, predicted)) if both else float("nan"),
                "brier": float(brier_score_loss(y_true, np.clip(predicted, 0, 1))), "n": len(y_true)}
    raise ValueError(f"unknown kind {kind!r}")


def split_last_days(ds: Dataset, days: int) -> tuple[Dataset, Dataset]:
    """(train, test): test = each user's last `days` distinct labelled days (plain rows
    only); train = the rows, masked copies included, of days before those."""
    plain = ~ds.masked if ds.masked is not None else np.ones(len(ds), bool)
    cutoff = np.empty(len(ds), dtype=np.int64)
    for user in np.unique(ds.user):
        rows = ds.user == user
        distinct = np.unique(ds.day[rows & plain])
        cutoff[rows] = distinct[-days] if len(distinct) >= days else (distinct[0] if len(distinct) else 0)
    test = plain & (ds.day >= cutoff)
    train = ds.day < cutoff
    return ds.take(np.flatnonzero(train)), ds.take(np.flatnonzero(test))


def baseline(kind: str, train: Dataset, test: Dataset) -> np.ndarray:
    """The honest baseline's predictions for `test`, in predict()'s shape: the user's most
    frequent mood (their mood shares as probabilities), their mean energy (± their
    spread), and for completion Loop's strength of the day before."""
    if kind == "completion":
        strength = test.X[:, test.names.index("habit_strength")]
        fallback = float(train.y.mean()) if len(train) else 0.5
        return np.where(np.isnan(strength), fallback, strength)
    out = []
    overall = train.y
    for user in test.user:
        mine = train.y[train.user == user]
        mine = mine if len(mine) else overall
        out.append(_user_baseline(kind, mine))
    return np.array(out).reshape(len(test), MOOD_CLASSES if kind == "mood" else 3)


def _user_baseline(kind: str, labels: np.ndarray) -> np.ndarray:
    if kind == "mood":
        counts = np.bincount(labels.astype(int), minlength=MOOD_CLASSES)[:MOOD_CLASSES] + 0.01
        shares = counts / counts.sum()
        top = np.argmax(counts)
        shares[top] += 1e-3  # ties go to the lower score, deterministically
        return shares / shares.sum()
    mean = float(labels.mean()) if len(labels) else 5.0
    width = float(np.quantile(np.abs(labels - mean), INTERVAL)) if len(labels) else 2.0
    return np.array([mean, max(mean - width, 0), min(mean + width, 10)])


def better(kind: str, a: dict, b: dict) -> bool:
    """Whether metrics `a` beat `b` on kind's primary metric (missing or NaN never wins)."""
    name, higher = PRIMARY[kind]
    x, y = a.get(name), b.get(name)
    if x is None or x != x:
        return False
    if y is None or y != y:
        return True
    return x > y if higher else x < y
