"""Who is served: a user who opted in to pooled learning gets their own model only once it
beat the pooled champion on their held-out days; otherwise the pooled one."""

from __future__ import annotations

import pytest

from habitstory.insights import pipeline, registry
from habitstory.insights.models import ModelVersion

from .model_fixtures import PARAMS, history, make_version, media  # noqa: F401 - media: autouse fixture

pytestmark = pytest.mark.django_db
Status = ModelVersion.Status


def _opt_in(user):
    user.profile.pooled_learning = True
    user.profile.save()
    user.refresh_from_db()
    return user


@pytest.mark.parametrize(("pooled_scores", "served"), [
    (None, "pooled"),  # never compared with the pooled champion: not shown to beat it
    ({"version": 1, "macro_f1": 0.70}, "pooled"),  # a tie keeps the pooled one
    ({"version": 1, "macro_f1": 0.75}, "pooled"),
    ({"version": 1, "macro_f1": 0.60}, "own"),
    ({"version": 1, "skipped": "its features are not computed now"}, "pooled"),
])
def test_an_opted_in_user_gets_their_own_model_only_once_it_beat_the_pooled_one(owner, pooled_scores, served):
    pooled = make_version("mood", status=Status.CHAMPION)
    champion = {} if pooled_scores is None else {"pooled": pooled_scores}
    own = make_version("mood", user=owner, status=Status.CHAMPION, metrics={"macro_f1": 0.70}, champion=champion)
    assert registry.champion(_opt_in(owner), "mood") == (own if served == "own" else pooled)
    assert registry.beats_pooled(own) == (served == "own")


def test_without_pooled_learning_or_a_pooled_champion_a_users_own_model_serves(owner, stranger):
    own = make_version("mood", user=owner, status=Status.CHAMPION, metrics={"macro_f1": 0.5})
    assert registry.champion(_opt_in(owner), "mood") == own  # no pooled champion to beat
    make_version("mood", status=Status.CHAMPION)
    theirs = make_version("mood", user=stranger, status=Status.CHAMPION, metrics={"macro_f1": 0.5})
    assert registry.champion(stranger, "mood") == theirs  # not opted in: never the pooled one
    assert registry.champion(owner, "mood").user_id is None


def test_the_pipeline_scores_the_pooled_champion_on_an_opted_in_users_held_out_days(owner, stranger):
    pooled = make_version("energy", status=Status.CHAMPION)
    (result,) = pipeline.train_user(_opt_in(owner), kinds=("energy",), params=PARAMS, history=history())
    scores = result.version.champion_metrics["pooled"]
    assert scores["version"] == pooled.pk and scores["n"] == result.version.n_holdout
    assert result.version.champion_metrics.get("mae") is None  # no own champion was compared
    served = registry.champion(owner, "energy")
    assert served == (result.version if result.promoted and scores["mae"] > result.version.metrics["mae"] else pooled)
    (other,) = pipeline.train_user(stranger, kinds=("energy",), params=PARAMS, history=history())
    assert "pooled" not in other.version.champion_metrics  # not opted in: nothing to compare
