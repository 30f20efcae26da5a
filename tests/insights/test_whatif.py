"""What-if: the day's inputs changed, the same models, the forecast moves; bad inputs named."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from habitstory.insights import features, predictions, training, whatif
from habitstory.insights.models import CheckIn, ModelVersion

from .fakes import START, history

DAYS = 120
LAST = START + dt.timedelta(days=DAYS - 1)
NOW = dt.datetime(2026, 4, 30, 12, tzinfo=dt.UTC)
SMALL = {"num_boost_round": 60}


@pytest.fixture(scope="module")
def trained():
    h = history(DAYS, seed=11, missing=0.0, effects={"sleep_hours": (0.9, 2.0), "stress": (-0.8, -1.0)})
    models = {}
    for kind in ("mood", "energy"):
        done = training.train(kind, features.dataset([h], kind), params=SMALL)
        models[kind] = done
    return h, models


@pytest.fixture
def served(owner, trained, monkeypatch):
    """The owner's history is the fake one, served by the tiny models (unsaved versions)."""
    h, models = trained
    h = history(DAYS, seed=11, missing=0.0, effects={"sleep_hours": (0.9, 2.0), "stress": (-0.8, -1.0)},
                user_id=owner.pk)
    versions = {kind: ModelVersion(pk=i + 1, kind=kind, scope="user", user=owner, features=done.names,
                                   params={"extra": done.extra})
                for i, (kind, done) in enumerate(models.items())}
    monkeypatch.setattr(predictions.history_, "load", lambda user, *, start=None, end=None: h.through(h.index(end)),
                        raising=False)
    monkeypatch.setattr(predictions.registry, "champions", lambda user, kinds=None: versions)
    monkeypatch.setattr(predictions.registry, "load", lambda version, eval=False: models[version.kind].booster)
    return h


@pytest.mark.django_db
def test_more_sleep_and_less_stress_move_the_forecast_up(owner, served):
    served.inputs["sleep_hours"][-1] = 5.5
    served.inputs["stress"][-1] = 8
    answer = whatif.what_if(owner, LAST, {"sleep_hours": "8.5", "stress": 2}, now=NOW)
    assert answer["inputs"] == {"sleep_hours": {"before": 5.5, "after": 8.5}, "stress": {"before": 8.0, "after": 2.0}}
    assert answer["after"]["energy"]["value"] > answer["before"]["energy"]["value"]
    assert answer["moved"]["energy"] > 0.5 and answer["moved"]["mood"] > 0
    assert answer["text"].startswith("With sleep 8.5 h, stress 2 of 10: energy ")
    assert answer["before"]["drivers"] and answer["after"]["drivers"]


@pytest.mark.django_db
def test_less_sleep_moves_it_down_and_nothing_is_saved(owner, served):
    served.inputs["sleep_hours"][-1] = 8.5
    answer = whatif.what_if(owner, LAST, {"sleep_hours": 4}, now=NOW)
    assert answer["moved"]["energy"] < 0
    assert not CheckIn.objects.exists()


@pytest.mark.django_db
def test_no_change_no_move(owner, served):
    answer = whatif.what_if(owner, LAST, {}, now=NOW)
    assert answer["moved"] == {"mood": 0.0, "energy": 0.0}
    assert answer["text"].startswith("With no change: ")


@pytest.mark.django_db
def test_bad_inputs_are_each_named(owner, served):
    with pytest.raises(ValidationError) as caught:
        whatif.what_if(owner, LAST, {"sleep_hours": "lots", "bedtime": 3, "stress": 10.5, "exercise_minutes": 2.5,
                                     "work_hours": "nan", "social_minutes": -5}, now=NOW)
    errors = caught.value.message_dict
    assert set(errors) == {"sleep_hours", "bedtime", "stress", "exercise_minutes", "work_hours", "social_minutes"}
    assert errors["bedtime"] == [f"Not an input to change: use {whatif.NAMES_TEXT}."]
    assert errors["stress"] == ["Choose from 0 to 10."]
    assert errors["exercise_minutes"] == ["Enter a whole number of minutes."]
    with pytest.raises(ValidationError) as caught:
        whatif.what_if(owner, LAST, ["sleep_hours"], now=NOW)
    assert "changes" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        whatif.what_if(owner, LAST, {"stress": 3.3}, now=NOW)
    assert caught.value.message_dict == {"stress": ["Use steps of 0.5."]}


@pytest.mark.django_db
def test_a_day_not_yet_come_is_refused(owner, served):
    with pytest.raises(ValidationError) as caught:
        whatif.what_if(owner, LAST + dt.timedelta(days=1), {"sleep_hours": 8}, now=NOW)
    assert list(caught.value.message_dict) == ["day"]


@pytest.mark.django_db
def test_without_models_it_says_there_is_nothing_to_move(owner, monkeypatch, served):
    monkeypatch.setattr(predictions.registry, "champions", lambda user, kinds=None: {})
    answer = whatif.what_if(owner, LAST, {"sleep_hours": 8}, now=NOW)
    assert answer["before"]["energy"] is None and answer["moved"] == {"mood": None, "energy": None}
    assert answer["text"] == "No forecast yet, so nothing to move."
