"""The synthetic generator: deterministic, the effects it claims, check-in gaps, and noise
that leaves an oracle knowing the true function well short of perfect."""

from __future__ import annotations

import datetime as dt

import numpy as np

from habitstory.insights import synth
from habitstory.insights.history import INPUTS
from habitstory.insights.training import mood_probabilities


def test_the_same_seed_gives_the_same_users():
    a, b = synth.generate(2, 60, 9), synth.generate(2, 60, 9)
    for x, y in zip(a, b):
        assert x.traits == y.traits
        assert np.array_equal(x.history.mood, y.history.mood, equal_nan=True)
    assert not np.array_equal(a[0].history.mood, synth.generate(2, 60, 10)[0].history.mood, equal_nan=True)


def test_users_have_the_days_asked_for_ending_on_end():
    users = synth.generate(3, 50, 1, end=dt.date(2026, 3, 1), first_user_id=100)
    assert [u.history.user_id for u in users] == [100, 101, 102]
    for user in users:
        h = user.history
        assert h.days == 50 and h.date(49) == dt.date(2026, 3, 1)
        assert set(h.inputs) == set(INPUTS) and 3 <= len(h.habits) <= 5
        for habit in h.habits:
            assert not (habit.done & ~habit.expected).any()
            assert np.isnan(user.truth["completion"][habit.habit_id][~habit.expected]).all()


def test_check_ins_are_missing_on_some_days_and_labels_are_in_range():
    users = synth.generate(20, 120, 2)
    missing = np.array([np.isnan(u.history.mood).mean() for u in users])
    assert 0.08 < missing.mean() < 0.25 and missing.max() > 0.15
    moods = np.concatenate([u.history.mood for u in users])
    moods = moods[~np.isnan(moods)]
    assert set(np.unique(moods)) == {0, 1, 2, 3, 4}
    assert np.bincount(moods.astype(int)).min() / len(moods) > 0.05  # every class is seen
    energy = np.concatenate([u.history.energy for u in users])
    energy = energy[~np.isnan(energy)]
    assert energy.min() >= 0 and energy.max() <= 10 and np.all(energy * 2 == np.round(energy * 2))


def test_mood_and_energy_follow_sleep_and_illness():
    users = synth.generate(30, 150, 3)
    short, long_ = [], []
    ill, well = [], []
    for user in users:
        h = user.history
        sleep = h.inputs["sleep_hours"]
        short += list(user.truth["energy"][sleep < 6.5])
        long_ += list(user.truth["energy"][sleep >= 7.5])
        sick = np.zeros(h.days, bool)
        for event in h.events:
            if event.type == "illness":
                sick[h.index(event.start): h.index(event.end) + 1] = True
        ill += list(user.truth["mood"][sick])
        well += list(user.truth["mood"][~sick])
    assert np.mean(long_) - np.mean(short) > 0.8
    assert np.mean(well) - np.mean(ill) > 0.5


def test_the_oracle_is_well_short_of_perfect():
    users = synth.generate(20, 120, 4)
    right, total = 0, 0
    for user in users:
        labelled = user.history.labelled("mood")
        guess = np.argmax(mood_probabilities(user.truth["mood"][labelled], user.truth["mood_sigma"]), axis=1)
        right += int((guess == user.history.mood[labelled]).sum())
        total += len(labelled)
    assert 0.75 < right / total < 0.93
