"""The registry: artifacts stored as LightGBM text and loaded only when their SHA-256
matches, who is served by which champion, the promotion rule, promote and rollback."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.files.storage import default_storage

from habitstory.insights import registry, state
from habitstory.insights.models import ModelVersion

from .model_fixtures import make_version, media, trained  # noqa: F401 - media: autouse fixture

pytestmark = pytest.mark.django_db
Status = ModelVersion.Status


def test_it_stores_lightgbm_text_and_loads_the_same_model():
    version = make_version("energy")
    with default_storage.open(version.artifact.name, "rb") as handle:
        data = handle.read()
    assert data.startswith(b"tree\n")  # LightGBM's own text format, nothing pickled
    assert registry.checksum(data) == version.sha256
    assert version.eval_sha256 and version.features == trained("energy").names
    X = np.nan_to_num(np.random.default_rng(0).normal(size=(4, len(version.features))))
    assert np.allclose(registry.load(version).predict(X), trained("energy").booster.predict(X))
    assert version.params["extra"] == trained("energy").extra


def test_an_artifact_whose_bytes_changed_is_refused():
    version = make_version("energy")
    path = default_storage.path(version.artifact.name)
    with open(path, "ab") as handle:
        handle.write(b"\n")
    with pytest.raises(registry.ArtifactError, match="checksum"):
        registry.load(version)


def test_a_version_whose_checksum_changed_is_refused():
    version = make_version("energy")
    version.eval_sha256 = "0" * 64
    with pytest.raises(registry.ArtifactError, match="checksum"):
        registry.load(version, eval=True)


def test_a_replaced_artifact_with_a_matching_name_but_other_model_is_refused():
    version = make_version("energy")
    other = make_version("mood")
    with default_storage.open(other.artifact.name, "rb") as handle:
        foreign = handle.read()
    with open(default_storage.path(version.artifact.name), "wb") as handle:
        handle.write(foreign)
    with pytest.raises(registry.ArtifactError):
        registry.load(version)


def test_a_missing_artifact_is_an_artifact_error():
    version = make_version("energy")
    default_storage.delete(version.artifact.name)
    with pytest.raises(registry.ArtifactError):
        registry.load(version)


def test_boosters_are_cached_by_checksum(monkeypatch):
    version = make_version("energy")
    first = registry.load(version)

    def no_reading(*args, **kwargs):
        raise AssertionError("read again")

    monkeypatch.setattr(default_storage, "open", no_reading)
    assert registry.load(ModelVersion.objects.get(pk=version.pk)) is first


def test_the_users_own_champion_serves_them_else_the_pooled_one_if_they_opted_in(owner, stranger):
    pooled = make_version("mood", status=Status.CHAMPION)
    own = make_version("mood", user=owner, status=Status.CHAMPION)
    make_version("energy", user=owner, status=Status.CANDIDATE)
    assert registry.champion(owner, "mood") == own
    assert registry.champion(owner, "energy") is None
    assert registry.champion(stranger, "mood") is None  # not opted in
    stranger.profile.pooled_learning = True
    stranger.profile.save()
    stranger.refresh_from_db()
    assert registry.champion(stranger, "mood") == pooled
    assert registry.champion(owner, "mood") == own


@pytest.mark.parametrize(("kind", "challenger", "champion", "baseline", "won"), [
    ("energy", {"mae": 0.9}, {"mae": 1.0}, {"mae": 2.0}, True),
    ("energy", {"mae": 1.0}, {"mae": 1.0}, {"mae": 2.0}, False),  # a tie keeps the champion
    ("energy", {"mae": 1.1}, {"mae": 1.0}, {"mae": 2.0}, False),
    ("energy", {"mae": 1.1}, None, {"mae": 1.2}, True),  # a first model beats the baseline
    ("energy", {"mae": 1.3}, None, {"mae": 1.2}, False),
    ("mood", {"macro_f1": 0.71}, {"macro_f1": 0.70}, {"macro_f1": 0.2}, True),
    ("mood", {"macro_f1": 0.3}, None, {"macro_f1": 0.3}, False),
    ("completion", {"roc_auc": 0.81}, {"roc_auc": 0.80}, {}, True),
    ("completion", {"roc_auc": None}, None, {"roc_auc": 0.6}, False),  # undefined never wins
])
def test_the_promotion_rule(kind, challenger, champion, baseline, won):
    assert registry.beats(kind, challenger, champion, baseline)[0] is won


def test_a_first_model_becomes_champion_only_if_it_beats_the_baseline(owner, django_capture_on_commit_callbacks):
    loser = make_version("energy", user=owner, metrics={"mae": 1.5}, baseline={"mae": 1.2})
    assert registry.consider(loser) is False
    loser.refresh_from_db()
    assert loser.status == Status.REJECTED and "does not beat baseline" in loser.note
    winner = make_version("energy", user=owner, metrics={"mae": 1.0}, baseline={"mae": 1.2})
    with django_capture_on_commit_callbacks(execute=True):
        assert registry.consider(winner) is True
    winner.refresh_from_db()
    assert winner.status == Status.CHAMPION and winner.promoted_at is not None
    assert state.generation(owner.pk) == 1  # the owner's cached forecasts go


def test_a_challenger_must_beat_the_champion_on_the_same_days(owner):
    champion = make_version("energy", user=owner, status=Status.CHAMPION, metrics={"mae": 1.0})
    loser = make_version("energy", user=owner, metrics={"mae": 0.95}, baseline={"mae": 1.5},
                         champion={"version": champion.pk, "mae": 0.9})
    assert registry.consider(loser) is False
    winner = make_version("energy", user=owner, metrics={"mae": 0.85}, baseline={"mae": 1.5},
                          champion={"version": champion.pk, "mae": 0.9})
    assert registry.consider(winner) is True
    champion.refresh_from_db()
    assert champion.status == Status.RETIRED and f"#{winner.pk}" in champion.note
    assert ModelVersion.objects.filter(user=owner, kind="energy", status=Status.CHAMPION).get() == winner


def test_a_challenger_compared_with_a_champion_since_replaced_is_rejected(owner):
    old = make_version("energy", user=owner, status=Status.RETIRED)
    make_version("energy", user=owner, status=Status.CHAMPION)
    late = make_version("energy", user=owner, metrics={"mae": 0.1}, baseline={"mae": 1.5},
                        champion={"version": old.pk, "mae": 0.9})
    assert registry.consider(late) is False
    late.refresh_from_db()
    assert "changed" in late.note


def test_a_champion_that_could_not_be_scored_leaves_the_baseline_to_beat(owner):
    champion = make_version("energy", user=owner, status=Status.CHAMPION)
    challenger = make_version("energy", user=owner, metrics={"mae": 1.0}, baseline={"mae": 1.5},
                              champion={"version": champion.pk, "skipped": "its features are not computed now"})
    assert registry.consider(challenger) is True


def test_promote_and_rollback(owner, admin_user, django_capture_on_commit_callbacks):
    first = make_version("mood", user=owner, metrics={"macro_f1": 0.5}, baseline={"macro_f1": 0.2})
    assert registry.consider(first)
    second = make_version("mood", user=owner)
    with django_capture_on_commit_callbacks(execute=True):
        registry.promote(second, by=admin_user)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status, second.promoted_by) == (Status.RETIRED, Status.CHAMPION, admin_user)
    generation = state.generation(owner.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert registry.rollback(second, by=admin_user) == first
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.CHAMPION, Status.RETIRED)
    assert "rolled back" in second.note
    assert state.generation(owner.pk) == generation + 1
    assert registry.rollback(first) is None  # nothing before it: no champion at all
    assert registry.champion(owner, "mood") is None
    with pytest.raises(ValueError):
        registry.rollback(first)


def test_a_pooled_champion_change_moves_the_pooled_generation(django_capture_on_commit_callbacks):
    version = make_version("energy")
    before = registry.pooled_generation()
    with django_capture_on_commit_callbacks(execute=True):
        registry.promote(version)
    assert registry.pooled_generation() == before + 1


def test_at_most_one_champion_per_scope_and_kind(owner):
    a = make_version("mood", user=owner)
    b = make_version("mood", user=owner)
    registry.promote(a)
    registry.promote(b)
    assert list(ModelVersion.objects.filter(status=Status.CHAMPION)) == [b]

