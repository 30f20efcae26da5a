"""How a goal is doing against its deadline. Pure: dates and numbers in, a Pace out.

The rules, exactly (tests/goals/test_pace.py checks each one):

- **Days elapsed** counts the start date and today: a goal started today has 1 day
  elapsed, one started yesterday 2. Never less than 1 (a start date still to come
  counts as 1 too), so the rate is always defined.
- **Rate** = current ÷ days elapsed, per day.
- **Expected finish** = today + ⌈(target − current) ÷ rate⌉ days: today's progress is
  already in `current`, so at that rate the next day adds one more rate. None when the
  rate is 0 or less (no progress, or more taken off than put in), when the goal is
  complete, or when the date would be more than 100 years away.
- **Status**, the first rule that applies:
  1. current ≥ target → "completed";
  2. no deadline → "no_deadline";
  3. today after the deadline → "overdue";
  4. otherwise compare current with the **plan**, a straight line from 0 at the start
     to the target on the deadline, counted in the same inclusive days:
     planned = target × days elapsed ÷ days from start to deadline (inclusive),
     with days elapsed taken as 0 before the start. Within ±10% of the planned value
     (|current − planned| ≤ 10% × planned) → "on_track"; above that → "ahead"; below
     → "behind". Before the start the plan is 0: nothing yet is on track, anything
     more is ahead.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

TOLERANCE = Decimal("0.10")
MAX_DAYS_AHEAD = 36_500  # past this, "at this rate" stops meaning anything

STATUS_LABELS = {
    "completed": "completed",
    "no_deadline": "no deadline",
    "overdue": "overdue",
    "ahead": "ahead",
    "on_track": "on track",
    "behind": "behind",
}


@dataclass(frozen=True)
class Pace:
    status: str  # a key of STATUS_LABELS
    days_elapsed: int  # ≥ 1
    rate: Decimal  # per day so far
    expected_finish: dt.date | None
    planned: Decimal | None  # where the plan is today (deadline set, not completed or overdue)
    days_left: int | None  # to the deadline, inclusive of today; None without a deadline

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


def _decimal(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def pace(
    start: dt.date,
    today: dt.date,
    current,
    target,
    deadline: dt.date | None = None,
) -> Pace:
    """Rate, expected finish and status of a goal (see the module docstring)."""
    current, target = _decimal(current), _decimal(target)
    days_elapsed = max(1, (today - start).days + 1)
    rate = current / days_elapsed
    completed = current >= target
    days_left = (deadline - today).days + 1 if deadline else None

    expected_finish = None
    if not completed and rate > 0:
        # Exact: (target − current) ÷ (current ÷ days), without rounding the rate first.
        days = math.ceil(Fraction(target - current) * days_elapsed / Fraction(current))
        if days <= MAX_DAYS_AHEAD:
            expected_finish = today + dt.timedelta(days=days)

    planned = None
    if completed:
        status = "completed"
    elif deadline is None:
        status = "no_deadline"
    elif today > deadline:
        status = "overdue"
    else:
        exact = _plan(start, today, target, deadline)
        planned = Decimal(exact.numerator) / Decimal(exact.denominator)
        status = _compare(Fraction(current), exact)
    return Pace(status, days_elapsed, rate, expected_finish, planned, days_left)


def planned_value(start: dt.date, day: dt.date, target, deadline: dt.date) -> Decimal:
    """The plan's value on `day`: target × elapsed ÷ total, inclusive days, within [0, target]."""
    exact = _plan(start, day, target, deadline)
    return Decimal(exact.numerator) / Decimal(exact.denominator)


def _plan(start: dt.date, day: dt.date, target, deadline: dt.date) -> Fraction:
    total = max(1, (deadline - start).days + 1)
    elapsed = min(total, max(0, (day - start).days + 1))
    return Fraction(_decimal(target)) * elapsed / total


def _compare(current: Fraction, planned: Fraction) -> str:
    """Exact, so that the ±10% boundary is where the docstring says."""
    margin = planned * Fraction(TOLERANCE)
    if current > planned + margin:
        return "ahead"
    if current < planned - margin:
        return "behind"
    return "on_track"


def rate_text(rate: Decimal) -> str:
    """1.333… → "1.33", 2 → "2", 0.004 → "0.004" (small rates keep one significant digit)."""
    if rate == 0:
        return "0"
    places = max(2, -math.floor(math.log10(abs(float(rate)))))
    text = f"{rate:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
