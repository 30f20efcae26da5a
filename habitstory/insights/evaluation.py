"""Held-out evaluation: each user's last days kept out of training, the models scored on
them beside the honest baselines and, on synthetic users, an oracle that knows the
generator's noise-free truth. `evaluate_models` prints it; docs/insights.md has a full run.

Two scenarios: "daily" (each held-out day is predicted knowing the labels logged before
it, as when a user checks in every day) and "labels hidden" (the held-out days' mood and
energy are never known: inputs only, as in the reviewer's 90 + 30 days).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from .features import KINDS, Dataset, completion_rows, dataset, mood_energy_rows
from .history import History
from .training import baseline, metrics, mood_probabilities, predict, split_last_days, train

HOLDOUT_DAYS = 30
MIN_DAYS = 60
SCENARIOS = ("daily", "labels hidden")


@dataclass
class Result:
    kind: str
    scope: str  # "per user" | "pooled"
    scenario: str
    model: dict
    baseline: dict
    oracle: dict
    users: int
    n_train: int
    n_test: int
    seconds: float


@dataclass
class Truth:
    """What an oracle knows of a synthetic user: the generator's noise-free values."""

    mood: np.ndarray
    energy: np.ndarray
    completion: dict[int, np.ndarray]
    mood_sigma: float
    energy_half_width: float


def hide_labels_from(h: History, first: int) -> History:
    """The history with mood and energy unknown from day index `first` on."""
    mood, energy = h.mood.copy(), h.energy.copy()
    mood[first:] = np.nan
    energy[first:] = np.nan
    return replace(h, mood=mood, energy=energy)


def _hidden_features(kind: str, test: Dataset, histories: dict[int, History]) -> Dataset:
    """The test rows' features recomputed as if no label from each user's first held-out day on were known."""
    X = test.X.copy()
    for user in np.unique(test.user):
        rows = np.flatnonzero(test.user == user)
        h = histories[int(user)]
        days = test.day[rows] - h.start.toordinal()
        hidden = hide_labels_from(h, int(days.min()))
        if kind == "completion":
            Xh, _, keys = completion_rows(hidden, sorted(set(days.tolist())))
            position = {key: n for n, key in enumerate(keys)}
            X[rows] = Xh[[position[(int(k), int(d))] for k, d in zip(test.habit[rows], days)]]
        else:
            X[rows] = mood_energy_rows(hidden, days)[0]
    return replace(test, X=X)


def oracle(kind: str, test: Dataset, histories: dict[int, History], truths: dict[int, Truth]) -> np.ndarray | None:
    """The oracle's predictions for the test rows, in predict()'s shape (None without truths)."""
    if not truths or any(int(u) not in truths for u in np.unique(test.user)):
        return None
    index = np.array([d - histories[int(u)].start.toordinal() for u, d in zip(test.user, test.day)], dtype=int)
    if kind == "completion":
        return np.array([truths[int(u)].completion[int(k)][i] for u, k, i in zip(test.user, test.habit, index)])
    if kind == "mood":
        return np.vstack([mood_probabilities(truths[int(u)].mood[[i]], truths[int(u)].mood_sigma)
                          for u, i in zip(test.user, index)]) if len(index) else np.zeros((0, 5))
    values = np.array([truths[int(u)].energy[i] for u, i in zip(test.user, index)])
    widths = np.array([truths[int(u)].energy_half_width for u in test.user])
    return np.column_stack([values, np.clip(values - widths, 0, 10), np.clip(values + widths, 0, 10)])


def _score(kind: str, scope: str, scenario: str, train_part: Dataset, test: Dataset, predicted: np.ndarray,
           histories, truths, users: int, seconds: float) -> Result:
    oracle_predictions = oracle(kind, test, histories, truths)
    return Result(kind=kind, scope=scope, scenario=scenario, model=metrics(kind, test.y, predicted),
                  baseline=metrics(kind, test.y, baseline(kind, train_part, test)),
                  oracle={} if oracle_predictions is None else metrics(kind, test.y, oracle_predictions),
                  users=users, n_train=len(train_part), n_test=len(test), seconds=seconds)


def _pooled(kind: str, train_part: Dataset, tests: dict[str, Dataset], histories, truths, params) -> list[Result]:
    started = time.perf_counter()
    trained = train(kind, train_part, params=params)
    seconds = time.perf_counter() - started
    users = len(np.unique(train_part.user))
    return [_score(kind, "pooled", scenario, train_part, test, predict(kind, trained.booster, test.X, trained.extra),
                   histories, truths, users, seconds) for scenario, test in tests.items()]


def _per_user(kind: str, train_part: Dataset, tests: dict[str, Dataset], histories, truths, params,
              min_days: int) -> list[Result]:
    started = time.perf_counter()
    plain = ~train_part.masked
    chosen, predictions = [], {scenario: [] for scenario in tests}
    for user in np.unique(train_part.user):
        rows = train_part.user == user
        if len(np.unique(train_part.day[rows & plain])) < min_days:
            continue
        mine = train_part.take(np.flatnonzero(rows))
        if kind == "completion" and len(np.unique(mine.y)) < 2:
            continue
        trained = train(kind, mine, params=params)
        chosen.append(user)
        for scenario, test in tests.items():
            rows_test = np.flatnonzero(test.user == user)
            predictions[scenario].append((rows_test, predict(kind, trained.booster, test.X[rows_test], trained.extra)))
    seconds = time.perf_counter() - started
    results = []
    for scenario, test in tests.items():
        rows = np.concatenate([r for r, _ in predictions[scenario]]) if chosen else np.zeros(0, int)
        if not len(rows):
            continue
        predicted = np.concatenate([p for _, p in predictions[scenario]])
        kept = train_part.take(np.flatnonzero(np.isin(train_part.user, chosen)))
        results.append(_score(kind, "per user", scenario, kept, test.take(rows), predicted, histories, truths,
                              len(chosen), seconds))
    return results


def evaluate(histories: Sequence[History], truths: dict[int, Truth] | None = None, *,
             kinds: Sequence[str] = KINDS, holdout: int = HOLDOUT_DAYS, min_days: int = MIN_DAYS,
             params: dict | None = None, scopes: Sequence[str] = ("per user", "pooled"),
             scenarios: Sequence[str] = SCENARIOS, progress: Callable[[str], None] | None = None) -> list[Result]:
    """Each kind, on each user's last `holdout` labelled days: per-user models (users with
    `min_days` labelled days before them) and the pooled model, in each scenario."""
    by_user = {h.user_id: h for h in histories}
    results: list[Result] = []
    for kind in kinds:
        train_part, test = split_last_days(dataset(histories, kind), holdout)
        tests = {"daily": test, "labels hidden": _hidden_features(kind, test, by_user)}
        tests = {name: part for name, part in tests.items() if name in scenarios}
        if "pooled" in scopes:
            results += _pooled(kind, train_part, tests, by_user, truths, (params or {}).get(kind))
        if "per user" in scopes:
            results += _per_user(kind, train_part, tests, by_user, truths, (params or {}).get(kind), min_days)
        if progress:
            for result in results[-len(tests) * len(scopes):]:
                progress(line(result))
    return results


def truths_of(synthetics) -> dict[int, Truth]:
    """The oracle's view of synthetic users (synth.Synthetic)."""
    return {s.history.user_id: Truth(mood=s.truth["mood"], energy=s.truth["energy"],
                                     completion=s.truth["completion"], mood_sigma=s.truth["mood_sigma"],
                                     energy_half_width=s.truth["energy_half_width"]) for s in synthetics}


PRINTED = {"mood": ("accuracy", "macro_f1", "log_loss"), "energy": ("mae", "r2", "coverage"),
           "completion": ("roc_auc", "brier")}


def _figures(kind: str, values: dict) -> str:
    if not values:
        return "-"
    return " ".join(f"{name} {values[name]:.3f}" for name in PRINTED[kind] if name in values)


def line(result: Result) -> str:
    return (f"{result.kind:<10} {result.scope:<8} {result.scenario:<13} users {result.users:>4} "
            f"train {result.n_train:>6} test {result.n_test:>5} | model {_figures(result.kind, result.model)} | "
            f"baseline {_figures(result.kind, result.baseline)} | oracle {_figures(result.kind, result.oracle)} "
            f"| {result.seconds:.1f} s")
