"""Learned next up (docs/insights.md, "Learned \"next up\""): each completion records the
factors of the quest done and of the other quests next up offered then; `refit` learns the
user's weights from those choices and puts them in use only while they beat WEIGHTS on the
user's later, held-out choices. next_up reads them through `weights_for`."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from sklearn.linear_model import LogisticRegression

from . import next_up
from .models import NextUpChoice, NextUpFit, Quest
from .next_up import WEIGHTS, weights_for

__all__ = ["FACTORS", "MIN_CHOICES", "Fit", "Accuracy", "accuracy", "record_choice", "refit", "weights_for"]

FACTORS = tuple(WEIGHTS)
MIN_CHOICES = 12  # recorded choices before a fit is tried
TEST_SHARE = 0.25  # the latest quarter of them is held out
MAX_CHOICES = 500  # the latest ones a fit reads
MAX_OTHERS = 50  # alternatives kept per choice: those WEIGHTS ranks highest
REGULARISATION = 1.0  # scikit-learn's C

Fit = NextUpFit


@dataclass(frozen=True)
class Accuracy:
    """How often a set of weights ranks the quest done above an alternative (pairwise),
    and first of all (top-1); ties count as a share."""

    pairwise: float
    top1: float


@dataclass(frozen=True)
class Choice:
    chosen: np.ndarray  # (factors,)
    others: np.ndarray  # (alternatives, factors)


def record_choice(quest: Quest, *, today: dt.date, now: dt.datetime) -> NextUpChoice | None:
    """Before `quest` completes: its factors and those of the user's other unlocked open
    and active quests (next_up.candidates), as one row; none when there was nothing else
    to choose (four queries, three without a row)."""
    chosen, others = None, []
    for facts, factors in next_up.candidates(quest.user_id, today=today, now=now):
        if facts.pk == quest.pk:
            chosen = factors
        else:
            others.append(factors)
    if chosen is None or not others:
        return None
    if len(others) > MAX_OTHERS:
        others = sorted(others, key=lambda factors: -_hand_score(factors))[:MAX_OTHERS]
    return NextUpChoice.objects.create(user_id=quest.user_id, quest=quest, chosen_at=now, chosen=_rounded(chosen),
                                       others=[_rounded(factors) for factors in others])


def refit(user, *, now: dt.datetime | None = None) -> Fit | None:
    """Fit the user's weights on their earlier choices, test them and WEIGHTS on the later
    ones (TEST_SHARE), store the fit and use it only if it wins; None (nothing stored)
    with fewer than MIN_CHOICES choices. The same queries however many choices (a read, an
    upsert)."""
    now = now or timezone.now()
    user_id = getattr(user, "pk", user)
    rows = (NextUpChoice.objects.filter(user_id=user_id, chosen_at__lte=now)
            .order_by("-chosen_at", "-id").values_list("chosen", "others")[:MAX_CHOICES])
    choices = [_choice(chosen, others) for chosen, others in reversed(list(rows)) if others]
    if len(choices) < MIN_CHOICES:
        return None
    held_out = math.ceil(len(choices) * TEST_SHARE)
    train, test = choices[:-held_out], choices[-held_out:]
    weights, pairs = fitted_weights(train)
    hand = _vector(WEIGHTS)
    learned, handset = accuracy(weights, test), accuracy(hand, test)
    wins = bool(weights.any()) and learned.pairwise > handset.pairwise and learned.top1 >= handset.top1
    fit, _ = NextUpFit.objects.update_or_create(user_id=user_id, defaults={
        "weights": {name: round(float(weight), 4) for name, weight in zip(FACTORS, weights, strict=True)},
        "pairwise_accuracy": learned.pairwise, "top1_accuracy": learned.top1,
        "hand_pairwise_accuracy": handset.pairwise, "hand_top1_accuracy": handset.top1,
        "train_choices": len(train), "test_choices": len(test), "train_pairs": pairs,
        "in_use": wins, "fitted_at": now,
    })
    key = next_up.weights_key(user_id)
    cache.delete(key)  # now, and again once a caller's transaction commits (a read meanwhile cached the old row)
    transaction.on_commit(lambda: cache.delete(key))
    return fit


def fitted_weights(choices: list[Choice]) -> tuple[np.ndarray, int]:
    """Pairwise logistic regression without intercept on factor differences (chosen −
    other labelled 1, other − chosen 0; each choice weighs 1 in all), its coefficients
    kept ≥ 0 (a factor only ever raises the score, as the reasons say) and scaled to
    WEIGHTS' sum. Zeros when nothing separates the choices; also the pairs used."""
    differences, sample_weights = [], []
    for choice in choices:
        rows = choice.chosen - choice.others
        rows = rows[np.any(rows != 0, axis=1)]
        differences.append(rows)
        sample_weights.append(np.full(len(rows), 1 / len(choice.others)))
    rows = np.vstack(differences) if differences else np.empty((0, len(FACTORS)))
    if not len(rows):
        return np.zeros(len(FACTORS)), 0
    model = LogisticRegression(fit_intercept=False, C=REGULARISATION)
    model.fit(np.vstack([rows, -rows]), np.r_[np.ones(len(rows)), np.zeros(len(rows))],
              sample_weight=np.tile(np.concatenate(sample_weights), 2))
    weights = np.clip(model.coef_[0], 0, None)
    if weights.sum() <= 0:
        return np.zeros(len(FACTORS)), len(rows)
    return weights * (sum(WEIGHTS.values()) / weights.sum()), len(rows)


def accuracy(weights: np.ndarray, choices: list[Choice]) -> Accuracy:
    """Each choice's share of alternatives scored below the quest done (a tie ½), and
    whether it scored first (a tie for first shared), averaged over the choices. Scores
    are rounded as next up rounds them."""
    pairwise, top1 = [], []
    for choice in choices:
        chosen = round(float(choice.chosen @ weights), 4)
        others = np.round(choice.others @ weights, 4)
        pairwise.append(float(np.mean((others < chosen) + 0.5 * (others == chosen))))
        top1.append(0.0 if (others > chosen).any() else 1 / (1 + int((others == chosen).sum())))
    return Accuracy(round(float(np.mean(pairwise)), 4), round(float(np.mean(top1)), 4))


def _choice(chosen: dict, others: list[dict]) -> Choice:
    return Choice(_vector(chosen), np.array([_vector(factors) for factors in others], dtype=float))


def _vector(factors: dict[str, float]) -> np.ndarray:
    return np.array([float(factors.get(name, 0.0)) for name in FACTORS])


def _hand_score(factors: dict[str, float]) -> float:
    return sum(WEIGHTS[name] * factors[name] for name in FACTORS)


def _rounded(factors: dict[str, float]) -> dict[str, float]:
    return {name: round(float(factors[name]), 4) for name in FACTORS}
