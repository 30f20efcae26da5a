"""The API's shapes for goals (see schemas.py for how input schemas state the rules)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field

from goals import pace
from goals.models import Goal, GoalEntry

from .envelope import Out
from .fields import Day, Label, Name, Text, amount
from .schemas import START_DATE, Input, Target

GoalName = Name(Goal, "name")
GoalDescription = Text(Goal, "description")
GoalUnit = Label(Goal, "unit")
EntryNote = Text(GoalEntry, "note")
GoalTarget = amount(
    above=Decimal("0.005"), most=Decimal("9999999999.99"), description="More than 0, up to 9,999,999,999.99.",
    too_small="The target must be more than 0.", too_large="Enter a target up to 9,999,999,999.99.",
)
Weight = amount(
    above=Decimal("0.005"), most=Decimal("9999999.99"), description="More than 0, up to 9,999,999.99.",
    too_small="The weight must be more than 0.", too_large="Enter a weight up to 9,999,999.99.",
)
EntryAmount = amount(
    above=Decimal("0.005"), most=Decimal("9999999999.99"), signed=True,
    description="Not 0 (to the cent), up to ±9,999,999,999.99; negative to take progress back.",
    too_small="Enter a number other than 0 (up to 9,999,999,999.99).",
    too_large="Enter a number other than 0 (up to 9,999,999,999.99).",
)


# --- goals ----------------------------------------------------------------------------------

# Model field → API field, for errors from Goal.full_clean.
GOAL_FIELDS = {"target_value": "target.value", "unit": "target.unit"}


class GoalHabitOut(Out):
    habit_id: int
    weight: Decimal


class GoalPace(Out):
    status: Literal["completed", "no_deadline", "overdue", "ahead", "on_track", "behind"] = Field(
        description="ahead / on_track / behind: within ±10% of a straight line from 0 on the start date to the "
        "target on the deadline."
    )
    days_elapsed: int = Field(description="From the start date to today, both counted; at least 1.")
    rate: Decimal = Field(description="Progress per day so far.")
    expected_finish: dt.date | None = Field(description="When the target is reached at this rate; null if never.")
    planned: Decimal | None = Field(description="Where the plan is today (with a deadline, while open and not overdue).")
    days_left: int | None = Field(description="To the deadline, today included; null without a deadline.")


class GoalOut(Out):
    id: int
    name: str
    description: str
    target: Target
    start_date: dt.date
    deadline: dt.date | None
    current_value: Decimal
    completed_at: dt.datetime | None
    habits: list[GoalHabitOut] = Field(description="Linked habits: each done day adds weight × value (1 for yes/no).")
    pace: GoalPace
    created_at: dt.datetime


class GoalTargetIn(Input):
    value: GoalTarget
    unit: GoalUnit = ""


class GoalIn(Input):
    name: GoalName
    description: GoalDescription = ""
    target: GoalTargetIn
    start_date: Day | None = Field(None, description=f"Defaults to your local today. {START_DATE}")
    deadline: Day | None = Field(None, description="On or after start_date.")


class GoalPatch(Input):
    """Only the fields sent change; `null` is accepted for the deadline only."""

    name: GoalName = None  # type: ignore[assignment]
    description: GoalDescription = None  # type: ignore[assignment]
    target: GoalTargetIn = None  # type: ignore[assignment]
    start_date: Day = Field(None, description=START_DATE)  # type: ignore[assignment]
    deadline: Day | None = Field(None, description="On or after start_date.")


class GoalHabitIn(Input):
    weight: Weight


class GoalEntryIn(Input):
    amount: EntryAmount
    note: EntryNote | None = None


class GoalEntryOut(Out):
    id: int
    amount: Decimal
    note: str
    on: dt.date
    created_at: dt.datetime


class GoalEntryResult(Out):
    entry: GoalEntryOut
    goal: GoalOut


class GoalProgressDay(Out):
    date: dt.date
    value: Decimal = Field(description="The cumulative value at the end of the day.")


class GoalProgressOut(Out):
    target: Target
    current_value: Decimal
    completed_at: dt.datetime | None
    start_date: dt.date
    days: list[GoalProgressDay] = Field(description="Every day from start_date to your local today.")


def pace_data(goal, today: dt.date) -> dict:
    result = pace.pace(goal.start_date, today, goal.current_value, goal.target_value, goal.deadline)
    return {
        "status": result.status,
        "days_elapsed": result.days_elapsed,
        "rate": Decimal(pace.rate_text(result.rate)),  # 1.33, 0.004: not 28 digits
        "expected_finish": result.expected_finish,
        "planned": result.planned.quantize(Decimal("0.01")) if result.planned is not None else None,
        "days_left": result.days_left,
    }


def goal_data(goal, today: dt.date) -> dict:
    """A goal with its links prefetched (`goal.live_links`, see routers/goals.py), and its
    pace as of the user's `today`."""
    return {
        "id": goal.pk,
        "name": goal.name,
        "description": goal.description,
        "target": {"value": goal.target_value, "unit": goal.unit},
        "start_date": goal.start_date,
        "deadline": goal.deadline,
        "current_value": goal.current_value,
        "completed_at": goal.completed_at,
        "habits": [{"habit_id": link.habit_id, "weight": link.weight} for link in goal.live_links],
        "pace": pace_data(goal, today),
        "created_at": goal.created_at,
    }


def goal_entry_data(entry) -> dict:
    return {"id": entry.pk, "amount": entry.amount, "note": entry.note, "on": entry.on, "created_at": entry.created_at}
