"""The API's shapes for check-ins, life events and insights (see schemas.py for how input
schemas state the rules: lengths from the models, characters from habitstory.core.text,
ranges from the models' validators)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field
from pydantic import BeforeValidator, ConfigDict, WithJsonSchema
from pydantic_core import PydanticCustomError

from habitstory.insights.history import INPUTS
from habitstory.insights.models import DATA_MAX_BYTES, MOODS, CheckIn, LifeEvent

from .envelope import Out
from .fields import Day, Name, Text, amount
from .schemas import Input

Mood = Literal[MOODS]  # type: ignore[valid-type]
EventType = Literal[tuple(LifeEvent.Type.values)]  # type: ignore[valid-type]
Kind = Literal["mood", "energy", "completion"]

MOOD_DOC = ", ".join(f"`{value}` ({label.lower()})" for value, label in CheckIn._meta.get_field("mood").choices)
START_DOC = "From 1 January 2000 to a year from your local today."
DATA_DOC = (f"Anything else about it, as a JSON object of at most {DATA_MAX_BYTES // 1024} KB "
            "(written compactly, non-ASCII characters counted as \\uXXXX escapes).")


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
Minutes = Annotated[int, Field(ge=0, le=1440, description="Whole minutes, 0 to 1440.")]
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
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise PydanticCustomError("dict_type", "Send a JSON object.")
    if len(json.dumps(value, separators=(",", ":")).encode()) > DATA_MAX_BYTES:
        raise PydanticCustomError("data_size", f"Keep the data under {DATA_MAX_BYTES // 1024} KB.")
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
    pooled_learning: bool = Field(None, description=(  # type: ignore[assignment]
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


assert tuple(InputChanges.model_fields) == INPUTS  # the same inputs, in the same order


class WhatIfIn(Input):
    date: Day = Field(description=f"The day to forecast. {START_DOC}")
    changes: InputChanges
