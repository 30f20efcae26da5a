"""Forecasts: the API's shape, no look-ahead (day D's mood and energy and anything after D
never move D's forecast), the cache and what drops it, users without a model, and an
artifact that fails its check."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage

from habitstory.insights import pipeline, predictions, registry, services, state, synth_db
from habitstory.insights.models import MOODS, ModelVersion

from .model_fixtures import PARAMS, make_version, media  # noqa: F401 - media: autouse fixture

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
DAY = TODAY - dt.timedelta(days=3)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def trained_user(now, make_user):
    """A user with 100 synthetic days through today, each kind trained and made champion."""
    user = make_user("learner@example.com")
    synth_db.write(user, synth_db.generate(1, 100, 3, end=TODAY)[0], end=TODAY)
    for result in pipeline.train_user(user, params=PARAMS):
        assert result.version is not None, result.reason
        registry.promote(result.version)
    user.refresh_from_db()
    return user


def comparable(answer: dict) -> dict:
    return {key: answer[key] for key in ("mood", "energy", "habits", "drivers", "model_versions")}


def test_a_forecast_in_the_apis_shape(trained_user):
    answer = predictions.forecast(trained_user, DAY)
    assert set(answer) == {"day", "mood", "energy", "habits", "drivers", "model_versions", "status"}
    assert answer["mood"]["label"] in MOODS
    assert list(answer["mood"]["probabilities"]) == list(MOODS)
    assert sum(answer["mood"]["probabilities"].values()) == pytest.approx(1, abs=1e-3)
    energy = answer["energy"]
    assert 0 <= energy["low"] <= energy["value"] <= energy["high"] <= 10
    assert answer["habits"] and all(0 <= h["probability"] <= 1 for h in answer["habits"])
    due = {h.pk for h in trained_user.habits.all()}
    assert {h["habit"] for h in answer["habits"]} <= due
    assert set(answer["model_versions"]) == {"mood", "energy", "completion"}
    assert all(isinstance(v, int) for v in answer["model_versions"].values())
    for driver in answer["drivers"]:
        assert driver["kind"] in ("mood", "energy") and driver["text"] and driver["label"]
    assert answer["status"]["own"] is True and answer["status"]["text"] == "ready: your own models"
    assert predictions.habit_probabilities(trained_user, DAY) == {h["habit"]: h["probability"]
                                                                  for h in answer["habits"]}


def test_the_days_own_mood_and_energy_and_later_days_never_move_its_forecast(trained_user):
    before = predictions.compute(predictions.context(trained_user, DAY))
    services.save_checkin(trained_user, DAY, {"mood": "very_negative", "energy": "0"}, partial=True)
    for later in range(1, 4):
        services.save_checkin(trained_user, DAY + dt.timedelta(days=later),
                              {"mood": "very_positive", "energy": "10", "sleep_hours": "3", "stress": "10"})
    after = predictions.compute(predictions.context(trained_user, DAY))
    assert comparable(after) == comparable(before)


def test_the_days_own_inputs_do_move_it(trained_user):
    ctx = predictions.context(trained_user, DAY)
    services.save_checkin(trained_user, DAY, {"sleep_hours": "3", "stress": "10"}, partial=True)
    changed = predictions.context(trained_user, DAY)
    assert (changed.row != ctx.row)[0].any()


def test_it_is_cached_until_a_check_in_or_a_new_champion(trained_user, django_assert_num_queries,
                                                         django_capture_on_commit_callbacks):
    first = predictions.forecast(trained_user, DAY)
    with django_assert_num_queries(0):
        assert predictions.forecast(trained_user, DAY) == first
    key = predictions.cache_key(trained_user.pk, DAY)
    services.save_checkin(trained_user, DAY - dt.timedelta(days=1), {"sleep_hours": "4"}, partial=True)
    assert predictions.cache_key(trained_user.pk, DAY) != key
    key = predictions.cache_key(trained_user.pk, DAY)
    energy = registry.champion(trained_user, "energy")
    with django_capture_on_commit_callbacks(execute=True):
        registry.rollback(energy)
    assert predictions.cache_key(trained_user.pk, DAY) != key
    assert predictions.forecast(trained_user, DAY)["energy"] is None


def test_a_cold_forecast_reads_a_few_queries(trained_user, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        predictions.forecast(trained_user, DAY)


def test_without_a_model_it_says_how_far_the_learning_is(now, owner):
    for back in range(5):
        services.save_checkin(owner, TODAY - dt.timedelta(days=back), {"mood": "neutral"})
    answer = predictions.forecast(owner, TODAY)
    assert (answer["mood"], answer["energy"], answer["habits"], answer["drivers"]) == (None, None, [], [])
    assert answer["model_versions"] == {"mood": None, "energy": None, "completion": None}
    assert answer["status"]["text"] == "learning: 5 of 60 days"  # the state now, today's mood counted
    status = predictions.status(owner)
    assert (status.labelled_days, status.needed, status.text) == (5, 60, "learning: 5 of 60 days")


def test_the_pooled_model_serves_those_who_opted_in(trained_user, make_user, now):
    pooled = make_version("energy", status=ModelVersion.Status.CHAMPION)
    newcomer = make_user("new@example.com")
    services.save_checkin(newcomer, TODAY, {"sleep_hours": "7"})
    assert predictions.forecast(newcomer, TODAY)["energy"] is None
    newcomer.profile.pooled_learning = True
    newcomer.profile.save()
    state.bump(newcomer.pk)
    newcomer.refresh_from_db()
    answer = predictions.forecast(newcomer, TODAY)
    assert answer["model_versions"]["energy"] == pooled.pk and answer["energy"] is not None
    assert "pooled model" in answer["status"]["text"]


def test_a_day_before_any_data_has_no_forecast(trained_user):
    answer = predictions.forecast(trained_user, dt.date(2001, 1, 1))
    assert answer["mood"] is None and answer["habits"] == []


def test_an_artifact_failing_its_check_is_not_served(trained_user):
    energy = registry.champion(trained_user, "energy")
    with open(default_storage.path(energy.artifact.name), "ab") as handle:
        handle.write(b"# changed\n")
    registry.forget_boosters()
    answer = predictions.forecast(trained_user, DAY)
    assert answer["energy"] is None and answer["mood"] is not None


@pytest.mark.parametrize("days", [30, 150])
def test_a_cold_forecast_reads_the_same_queries_whatever_the_history(now, make_user, days,
                                                                     django_assert_num_queries):
    user = make_user(f"d{days}@example.com")
    synth_db.write(user, synth_db.generate(1, days, 4, end=TODAY)[0], end=TODAY)
    user = type(user).objects.get(pk=user.pk)
    # The profile, check-ins, events, habits, occurrences, the champions, the labelled days' count.
    with django_assert_num_queries(7):
        predictions.forecast(user, DAY)


def test_the_reviewers_scenario_labels_then_inputs_only_then_forecasts(now, make_user):
    """90 days with mood and energy, 30 more with inputs only; trained; each of those 30
    days gets a forecast from the user's own models, made without its labels."""
    user = make_user("reviewer@example.com")
    synth_db.write(user, synth_db.generate(1, 120, 8, end=TODAY)[0], end=TODAY)
    inputs_only = TODAY - dt.timedelta(days=29)
    user.checkins.filter(on__gte=inputs_only).update(mood="", energy=None)
    results = pipeline.train_user(user, params=PARAMS)
    for result in results:
        if result.version is not None and not result.promoted:
            registry.promote(result.version)
    user = type(user).objects.get(pk=user.pk)
    own = {v.kind: v.pk for v in ModelVersion.objects.filter(user=user, status=ModelVersion.Status.CHAMPION)}
    assert set(own) == {"mood", "energy", "completion"}
    for back in range(30):
        answer = predictions.forecast(user, TODAY - dt.timedelta(days=back))
        assert answer["mood"] is not None and answer["energy"] is not None
        assert answer["model_versions"] == own
