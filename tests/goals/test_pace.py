"""goals.pace: the rules in its docstring, one row each."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from goals.pace import STATUS_LABELS, pace, planned_value, rate_text

D = dt.date
START, DEADLINE = D(2026, 11, 1), D(2026, 11, 30)  # 30 days, inclusive
TARGET = Decimal(300)  # the plan: 10 a day, 100 by 10 Nov


@pytest.mark.parametrize(
    ("today", "current", "deadline", "status"),
    [
        # within ±10% of the plan (100 on 10 Nov) is on track; the edges are included
        (D(2026, 11, 10), "100", DEADLINE, "on_track"),
        (D(2026, 11, 10), "110", DEADLINE, "on_track"),
        (D(2026, 11, 10), "90", DEADLINE, "on_track"),
        (D(2026, 11, 10), "110.01", DEADLINE, "ahead"),
        (D(2026, 11, 10), "89.99", DEADLINE, "behind"),
        (D(2026, 11, 10), "0", DEADLINE, "behind"),
        (D(2026, 11, 10), "-5", DEADLINE, "behind"),
        # the first day's plan is one day's share
        (START, "10", DEADLINE, "on_track"),
        (START, "0", DEADLINE, "behind"),
        # the deadline day's plan is the target itself
        (DEADLINE, "270", DEADLINE, "on_track"),
        (DEADLINE, "269", DEADLINE, "behind"),
        # before the start the plan is 0
        (D(2026, 10, 25), "0", DEADLINE, "on_track"),
        (D(2026, 10, 25), "1", DEADLINE, "ahead"),
        # past the deadline and not complete
        (D(2026, 12, 1), "299.99", DEADLINE, "overdue"),
        # complete wins over everything, even late
        (D(2026, 11, 10), "300", DEADLINE, "completed"),
        (D(2027, 1, 1), "450", DEADLINE, "completed"),
        (D(2026, 11, 10), "300", None, "completed"),
        # no deadline, no plan
        (D(2026, 11, 10), "0", None, "no_deadline"),
        (D(2026, 11, 10), "299", None, "no_deadline"),
        # a one-day goal
        (D(2026, 11, 1), "0", START, "behind"),
    ],
)
def test_status(today, current, deadline, status):
    assert pace(START, today, Decimal(current), TARGET, deadline).status == status


@pytest.mark.parametrize(
    ("start", "today", "elapsed"),
    [
        (D(2026, 11, 10), D(2026, 11, 10), 1),  # started today: 1 day, never 0
        (D(2026, 11, 9), D(2026, 11, 10), 2),
        (D(2026, 11, 1), D(2026, 11, 10), 10),
        (D(2026, 11, 20), D(2026, 11, 10), 1),  # a start still to come counts as 1
    ],
)
def test_days_elapsed_count_the_start_and_today(start, today, elapsed):
    assert pace(start, today, Decimal(0), TARGET).days_elapsed == elapsed


@pytest.mark.parametrize(
    ("today", "current", "target", "rate", "finish"),
    [
        # 50 in 10 days = 5 a day; 250 to go = 50 more days
        (D(2026, 11, 10), "50", "300", Decimal(5), D(2026, 12, 30)),
        # 10 in 3 days; 90 to go at 10/3 a day is exactly 27 days (no rounding drift)
        (D(2026, 11, 3), "10", "100", Decimal(10) / 3, D(2026, 11, 30)),
        # 30 in 7 days; 70 to go = 16⅓ days, so the 17th day
        (D(2026, 11, 7), "30", "100", Decimal(30) / 7, D(2026, 11, 24)),
        # no progress, or less than none: no date
        (D(2026, 11, 10), "0", "100", Decimal(0), None),
        (D(2026, 11, 10), "-4", "100", Decimal("-0.4"), None),
        # complete: no date to expect
        (D(2026, 11, 10), "100", "100", Decimal(10), None),
        # more than 100 years away: no date
        (D(2026, 11, 10), "0.01", "1000000", Decimal("0.001"), None),
    ],
)
def test_rate_and_expected_finish(today, current, target, rate, finish):
    result = pace(START, today, Decimal(current), Decimal(target), None)
    assert result.rate == rate
    assert result.expected_finish == finish


def test_planned_value_and_days_left():
    result = pace(START, D(2026, 11, 10), Decimal(95), TARGET, DEADLINE)
    assert result.planned == Decimal(100)
    assert result.days_left == 21  # 10 Nov to 30 Nov, today included
    assert pace(START, D(2026, 11, 10), Decimal(95), TARGET, None).planned is None
    assert pace(START, D(2026, 11, 10), Decimal(95), TARGET, None).days_left is None
    assert planned_value(START, D(2026, 10, 1), TARGET, DEADLINE) == 0
    assert planned_value(START, D(2027, 1, 1), TARGET, DEADLINE) == TARGET


def test_it_takes_plain_numbers_too():
    assert pace(START, D(2026, 11, 10), 100, 300, DEADLINE).status == "on_track"


def test_labels_are_the_words_the_pages_show():
    assert {key: pace_label for key, pace_label in STATUS_LABELS.items()} == {
        "completed": "completed",
        "no_deadline": "no deadline",
        "overdue": "overdue",
        "ahead": "ahead",
        "on_track": "on track",
        "behind": "behind",
    }
    assert pace(START, D(2026, 11, 10), Decimal(0), TARGET, None).label == "no deadline"


@pytest.mark.parametrize(
    ("rate", "text"),
    [
        (Decimal(5), "5"),
        (Decimal(10) / 3, "3.33"),
        (Decimal("2.50"), "2.5"),
        (Decimal("0.004"), "0.004"),
        (Decimal(0), "0"),
        (Decimal("-0.4"), "-0.4"),
    ],
)
def test_rate_text(rate, text):
    assert rate_text(rate) == text
