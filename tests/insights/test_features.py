"""Features: no look-ahead (a property test: changing anything on or after day D + 1, or
day D's labels, leaves day D's rows as they were), missing values kept missing, the windows'
arithmetic, the datasets' rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habitstory.insights import features, synth
from habitstory.insights.history import EVENT_TYPES, INPUTS, Event

DAYS = 45


def _scramble_after(h, day: int, rng: np.random.Generator, *, outcomes_of_day: bool):
    """A copy with everything after `day` changed (inputs, labels, habits, new and longer
    events), and day's own mood and energy; with `outcomes_of_day`, day's habit outcomes
    too (the completion rows' labels; mood may see them)."""
    later = slice(day + 1, None)
    inputs = {name: values.copy() for name, values in h.inputs.items()}
    for values in inputs.values():
        values[later] = np.where(rng.random(h.days - day - 1) < 0.3, np.nan, rng.uniform(0, 12, h.days - day - 1))
    mood, energy = h.mood.copy(), h.energy.copy()
    mood[day:] = rng.choice([np.nan, 0, 1, 2, 3, 4], h.days - day)
    energy[day:] = rng.choice([np.nan, 0.0, 3.5, 9.0], h.days - day)
    habits = []
    for habit in h.habits:
        done, expected, skipped, strength = (a.copy() for a in (habit.done, habit.expected, habit.skipped, habit.strength))
        first = day if outcomes_of_day else day + 1
        done[first:] = rng.random(h.days - first) < 0.5
        skipped[first:] = False
        expected[later] = rng.random(h.days - day - 1) < 0.5
        strength[day:] = rng.random(h.days - day)
        habits.append(replace(habit, done=done, expected=expected, skipped=skipped, strength=strength))
    first_later = h.date(day + 1)
    events = [replace(e, end=e.end + dt.timedelta(days=3)) if e.end >= h.date(day) else e for e in h.events]
    events += [Event(str(rng.choice(EVENT_TYPES)), first_later + dt.timedelta(days=int(k)),
                     first_later + dt.timedelta(days=int(k) + 2)) for k in rng.integers(0, max(1, h.days - day - 1), 3)]
    return replace(h, inputs=inputs, mood=mood, energy=energy, habits=habits, events=events)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), day=st.integers(0, DAYS - 2), change=st.integers(0, 10_000))
def test_day_d_rows_ignore_everything_after_d_and_d_labels(seed, day, change):
    h = synth.generate(1, DAYS, seed)[0].history
    changed = _scramble_after(h, day, np.random.default_rng(change), outcomes_of_day=False)
    before, names = features.mood_energy_rows(h, [day])
    after, _ = features.mood_energy_rows(changed, [day])
    np.testing.assert_array_equal(before, after, err_msg=str(names))
    changed = _scramble_after(h, day, np.random.default_rng(change), outcomes_of_day=True)
    X, _, keys = features.completion_rows(h, [day])
    X2, _, keys2 = features.completion_rows(changed, [day])
    assert keys == keys2
    np.testing.assert_array_equal(X, X2)


def test_windows_are_nan_aware_and_strictly_before():
    values = np.array([1.0, np.nan, 3.0, 5.0, np.nan])
    mean, std = features.window_mean_std(values, 3)
    np.testing.assert_array_equal(mean, [np.nan, 1.0, 1.0, 2.0, 4.0])
    assert np.isnan(std[1]) and std[3] == pytest.approx(np.std([1.0, 3.0], ddof=1))
    last, age = features.last_known(values)
    np.testing.assert_array_equal(last, [np.nan, 1.0, 1.0, 3.0, 5.0])
    np.testing.assert_array_equal(age, [np.nan, 1.0, 2.0, 1.0, 1.0])
    usual, count = features.usual(values)
    np.testing.assert_array_equal(count, [0, 1, 1, 2, 3])
    assert usual[4] == pytest.approx(3.0)
    slope = features.trend(np.arange(20, dtype=float) * 2)
    assert slope[5] == pytest.approx(2.0) and np.isnan(slope[2])


def test_missing_inputs_stay_missing():
    h = synth.generate(1, 30, 4)[0].history
    h.inputs["sleep_hours"][10] = np.nan
    X, names = features.mood_energy_rows(h)
    assert np.isnan(X[10, names.index("sleep_hours")])
    assert X.shape == (30, len(names)) and X.dtype == np.float64


def test_mood_rows_name_every_kind_of_column():
    X, names = features.mood_energy_rows(synth.generate(1, 20, 1)[0].history)
    for name in ("weekday", "weekend", "days_since_joined", *INPUTS, "sleep_hours_mean_7d", "stress_std_14d",
                 "mood_mean_3d", "energy_trend_14d", "sleep_hours_trend_14d", "event_illness", "days_since_exam",
                 "habits_done", "habits_done_share", "mood_yesterday", "mood_last", "mood_last_age"):
        assert name in names
    assert len(set(names)) == len(names)
    assert features.CORE <= set(names) | set(features.completion_rows(synth.generate(1, 20, 1)[0].history)[1])


def test_completion_rows_are_the_expected_habit_days():
    h = synth.generate(1, 40, 2)[0].history
    X, names, keys = features.completion_rows(h)
    assert len(keys) == sum(int(habit.expected.sum()) for habit in h.habits) == len(X)
    assert "habit_strength" in names and "habit_streak" in names


def test_a_habits_own_fit_learns_from_its_earlier_expected_days():
    h = synth.generate(1, 90, 4)[0].history
    sleep = h.inputs["sleep_hours"]
    habit = h.habits[0]
    habit.done[:] = habit.expected & (np.nan_to_num(sleep) >= np.nanmedian(sleep))  # done after a good night
    habit.skipped[:] = False
    X, names, keys = features.completion_rows(h)
    rows = [n for n, (k, i) in enumerate(keys) if k == habit.habit_id and i >= 40 and not np.isnan(sleep[i])]
    fitted = X[rows, names.index("habit_personal")]
    assert np.corrcoef(fitted, habit.done[[keys[n][1] for n in rows]])[0, 1] > 0.5


def test_dataset_keeps_labelled_days_and_adds_masked_copies():
    histories = [s.history for s in synth.generate(3, 90, 5)]
    ds = features.dataset(histories, "mood")
    plain = ~ds.masked
    assert plain.sum() == sum(len(h.labelled("mood")) for h in histories)
    assert ds.masked.any() and not np.isnan(ds.y).any()
    assert set(ds.habit) == {-1} and set(ds.user) == {h.user_id for h in histories}
    everything = features.dataset(histories, "energy", labelled_only=False)
    assert len(everything) == 270 and not everything.masked.any()
    completion = features.dataset(histories, "completion")
    assert set(np.unique(completion.y)) == {0.0, 1.0} and (completion.habit > 0).all()


def test_masked_copies_hide_labels_before_their_day():
    h = synth.generate(1, 120, 6)[0].history
    copy, hidden = features.masked_copy(h)
    assert 0.2 < hidden.mean() < 0.7
    assert np.isnan(copy.mood[hidden]).all() and np.array_equal(copy.mood[~hidden], h.mood[~hidden], equal_nan=True)


def test_an_empty_dataset_still_names_its_columns():
    ds = features.dataset([], "completion")
    assert len(ds) == 0 and "habit_strength" in ds.names
    with pytest.raises(ValueError):
        features.dataset([], "sleep")


def test_the_personal_fit_learns_the_users_own_relation_from_earlier_days():
    h = synth.generate(1, 80, 8)[0].history
    sleep = np.nan_to_num(h.inputs["sleep_hours"], nan=7.0)
    for values in h.inputs.values():
        values[np.isnan(values)] = 1.0
    h.inputs["sleep_hours"][:] = sleep
    energy = 1.0 + 0.8 * sleep
    fitted = features.personal_fit(h, energy)
    assert np.isnan(fitted[: features.PERSONAL_MIN_DAYS]).all()
    assert np.abs(fitted[40:] - energy[40:]).max() < 0.3
    later = energy.copy()
    later[50:] = 0.0  # labels on and after day 50 change nothing before it
    assert np.array_equal(features.personal_fit(h, later)[:51], fitted[:51], equal_nan=True)


def test_with_today_takes_the_day_and_the_ones_before():
    np.testing.assert_array_equal(features.with_today(np.array([1.0, 2.0, 3.0, np.nan, 5.0]), 3),
                                  [1.0, 1.5, 2.0, 2.5, 4.0])
