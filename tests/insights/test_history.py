"""history.load reads back what synth_db wrote (check-ins, events, habits, occurrences,
Loop's strength), in the same number of queries however many days."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from habits.models import Occurrence
from habitstory.insights import features, history, services
from habitstory.insights.history import INPUTS
from habitstory.insights.synth_db import create_users

pytestmark = pytest.mark.django_db
END = dt.date(2026, 6, 30)


@pytest.fixture(autouse=True)
def now(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 30, 18, tzinfo=dt.UTC), tick=False)


def test_load_gives_back_what_was_written():
    (user, synthetic), = create_users(1, 50, 3, prefix="load", end=END)
    h, s = history.load(user), synthetic.history
    assert (h.start, h.days, h.joined) == (s.start, 50, s.start)
    assert np.array_equal(h.mood, s.mood, equal_nan=True)
    assert np.array_equal(h.energy, s.energy, equal_nan=True)
    for name in INPUTS:
        assert np.allclose(h.inputs[name], s.inputs[name], equal_nan=True)
    assert sorted(h.events, key=repr) == sorted(s.events, key=repr)
    assert [d.name for d in h.habits] == [d.name for d in s.habits]
    for loaded, made in zip(h.habits, s.habits):
        assert np.array_equal(loaded.expected, made.expected)
        assert np.array_equal(loaded.done, made.done) and np.array_equal(loaded.skipped, made.skipped)
        # today (the last day) is still open: its strength is not folded in yet
        assert np.allclose(loaded.strength[:-1], made.strength[:-1], equal_nan=True)
        assert loaded.closed[:-1][loaded.expected[:-1]].all()


def test_load_takes_a_span_and_the_same_queries_for_any_length():
    (short, _), (long_, _) = create_users(2, 20, 4, prefix="span", end=END)
    services.save_checkin(long_, dt.date(2026, 1, 5), {"mood": "positive", "sleep_hours": "7.5"})
    with CaptureQueriesContext(connection) as few:
        history.load(short)
    with CaptureQueriesContext(connection) as many:
        loaded = history.load(long_)
    assert len(few) == len(many) <= 6
    assert loaded.start == dt.date(2026, 1, 5) and loaded.mood[0] == 3 and loaded.inputs["sleep_hours"][0] == 7.5
    window = history.load(long_, start=dt.date(2026, 6, 21), end=dt.date(2026, 6, 25))
    assert window.days == 5 and window.date(4) == dt.date(2026, 6, 25)


def test_a_user_with_nothing_logged_has_one_empty_day(make_user):
    user = make_user("empty@example.com")
    h = history.load(user)
    assert h.days >= 1 and np.isnan(h.mood).all() and h.habits == [] and h.events == []


def test_days_after_a_habits_last_record_are_unknown_not_undone():
    (user, _), = create_users(1, 40, 5, prefix="gap", end=END)
    Occurrence.objects.filter(habit__user=user, on__gt=END - dt.timedelta(days=10)).delete()
    h = history.load(user)
    for habit in h.habits:
        assert not habit.closed[-10:].any() and not habit.done[-10:].any()
        last = np.flatnonzero(habit.expected[:-10])[-1]
        assert habit.closed[last]
    X, names = features.mood_energy_rows(h)
    share = X[:, names.index("habits_done_share")]
    assert np.isnan(share[-10:]).all() and not np.isnan(share[-20:-12]).all()
    assert len(features.dataset([h], "completion").y) == sum(int(d.closed.sum()) for d in h.habits)
