"""drivers.describe: LightGBM's contributions for one day, grouped and put into words."""

from __future__ import annotations

import datetime as dt

import lightgbm as lgb
import numpy as np
import pytest

from habitstory.insights import drivers

from habitstory.insights.history import Event

from .fakes import START, history

NAMES = ["sleep_hours", "stress", "sleep_hours_mean_7", "energy_lag1", "weekday", "event_illness"]
PARAMS = {"num_threads": 1, "verbose": -1, "min_data_in_leaf": 5, "learning_rate": 0.2, "seed": 1}


def _rows(h):
    rows = []
    for i in range(h.days):
        rows.append([h.inputs["sleep_hours"][i], h.inputs["stress"][i], 7.0,
                     h.energy[i - 1] if i else np.nan, h.date(i).weekday(), 0.0])
    return np.array(rows)


@pytest.fixture(scope="module")
def fitted():
    h = history(200, seed=3, missing=0.0)
    X = _rows(h)
    energy = 5 + 1.2 * (X[:, 0] - 7) - 0.3 * (X[:, 1] - 5)
    mood = np.clip(np.round(2 + 0.8 * (X[:, 0] - 7) - 0.2 * (X[:, 1] - 5)), 0, 4)
    regressor = lgb.train(PARAMS | {"objective": "regression"}, lgb.Dataset(X, energy), num_boost_round=40)
    classifier = lgb.train(PARAMS | {"objective": "multiclass", "num_class": 5}, lgb.Dataset(X, mood),
                           num_boost_round=40)
    return h, X, regressor, classifier


def _short_sleep_day(h, X):
    i = int(np.flatnonzero((X[:, 0] <= 5.5) & (X[:, 1] >= 3) & (X[:, 1] <= 7))[-1])
    return i


def test_it_names_short_sleep_first_for_low_energy(fitted):
    h, X, regressor, _ = fitted
    i = _short_sleep_day(h, X)
    contrib = regressor.predict(X[i:i + 1], pred_contrib=True)[0]
    found = drivers.describe("energy", NAMES, contrib, X[i], h, i)
    assert found[0].feature == "sleep_hours"
    assert found[0].label.startswith("short sleep (")
    assert found[0].contribution < 0
    assert "lowers it by" in found[0].text
    assert len(found) <= 3
    assert drivers.summary("energy", found).startswith(
        "Today's energy forecast is lower than usual, mainly because of short sleep")


def test_contributions_add_up_to_the_forecast_less_the_bias(fitted):
    h, X, regressor, _ = fitted
    i = _short_sleep_day(h, X)
    contrib = regressor.predict(X[i:i + 1], pred_contrib=True)[0]
    values = drivers.grouped("energy", NAMES, contrib)
    assert sum(values.values()) + contrib[-1] == pytest.approx(regressor.predict(X[i:i + 1])[0])


def test_mood_blocks_fold_into_mood_steps(fitted):
    h, X, _, classifier = fitted
    i = _short_sleep_day(h, X)
    contrib = classifier.predict(X[i:i + 1], pred_contrib=True)[0]
    assert contrib.size == 5 * (len(NAMES) + 1)
    found = drivers.describe("mood", NAMES, contrib, X[i], h, i, top=2)
    assert found[0].feature == "sleep_hours"
    assert found[0].contribution < 0
    assert "mood step" in found[0].text


def test_a_mood_score_regressor_adds_up_like_energy(fitted):
    h, X, regressor, _ = fitted
    i = _short_sleep_day(h, X)
    contrib = regressor.predict(X[i:i + 1], pred_contrib=True)[0] / 2  # as if a score 0..4
    found = drivers.describe("mood", NAMES, contrib, X[i], h, i)
    assert found[0].feature == "sleep_hours" and found[0].contribution < 0
    assert sum(drivers.grouped("mood", NAMES, contrib).values()) == pytest.approx(contrib[:-1].sum())


def test_groups_from_feature_names():
    assert drivers.group_of("sleep_hours") == "sleep_hours"
    assert drivers.group_of("sleep_hours_mean_7") == "sleep_hours:recent"
    assert drivers.group_of("stress_lag1") == "stress:recent"
    assert drivers.group_of("energy_mean_14") == "energy:recent"
    assert drivers.group_of("mood_last_age") == "mood:recent"
    assert drivers.group_of("event_exam") == "event:exam"
    assert drivers.group_of("days_since_illness") == "event:illness"
    assert drivers.group_of("event_new_job") == "event:new_job"
    assert drivers.group_of("habits_done_share") == "habits"
    assert drivers.group_of("is_weekend") == "weekday"
    assert drivers.group_of("sleep_hours_yesterday") == "sleep_hours:recent"
    assert drivers.group_of("sleep_hours_vs_usual") == "sleep_hours"
    assert drivers.group_of("mood_days_logged") == "mood:recent"
    assert drivers.group_of("days_since_joined") == "time"
    assert drivers.group_of("habit_done_yesterday") == "momentum"
    assert drivers.group_of("habit_rate_same_weekday") == "weekday"
    assert drivers.group_of("other_habits_done_yesterday") == "habits"
    assert drivers.group_of("days_since_signup") == "time"
    assert drivers.group_of("something_else") == "something_else"


def test_grouped_contributions_are_summed_and_small_ones_dropped():
    h = history(30, seed=1, missing=0.0)
    h.inputs["stress"][20] = 9.0
    names = ["stress", "stress_mean_7", "weekday", "sleep_hours"]
    contrib = [-0.5, -0.25, 0.01, 0.3, 5.0]
    found = drivers.describe("energy", names, contrib, None, h, 20)
    assert [d.feature for d in found] == ["stress", "sleep_hours", "stress:recent"]
    assert found[0].label == "high stress (9 of 10)"
    assert found[1].contribution == 0.3
    text = drivers.summary("energy", found)
    assert "lower than usual, mainly because of high stress (9 of 10) and" in text
    assert "pulls the other way" in text


def test_unlogged_input_and_events_and_habits_read_the_day():
    h = history(30, seed=2, missing=0.0, events=[drivers_event("exam", 10, 12)])
    h.inputs["sleep_hours"][11] = np.nan
    names = ["sleep_hours", "event_exam", "habits_done"]
    found = drivers.describe("mood", names, _mood_push(), None, h, 11)
    labels = {d.feature: d.label for d in found}
    assert labels.get("sleep_hours") == "no sleep logged"
    assert labels.get("event:exam") == "an exam"
    assert labels.get("habits", "").startswith("habits done (")


def _mood_push():
    """Contributions pushing every feature towards the top class."""
    blocks = np.zeros((5, 4))
    blocks[4, :3] = [0.8, 0.6, 0.4]
    return blocks.ravel()


def drivers_event(kind, first, last):
    return Event(kind, START + dt.timedelta(days=first), START + dt.timedelta(days=last))


def test_completion_contributions_are_in_probability_points():
    h = history(30, seed=2, missing=0.0)
    found = drivers.describe("completion", ["habit_strength", "weekday"], [1.0, -0.2, 0.0], None, h, 10)
    assert found[0].feature == "momentum"
    assert found[0].text.endswith("points")
    assert 0 < found[0].contribution <= 0.25


def test_nothing_stands_out():
    assert drivers.summary("energy", []) == "Today's energy forecast is close to your usual; nothing stands out."
    as_dicts = [{"label": "long sleep (9 h)", "contribution": 0.4}]
    assert drivers.summary("mood", as_dicts) == (
        "Today's mood forecast is brighter than usual, mainly because of long sleep (9 h).")


def test_an_event_not_on_the_day_reads_as_time_since():
    h = history(30, seed=2, missing=0.0, events=[drivers_event("travel", 3, 5), drivers_event("new_job", 1, 1)])
    found = drivers.describe("energy", ["days_since_travel", "days_since_new_job"], [0.4, -0.2, 5.0], None, h, 20)
    assert [d.label for d in found] == ["time since your last trip", "time since your last new job"]
