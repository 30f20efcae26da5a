"""habits/fold.py carries the statistics forward a day at a time from a saved state; the
result must be exactly habits.stats.compute_stats on the whole history, whatever the day
the state was saved on (hypothesis, on the same random schedules and histories as
test_stats_properties, without pauses: habits with pauses are not folded)."""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from habits import fold, recompute
from habits.models import STAT_FIELDS, Habit, Occurrence
from habits.stats import (
    DONE,
    DONE_CODE,
    OPEN_STATUSES,
    STATUS_CODES,
    closed_code,
    closes_done,
    Measure,
    Schedule,
    compute_stats,
)
from habits.today_list import habit_week

from .conftest import TODAY
from .test_stats_properties import BASE, scenarios, two_random_years

FAST = settings(max_examples=300, deadline=None)


def _coded(entries):
    codes = {e.on.toordinal(): STATUS_CODES[e.status] for e in entries}
    values = {e.on.toordinal(): e.value for e in entries if e.value is not None}
    return codes, values


@FAST
@given(scenarios(with_pauses=False))
def test_folding_from_the_start_gives_compute_stats(scenario):
    schedule, entries, today, measure = scenario
    codes, values = _coded(entries)
    result, state = fold.compute(schedule, measure, codes, values, today)
    assert result == compute_stats(schedule, entries, today, measure)
    assert state.through == max(today.toordinal() - 1, schedule.start_date.toordinal() - 1)


@FAST
@given(scenarios(with_pauses=False), st.integers(0, 120))
def test_resuming_a_saved_state_gives_compute_stats(scenario, back):
    """Fold through some earlier day, store and load the state, then fold only the days
    after it: the statistics are those of the whole history."""
    schedule, entries, today, measure = scenario
    codes, values = _coded(entries)
    first = schedule.start_date.toordinal() - 1
    saved_on = max(first, today.toordinal() - 1 - back)
    state = fold.advance(fold.start(schedule), schedule, measure, codes, values, saved_on)
    # As the database gives it back: jsonb, with its own spacing.
    stored = json.loads(json.dumps(json.loads(state.dump(schedule, measure)), indent=1))
    loaded = fold.Fold.load(stored, schedule, measure)
    later = {d: c for d, c in codes.items() if d > saved_on}
    later_values = {d: v for d, v in values.items() if d > saved_on}
    result, _ = fold.compute(schedule, measure, later, later_values, today, loaded)
    assert result == compute_stats(schedule, entries, today, measure)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 2**32))
def test_two_years_a_day_at_a_time(seed):
    """Saved and loaded every day for two years, as the day close does: never a drift."""
    rnd = random.Random(seed)
    schedule, measure, entries = two_random_years(rnd, ("at_least", "at_most"))
    codes, values = _coded(entries)
    state = None
    for day in range(0, 730, rnd.choice([1, 1, 3])):
        today = BASE + dt.timedelta(days=day)
        result, new = fold.compute(schedule, measure, codes, values, today, state)
        if day % 61 == 0 or day > 700:
            assert result == compute_stats(schedule, [e for e in entries if e.on <= today], today, measure)
        state = fold.Fold.load(new.dump(schedule, measure), schedule, measure)


@FAST
@given(scenarios(with_pauses=False, measurable=True, measure_kinds=("at_most",)), st.integers(0, 120))
def test_at_most_habits_fold_as_the_reference(scenario, back):
    """An "at most" habit's past open days are done when within the limit: folded from
    the start, and resumed from a state saved on any earlier day, as compute_stats."""
    schedule, entries, today, measure = scenario
    codes, values = _coded(entries)
    expected = compute_stats(schedule, entries, today, measure)
    assert fold.compute(schedule, measure, codes, values, today)[0] == expected
    saved_on = max(schedule.start_date.toordinal() - 1, today.toordinal() - 1 - back)
    state = fold.advance(fold.start(schedule), schedule, measure, codes, values, saved_on)
    loaded = fold.Fold.load(state.dump(schedule, measure), schedule, measure)
    later = {d: c for d, c in codes.items() if d > saved_on}
    assert fold.compute(schedule, measure, later, values, today, loaded)[0] == expected


def test_a_version_2_state_still_loads_unless_the_habit_is_at_most():
    """Version 3 reads an "at most" habit's past open days as done; for every other habit
    a version 2 state means the same, so the upgrade recomputes only "at most" habits."""
    schedule = Schedule("daily", BASE)
    for measure in (None, Measure("at_least", Decimal(8)), Measure("at_most", Decimal(2))):
        state = fold.advance(fold.start(schedule), schedule, measure, {}, {}, BASE.toordinal() + 5)
        old = state.dump(schedule, measure).replace(f"[{fold.VERSION},", "[2,", 1)
        loaded = fold.Fold.load(old, schedule, measure)
        assert (loaded is None) == (measure is not None and measure.kind == "at_most")
    assert fold.VERSION == 3


def test_a_state_for_another_schedule_or_version_is_not_loaded():
    schedule = Schedule("daily", BASE)
    state = fold.start(schedule).dump(schedule, None)
    assert fold.Fold.load(state, schedule, None) is not None
    assert fold.Fold.load(state, Schedule("daily", BASE + dt.timedelta(days=1)), None) is None
    assert fold.Fold.load(state, schedule, Measure("at_least", Decimal(8))) is None
    assert fold.Fold.load(state, Schedule("every_n_days", BASE, every_n_days=2), None) is None
    assert fold.Fold.load(state, Schedule("daily", BASE, week_start=6), None) is None
    assert fold.Fold.load(state.replace(f"[{fold.VERSION},", f"[{fold.VERSION + 1},", 1), schedule, None) is None
    assert fold.Fold.load(state.replace(f"[{fold.VERSION},", "[1,", 1), schedule, None) is None  # the first format
    assert fold.Fold.load("[]", schedule, None) is None


def test_finishing_needs_the_fold_through_yesterday():
    schedule = Schedule("daily", BASE)
    state = fold.advance(fold.start(schedule), schedule, None, {}, {}, BASE.toordinal() + 3)
    with pytest.raises(ValueError, match="not the day before"):
        fold.finish(state, schedule, None, BASE.toordinal() + 3, 1, None)
    with pytest.raises(ValueError, match="unknown status code"):
        fold.advance(fold.start(schedule), schedule, None, {BASE.toordinal(): 7}, {}, BASE.toordinal() + 1)


def test_pauses_are_not_folded():
    assert fold.foldable(Schedule("daily", BASE))
    assert not fold.foldable(Schedule("daily", BASE, pauses=((BASE, None),)))


@FAST
@given(scenarios(kinds=("daily", "weekdays", "every_n_days"), with_pauses=False))
def test_the_week_read_off_the_fold_is_the_pets_rule(scenario):
    """The day close reads a habit's last 7 days off its fold (Recomputed.week_counts):
    the same (expected, done) as habits.today_list.habit_week on the dates."""
    schedule, entries, today, measure = scenario
    codes, values = _coded(entries)
    _, state = fold.compute(schedule, measure, codes, values, today)
    days = [e.on.toordinal() << 3 | STATUS_CODES[e.status] for e in entries]
    habit = recompute.Recomputed(1, 1, "Habit", "active", schedule, days, (), (), state)
    week = {today - dt.timedelta(days=n) for n in range(7)}
    done = {e.on for e in entries if e.status == DONE and e.on in week}
    if closes_done(measure):  # an "at most" habit's past open days are done (what the close writes)
        by_day = {e.on: e for e in entries}
        done |= {
            d for d in week
            if d < today and schedule.is_expected(d)
            and closed_code(measure, getattr(by_day.get(d), "value", None)) == DONE_CODE
            and (d not in by_day or by_day[d].status in OPEN_STATUSES)
        }
    if today.toordinal() - 1 < schedule.start_date.toordinal() - 1:
        assert habit.week_counts(today) is None  # not folded through yesterday
        return
    assert habit.week_counts(today) == habit_week(habit, today, done)
    # Days before the start are not in the fold (no rule counts them).
    assert habit.done_between(today - dt.timedelta(days=6), today) == sorted(
        d for d in done if d >= schedule.start_date
    )


def test_the_stored_form_names_every_field_of_the_fold():
    """Fold.dump writes the fields in _Stored's order, and Fold.load reads them back by name."""
    schedule, measure = Schedule("weekdays", BASE, weekdays=(0, 2)), Measure("at_least", Decimal(8))
    folded = fold.start(schedule)
    folded.through, folded.strength, folded.credits, folded.credit_sum = 1000, 0.25, [Fraction(1, 3), 1], Fraction(4, 3)
    folded.done, folded.skipped, folded.last_done, folded.run, folded.longest = 2, 3, 4, 5, 6
    folded.long_break, folded.misses, folded.days, folded.expected_days = 7, 8, "0123odsm" + "x" * 22, "0123"
    folded.week_eligible, folded.week_done = 9, 10
    assert set(fold._Stored._fields) == {"version", "key", *fold.Fold.__slots__}

    stored = fold._Stored._make(json.loads(folded.dump(schedule, measure)))

    assert stored._asdict() == {
        "version": fold.VERSION, "key": fold.key(schedule, measure), "through": 1000, "strength": 0.25,
        "credits": ["1/3", 1], "credit_sum": "4/3", "done": 2, "skipped": 3, "last_done": 4, "run": 5,
        "longest": 6, "long_break": 7, "misses": 8, "days": "0123odsm" + "x" * 22, "expected_days": "0123",
        "week_eligible": 9, "week_done": 10,
    }
    loaded = fold.Fold.load(list(stored), schedule, measure)
    assert {name: getattr(loaded, name) for name in fold.Fold.__slots__} == {
        name: getattr(folded, name) for name in fold.Fold.__slots__
    }
    assert fold.stored_through(list(stored), schedule, measure) == 1000
    assert fold.stored_through(list(stored), schedule, None) is None


# States as the first version (1) stored them, for habits started on TODAY - 20: every
# day through yesterday done, which the histories below contradict. (Keys for the owner's
# week starting on Monday and, for the second, a target of 8.50 as the database gives it.)
FIRST_FORMAT = {
    "daily": '[1,["daily",739923,[],null,null,0,null,null],739942,0.6557476372014329,"",0,20,0,739942,20,20,'
             'null,0,"xxxxxxxxxx11111111111111111111","11111111111111111111",0,0]',
    "per_week": '[1,["per_week",739923,[],3,null,0,"at_least","8.50"],739942,0.30434720608119986,'
                '["6/17","6/17","6/17","6/17","6/17","6/17","6/17","6/17","6/17","6/17","6/17","6/17","6/17",'
                '"6/17"],"84/17",20,0,739942,2,2,null,0,"xxxxxxxxxx11111111111111111111","",7,7]',
}


def _habit_with_a_first_format_state(make_habit, kind: str):
    fields = {"schedule": kind}
    if kind == "per_week":
        fields.update(times_per_week=3, kind="at_least", target_value=Decimal("8.5"), unit="glasses")
    habit = make_habit(kind, start_date=TODAY - dt.timedelta(days=20), **fields)
    statuses = ["done", "missed", "skipped", "done", None, "done"]
    for back in range(1, 21):
        status = statuses[back % len(statuses)]
        if status:
            value = Decimal(back) / 2 if kind == "per_week" and status == "done" else None
            Occurrence.objects.create(habit=habit, on=TODAY - dt.timedelta(days=back), status=status, value=value)
    Habit.objects.filter(pk=habit.pk).update(stats_state=FIRST_FORMAT[kind], stats_through=TODAY - dt.timedelta(days=1))
    habit.refresh_from_db()
    spec, measure = habit.schedule_spec(habit.user.profile.week_start), habit.measure
    # Only its version keeps it from loading: the same list as this version's is a fold.
    assert fold.Fold.load(FIRST_FORMAT[kind], spec, measure) is None
    assert fold.Fold.load(FIRST_FORMAT[kind].replace("[1,", f"[{fold.VERSION},", 1), spec, measure) is not None
    return habit, spec, measure


def _expected_stats(habit, today):
    return recompute.compute(habit, today, recompute.entries_of(habit.occurrences.values_list("on", "status", "value")))


def _stat_fields(stats_or_habit) -> tuple:
    return tuple(getattr(stats_or_habit, name) for name in STAT_FIELDS)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["daily", "per_week"])
def test_a_tick_over_a_first_format_state_recomputes_from_the_whole_history(make_habit, now, kind):
    habit, spec, measure = _habit_with_a_first_format_state(make_habit, kind)
    tick = Occurrence.objects.create(habit=habit, on=TODAY, status="done", value=Decimal(9))

    result = recompute.refresh_stats(habit, TODAY, changed=tick)

    assert result == _expected_stats(habit, TODAY)
    habit.refresh_from_db()
    assert _stat_fields(habit) == _stat_fields(result)
    assert habit.stats_through == TODAY - dt.timedelta(days=1)
    assert fold.Fold.load(habit.stats_state, spec, measure).through == habit.stats_through.toordinal()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["daily", "per_week"])
def test_the_day_close_recomputes_a_first_format_state_from_the_whole_history(make_habit, now, kind):
    habit, spec, measure = _habit_with_a_first_format_state(make_habit, kind)

    read = recompute.compute_for_close([habit.user_id], TODAY - dt.timedelta(days=1))

    (row,) = read
    assert row.after == _stat_fields(_expected_stats(habit, TODAY)) and row.changed
    assert row.fold.through == TODAY.toordinal() - 1
    assert recompute.write_computed(read) == {habit.pk}
    habit.refresh_from_db()
    assert _stat_fields(habit) == row.after
    assert fold.Fold.load(habit.stats_state, spec, measure).through == TODAY.toordinal() - 1
