"""Learned next up: each completion records what next up offered; a refit learns a user's
weights from their choices and uses them only once they beat WEIGHTS on later choices."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from quests import graph, learned, next_up, services
from quests.models import NextUpChoice, NextUpFit

from .conftest import NOW, TODAY

pytestmark = pytest.mark.django_db

FACTORS = learned.FACTORS


def day(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def random_factors(rng: random.Random) -> dict[str, float]:
    return {
        "due": rng.choice([0.0, 0.0, 0.16, 0.4, 0.6, 0.8, 1.0]),
        "priority": rng.choice([0.0, 1 / 3, 2 / 3, 1.0]),
        "xp_per_minute": round(rng.random(), 4),
        "unlocks": rng.choice([0.0, 0.0, 1 / 3, 0.5]),
        "staleness": round(rng.random(), 4),
    }


def hand_score(factors: dict[str, float]) -> float:
    return sum(next_up.WEIGHTS[name] * factors[name] for name in FACTORS)


def write_choices(user, n: int, pick, *, seed: int = 1, offered: int = 5) -> None:
    """n choices, an hour apart, each among `offered` random quests, the one `pick` (a key) ranks first."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        quests = sorted((random_factors(rng) for _ in range(offered)), key=pick, reverse=True)
        rows.append(NextUpChoice(user=user, chosen_at=NOW - dt.timedelta(hours=n - i), chosen=quests[0],
                                 others=quests[1:]))
    NextUpChoice.objects.bulk_create(rows)


def by_xp_per_minute(factors: dict[str, float]) -> float:
    return factors["xp_per_minute"]


# --- recording ------------------------------------------------------------------------------------------


def test_a_completion_records_the_quest_done_and_the_unlocked_quests_offered(make_quest, owner, now):
    chosen = make_quest("Chosen", priority=4, xp_reward=40, effort_minutes=20)
    make_quest("Soon", due_date=day(1))
    blocker = make_quest("Blocker")
    graph.add_dependency(make_quest("Locked"), blocker)
    services.complete(make_quest("Done before"), today=TODAY, now=NOW)
    expected = {facts.pk: factors for facts, factors in next_up.candidates(owner, today=TODAY, now=NOW)}

    services.complete(chosen, today=TODAY, now=NOW)

    record = NextUpChoice.objects.get(quest=chosen)
    assert record.user == owner and record.chosen_at == NOW
    assert record.chosen == pytest.approx(expected.pop(chosen.pk), abs=1e-4)
    assert record.chosen["priority"] == 1.0 and record.chosen["xp_per_minute"] == pytest.approx(2 / 3, abs=1e-4)
    assert len(record.others) == 2  # Soon and Blocker: not the locked quest, not the done one
    assert sorted(o["due"] for o in record.others) == [0.0, 0.6]
    assert sorted(o["unlocks"] for o in record.others) == [0.0, pytest.approx(1 / 3, abs=1e-4)]


def test_a_completion_with_nothing_else_to_choose_records_nothing(make_quest, owner, now):
    services.complete(make_quest("Alone"), today=TODAY, now=NOW)
    assert not NextUpChoice.objects.exists()


def test_a_quest_completed_by_its_last_objective_is_recorded_too(make_quest, owner, now):
    owner.profile.quest_auto_complete = True
    owner.profile.save()
    quest = make_quest("Steps", status="active", objectives=[services.ObjectiveSpec("Only step")])
    make_quest("Other")
    services.set_objective(quest, quest.objectives.get().pk, True, today=TODAY, now=NOW)
    assert NextUpChoice.objects.filter(quest=quest).count() == 1


def test_a_choice_keeps_the_alternatives_weights_rank_highest(make_quest, owner, now, monkeypatch):
    monkeypatch.setattr(learned, "MAX_OTHERS", 2)
    chosen = make_quest("Chosen")
    for n in range(4):
        make_quest(f"Due in {n + 1}", due_date=day(n + 1))
    services.complete(chosen, today=TODAY, now=NOW)
    assert sorted(o["due"] for o in NextUpChoice.objects.get().others) == [0.4, 0.6]  # tomorrow, in 2 days


@pytest.mark.parametrize("size", [5, 30])
def test_recording_a_choice_takes_four_queries(make_quest, owner, now, size):
    for n in range(size):
        make_quest(f"Q{n}")
    chosen = make_quest("Chosen")
    with CaptureQueriesContext(connection) as queries:
        learned.record_choice(chosen, today=TODAY, now=NOW)
    assert len(queries) == 4


# --- refitting ---------------------------------------------------------------------------------------------


def test_too_few_choices_fit_nothing(owner):
    write_choices(owner, learned.MIN_CHOICES - 1, by_xp_per_minute)
    assert learned.refit(owner, now=NOW) is None
    assert not NextUpFit.objects.exists() and learned.weights_for(owner) == next_up.WEIGHTS


def test_choices_after_now_do_not_count(owner):
    write_choices(owner, learned.MIN_CHOICES, by_xp_per_minute)
    assert learned.refit(owner, now=NOW - dt.timedelta(hours=2)) is None


def test_a_user_who_picks_by_one_factor_gets_weights_that_rank_by_it(owner):
    write_choices(owner, 40, by_xp_per_minute)
    fit = learned.refit(owner, now=NOW)

    assert fit.in_use and fit.train_choices == 30 and fit.test_choices == 10 and fit.train_pairs == 120
    assert max(fit.weights, key=fit.weights.get) == "xp_per_minute"
    assert fit.weights["xp_per_minute"] > 2 * max(w for name, w in fit.weights.items() if name != "xp_per_minute")
    assert sum(fit.weights.values()) == pytest.approx(sum(next_up.WEIGHTS.values()), abs=1e-3)
    assert fit.pairwise_accuracy > fit.hand_pairwise_accuracy and fit.top1_accuracy >= fit.hand_top1_accuracy
    assert fit.top1_accuracy >= 0.8 and fit.hand_top1_accuracy < 0.5
    assert learned.weights_for(owner) == fit.weights


def test_a_user_whose_choices_weights_explain_keeps_weights(owner):
    write_choices(owner, 40, hand_score)
    fit = learned.refit(owner, now=NOW)
    assert fit.hand_pairwise_accuracy == 1.0 and fit.hand_top1_accuracy == 1.0
    assert not fit.in_use and learned.weights_for(owner) == next_up.WEIGHTS


def test_a_later_fit_that_loses_goes_back_to_weights(owner):
    write_choices(owner, 20, by_xp_per_minute)
    assert learned.refit(owner, now=NOW).in_use
    assert learned.weights_for(owner) != next_up.WEIGHTS  # cached now
    NextUpChoice.objects.all().delete()
    write_choices(owner, 20, hand_score, seed=2)
    assert not learned.refit(owner, now=NOW).in_use
    assert learned.weights_for(owner) == next_up.WEIGHTS and NextUpFit.objects.count() == 1


def test_each_user_learns_from_their_own_choices(owner, stranger):
    write_choices(owner, 20, by_xp_per_minute)
    write_choices(stranger, 20, hand_score)
    assert learned.refit(owner, now=NOW).in_use and not learned.refit(stranger, now=NOW).in_use
    assert learned.weights_for(stranger) == next_up.WEIGHTS


def test_a_refit_runs_the_same_queries_however_many_choices(owner, stranger):
    write_choices(owner, 12, by_xp_per_minute)
    write_choices(stranger, 60, by_xp_per_minute)
    counts = []
    for user in (owner, stranger):
        with CaptureQueriesContext(connection) as queries:
            learned.refit(user, now=NOW)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8


# --- using them ----------------------------------------------------------------------------------------------


def test_learned_weights_change_the_order_and_the_reasons_stay(make_quest, owner, now):
    make_quest("Due tomorrow", due_date=day(1), xp_reward=20)
    make_quest("Quick win", xp_reward=100, effort_minutes=10)
    hand = [(quest.title, score.text) for quest, score in next_up.next_up(owner, today=TODAY, now=NOW)]
    assert hand == [("Due tomorrow", "due tomorrow"), ("Quick win", "100 XP for 10 min")]

    write_choices(owner, 20, by_xp_per_minute)
    assert learned.refit(owner, now=NOW).in_use
    ranked = next_up.next_up(owner, today=TODAY, now=NOW)
    assert [(quest.title, score.text) for quest, score in ranked] == hand[::-1]
    weights = learned.weights_for(owner)
    for quest, score in ranked:
        assert score.value == pytest.approx(sum(weights[k] * f for k, f in score.factors.items()), abs=1e-3)


def test_weights_are_one_query_then_cached(owner):
    NextUpFit.objects.create(user=owner, weights=dict.fromkeys(FACTORS, 1.8), pairwise_accuracy=1,
                             top1_accuracy=1, hand_pairwise_accuracy=0, hand_top1_accuracy=0, train_choices=9,
                             test_choices=3, train_pairs=9, in_use=True, fitted_at=NOW)
    with CaptureQueriesContext(connection) as cold:
        assert learned.weights_for(owner) == dict.fromkeys(FACTORS, 1.8)
    with CaptureQueriesContext(connection) as warm:
        assert learned.weights_for(owner.pk) == dict.fromkeys(FACTORS, 1.8)
    assert len(cold) == 1 and len(warm) == 0


def test_weights_that_name_other_factors_are_not_used(owner):
    NextUpFit.objects.create(user=owner, weights={"due": 1.0}, pairwise_accuracy=1, top1_accuracy=1,
                             hand_pairwise_accuracy=0, hand_top1_accuracy=0, train_choices=9, test_choices=3,
                             train_pairs=9, in_use=True, fitted_at=NOW)
    assert learned.weights_for(owner) == next_up.WEIGHTS


@pytest.mark.parametrize("size", [5, 50])
def test_next_up_takes_one_more_query_while_the_weights_are_not_cached(make_quest, owner, now, size):
    for n in range(size):
        make_quest(f"Q{n}")
    with CaptureQueriesContext(connection) as cold:
        next_up.next_up(owner, today=TODAY, now=NOW, limit=size)
    with CaptureQueriesContext(connection) as warm:
        next_up.next_up(owner, today=TODAY, now=NOW, limit=size)
    assert (len(cold), len(warm)) == (5, 4)


# --- the accuracy measure ---------------------------------------------------------------------------------

vectors = st.lists(st.floats(0, 1, allow_nan=False), min_size=5, max_size=5).map(np.array)


@settings(max_examples=60, deadline=None)
@given(chosen=vectors, others=st.lists(vectors, min_size=1, max_size=6),
       weights=st.lists(st.floats(0, 5, allow_nan=False), min_size=5, max_size=5).map(np.array))
def test_accuracy_matches_counting_by_hand(chosen, others, weights):
    """Against a reference: count the alternatives below, tied and above the quest done."""
    choice = learned.Choice(chosen, np.array(others))
    scores = [round(float(other @ weights), 4) for other in others]
    mine = round(float(chosen @ weights), 4)
    below, tied = sum(s < mine for s in scores), sum(s == mine for s in scores)
    result = learned.accuracy(weights, [choice])
    assert result.pairwise == pytest.approx((below + tied / 2) / len(others), abs=1e-4)
    assert result.top1 == pytest.approx(0 if below + tied < len(others) else 1 / (1 + tied), abs=1e-4)
