"""The API's shapes for check-ins, life events and insights (see schemas.py for how input
schemas state the rules: lengths from the models, characters from habitstory.core.text,
ranges from the models' validators)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from ninja import Field
from pydantic import BeforeValidator, ConfigDict, StrictBool, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from habitstory.insights.history import INPUTS
from habitstory.insights.models import (
    DATA_MAX_BYTES,
    DATA_MAX_DEPTH,
    MOODS,
    CheckIn,
    LifeEvent,
    validate_event_data,
)

from .envelope import Out
from .fields import Day, Name, Text, amount
from .schemas import Input

Mood = Literal[MOODS]  # type: ignore[valid-type]
EventType = Literal[tuple(LifeEvent.Type.values)]  # type: ignore[valid-type]
Kind = Literal["mood", "energy", "completion"]

MOOD_DOC = ", ".join(f"`{value}` ({label.lower()})" for value, label in CheckIn._meta.get_field("mood").choices)
START_DOC = "From 1 January 2000 to a year from your local today."
DATA_DOC = (f"Anything else about it, as a JSON object of at most {DATA_MAX_BYTES // 1024} KB "
            "(written compactly, non-ASCII characters counted as \\uXXXX escapes), nested at most "
            f"{DATA_MAX_DEPTH} levels deep, with finite numbers only and no NUL characters in its strings.")


def half_steps(most: int, description: str) -> Any:
    """A JSON number from 0 to `most` in steps of 0.5 (energy, stress)."""

    def check(value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PydanticCustomError("number_type", "Send a number, such as 6 or 6.5.")
        number = Decimal(str(value))
        if not 0 <= number <= most:
            raise PydanticCustomError("number_range", f"Enter a number from 0 to {most}.")
        if (number * 2) % 1 != 0:
            raise PydanticCustomError("number_step", "Use steps of 0.5.")
        return number.quantize(Decimal("0.1"))

    schema = {"type": "number", "minimum": 0, "maximum": most, "multipleOf": 0.5, "description": description}
    return Annotated[Decimal, BeforeValidator(check), WithJsonSchema(schema)]


def _hours(description: str) -> Any:
    return amount(least=Decimal(0), most=Decimal(24), description=f"{description} 0 to 24, rounded to 0.01.",
                  too_small="Enter hours from 0 to 24.", too_large="Enter hours from 0 to 24.")


Energy = half_steps(10, "0 (empty) to 10 (full), in steps of 0.5.")
Stress = half_steps(10, "0 (calm) to 10 (overwhelmed), in steps of 0.5.")
SleepHours = _hours("Hours slept,")
WorkHours = _hours("Hours worked,")
def _whole_minutes(value: Any) -> int:
    """A JSON number with no fraction (30 or 30.0), 0 to 1440: not a string, not a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("int_type", "Send a whole number.")
    if isinstance(value, float) and not value.is_integer():
        raise PydanticCustomError("int_type", "Send a whole number of minutes.")
    if not 0 <= value <= 1440:
        raise PydanticCustomError("number_range", "Enter minutes from 0 to 1440.")
    return int(value)


Minutes = Annotated[int, BeforeValidator(_whole_minutes), WithJsonSchema(
    {"type": "integer", "minimum": 0, "maximum": 1440, "description": "Whole minutes, 0 to 1440."})]
CheckInNote = Text(CheckIn, "note")
EventTitle = Name(LifeEvent, "title")


# --- check-ins ------------------------------------------------------------------------------


class CheckInIn(Input):
    """Every field optional: one left out (or null) is stored empty."""

    mood: Mood | None = Field(None, description=f"One of {MOOD_DOC}.")  # type: ignore[valid-type]
    energy: Energy | None = None
    sleep_hours: SleepHours | None = None
    exercise_minutes: Minutes | None = None
    social_minutes: Minutes | None = None
    work_hours: WorkHours | None = None
    stress: Stress | None = None
    note: CheckInNote | None = Field(None, description="Up to 2,000 characters.")


class CheckInOut(Out):
    date: dt.date = Field(description="Your local day.")
    mood: Mood | None  # type: ignore[valid-type]
    energy: float | None
    sleep_hours: float | None
    exercise_minutes: int | None
    social_minutes: int | None
    work_hours: float | None
    stress: float | None
    note: str
    updated_at: dt.datetime


def _number(value) -> float | None:
    return None if value is None else float(value)


def checkin_data(checkin: CheckIn) -> dict:
    return {
        "date": checkin.on,
        "mood": checkin.mood or None,
        "energy": _number(checkin.energy),
        "sleep_hours": _number(checkin.sleep_hours),
        "exercise_minutes": checkin.exercise_minutes,
        "social_minutes": checkin.social_minutes,
        "work_hours": _number(checkin.work_hours),
        "stress": _number(checkin.stress),
        "note": checkin.note,
        "updated_at": checkin.updated_at,
    }


# --- life events ----------------------------------------------------------------------------


def _event_data(value: Any) -> Any:
    """The model's own rule (an object, its size, depth and numbers), as a field error."""
    try:
        validate_event_data(value)
    except ValidationError as error:
        raise PydanticCustomError(f"data_{error.code}", error.messages[0]) from None
    return value


EventData = Annotated[dict[str, Any], BeforeValidator(_event_data),
                      WithJsonSchema({"type": "object", "description": DATA_DOC})]


class LifeEventIn(Input):
    type: EventType  # type: ignore[valid-type]
    title: EventTitle
    start: Day = Field(description=START_DOC)
    end: Day | None = Field(None, description="The last day, on or after `start`; null for a single day.")
    data: EventData = Field(default_factory=dict)


class LifeEventPatch(Input):
    """Only the fields sent change; `end: null` makes it a single day."""

    type: EventType = None  # type: ignore[valid-type, assignment]
    title: EventTitle = None  # type: ignore[assignment]
    start: Day = Field(None, description=START_DOC)  # type: ignore[assignment]
    end: Day | None = Field(None, description="On or after `start` (as sent or stored).")
    data: EventData | None = Field(None, description=DATA_DOC)


class LifeEventOut(Out):
    id: int
    type: EventType  # type: ignore[valid-type]
    title: str
    start: dt.date
    end: dt.date | None
    data: dict[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


def life_event_data(event: LifeEvent) -> dict:
    return {
        "id": event.pk,
        "type": event.type,
        "title": event.title,
        "start": event.start,
        "end": event.end,
        "data": event.data,
        "created_at": event.created_at,
        "updated_at": event.updated_at,
    }


# --- pooled learning (/me) ------------------------------------------------------------------


class MePatch(Input):
    pooled_learning: StrictBool = Field(None, description=(  # type: ignore[assignment]
        "Until you have 60 labelled days, forecasts come from a model trained on everyone who "
        "turned this on (no names, no notes). Off (the default): your data trains only your own models."))


# --- the inputs a what-if may change --------------------------------------------------------


class InputChanges(Input):
    """The day's inputs to try instead of those logged; null: as if not logged."""

    sleep_hours: SleepHours | None = None
    exercise_minutes: Minutes | None = None
    social_minutes: Minutes | None = None
    work_hours: WorkHours | None = None
    stress: Stress | None = None

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    @model_validator(mode="before")
    @classmethod
    def _some(cls, values: Any) -> Any:
        if isinstance(values, dict) and not values:
            raise PydanticCustomError("changes_empty", "Change at least one input.")
        return values


assert tuple(InputChanges.model_fields) == INPUTS  # the same inputs, in the same order


class WhatIfIn(Input):
    date: Day = Field(description="The day (YYYY-MM-DD): your local today or before, from 1 January 2000.")
    changes: InputChanges


# --- forecasts, statements, models ----------------------------------------------------------


class MoodForecast(Out):
    label: Mood = Field(description="The likeliest mood.")  # type: ignore[valid-type]
    probabilities: dict[str, float] = Field(description="Each mood's probability (they sum to 1).")


class EnergyForecast(Out):
    value: float = Field(description="0 to 10.")
    low: float = Field(description="The interval's low end.")
    high: float = Field(description="The interval's high end.")


class HabitForecast(Out):
    habit: int = Field(description="A habit due that day.")
    probability: float = Field(description="Its chance of being done, 0 to 1.")


class DriverOut(Out):
    kind: Kind = Field(description="The forecast it moves: mood or energy.")  # type: ignore[valid-type]
    feature: str = Field(description="What moves it: an input, its recent days, a habit, an event.")
    label: str
    contribution: float = Field(description="How much, in the forecast's units (energy points, mood steps).")
    text: str


class StatusOut(Out):
    labelled_days: int = Field(description="Days with mood or energy logged.")
    needed: int = Field(description="Labelled days before your own models are trained.")
    pooled: bool = Field(description="Whether you take part in pooled learning.")
    ready: dict[str, bool] = Field(description="Kind → a model serves you.")
    own: bool = Field(description="Your own mood and energy models serve you.")
    text: str = Field(description="“learning: 23 of 60 days”, or “ready: your own models”.")
    versions: dict[str, int] = Field(description="Kind → the id of the version serving you.")


class ForecastOut(Out):
    date: dt.date
    mood: MoodForecast | None = Field(description="null while no model serves you.")
    energy: EnergyForecast | None = Field(description="null while no model serves you.")
    habits: list[HabitForecast]
    drivers: list[DriverOut] = Field(description="What moves the mood and energy forecasts most, in words.")
    model_versions: dict[str, int | None] = Field(description="Kind → the version used (null: none yet).")
    status: StatusOut


class StatementOut(Out):
    key: str = Field(description="What was compared: an input, `habit:<id>`, `event:<type>`.")
    kind: str = Field(description="input, habit or event.")
    outcome: str = Field(description="mood or energy.")
    text: str
    mean_with: float | None
    mean_without: float | None
    n_with: int
    n_without: int
    test: str
    effect: float | None
    effect_name: str
    p: float | None
    q: float | None = Field(description="p adjusted by Benjamini–Hochberg across everything tested for you.")
    adjusted: float | None = Field(None, description="The same difference allowing for the other inputs and "
                                                     "weekends (a linear model's coefficient).")
    adjusted_p: float | None = None


class UntestedOut(Out):
    key: str
    subject: str
    why: str


class StatementsOut(Out):
    statements: list[StatementOut]
    tested: int = Field(description="How many comparisons were tested.")
    reason: str | None = Field(description="Why nothing can be said yet, if so.")
    untested: list[UntestedOut]
    no_difference: list[str] = Field(description="What was tested and showed no clear difference.")
    days: int = Field(description="Days with mood or energy logged.")
    caution: str


class ModelVersionOut(Out):
    id: int
    kind: Kind  # type: ignore[valid-type]
    scope: Literal["user", "pooled"]
    status: Literal["candidate", "champion", "retired", "rejected"]
    train_start: dt.date
    train_end: dt.date
    holdout_start: dt.date | None
    holdout_end: dt.date | None
    n_train: int
    n_holdout: int
    n_users: int
    feature_version: str
    metrics: dict[str, Any] = Field(description="Held-out metrics (mood: accuracy, macro_f1, log_loss; energy: "
                                                "mae, r2, coverage; completion: roc_auc, brier).")
    baseline_metrics: dict[str, Any] = Field(description="The honest baseline's, on the same days.")
    champion_metrics: dict[str, Any] = Field(description="The champion's it was compared with, on the same days.")
    training_seconds: float
    created_at: dt.datetime
    promoted_at: dt.datetime | None
    note: str


class ModelsOut(Out):
    status: StatusOut
    versions: list[ModelVersionOut] = Field(description="Your own versions, newest first (the last 20 of each kind).")
    pooled: list[ModelVersionOut] = Field(description="The pooled champions, if you take part in pooled learning.")


class InputChange(Out):
    before: float | None = Field(description="As logged that day (null: not logged).")
    after: float | None


class Moved(Out):
    mood: float | None = Field(description="How far the expected mood moves, in steps of the 1–5 scale.")
    energy: float | None = Field(description="How far the energy forecast moves, in points.")


class WhatIfOut(Out):
    date: dt.date
    changes: dict[str, float | None] = Field(description="The inputs tried, as numbers.")
    inputs: dict[str, InputChange] = Field(description="Each input changed: as logged, and as tried.")
    before: ForecastOut = Field(description="The forecast from the day as logged.")
    after: ForecastOut = Field(description="The forecast with the changes.")
    moved: Moved
    text: str = Field(description="“With sleep 8.5 h: energy 5.6 → 6.4, mood 3.1 → 3.4 of 5.”")
