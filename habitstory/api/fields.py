"""Input field types for the API's schemas: each one checks exactly what its JSON Schema
says (so the OpenAPI document and the server agree), with an error message a person can
act on."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Annotated, Any

from django.db import models
from ninja import Field
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from habits.models import EVERY_MESSAGE, TIMES_MESSAGE
from habitstory.core.text import (
    LABEL_MESSAGE,
    LABEL_PATTERN,
    NAME_PATTERN,
    TEXT_MESSAGE,
    TEXT_PATTERN,
)

CENT = Decimal("0.01")
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"

# Messages for pydantic's own error types (envelope.schema_error_details), in the web
# forms' words where there is one: first by the field, then by the type of error.
FIELD_MESSAGES = {
    "schedule.days": "Pick at least one day of the week (0 = Monday … 6 = Sunday).",
    "schedule.times": TIMES_MESSAGE,
    "schedule.n": EVERY_MESSAGE,
    "schedule.kind": "Choose how often: daily, weekdays, per_week or every_n_days.",
    "priority": "Choose 1 (high), 2 or 3 (low).",
}
MESSAGES = {
    "string_too_short": "This field is required.",
    "string_too_long": "Keep it to {max_length} characters.",
    "greater_than_equal": "Must be {ge} or more.",
    "less_than_equal": "Must be {le} or less.",
    "int_type": "Send a whole number.",
    "int_parsing": "Send a whole number.",
    "string_type": "Send a string.",
    "bool_type": "Send true or false.",
    "bool_parsing": "Send true or false.",
    "list_type": "Send a list.",
    "literal_error": "Choose one of {expected}.",
    "enum": "Choose one of {expected}.",
}
NAME_MESSAGE = "Give a name in plain text on one line (no control or text-direction characters)."
PATTERN_MESSAGES = {NAME_PATTERN: NAME_MESSAGE, LABEL_PATTERN: LABEL_MESSAGE, TEXT_PATTERN: TEXT_MESSAGE}
# Errors about the value itself, where the field's own message says what is wanted.
_RANGE_ERRORS = {"too_short", "too_long", "greater_than_equal", "less_than_equal", "union_tag_invalid",
                 "union_tag_not_found", "literal_error"}


def message_for(kind: str, key: str, context: dict) -> str | None:
    """A message for a pydantic error of type `kind` on the API field `key`, or None for
    pydantic's own."""
    if kind in _RANGE_ERRORS and key in FIELD_MESSAGES:
        return FIELD_MESSAGES[key]
    if kind == "string_pattern_mismatch":
        return PATTERN_MESSAGES.get(context.get("pattern"))
    if kind in MESSAGES:
        try:
            return MESSAGES[kind].format(**context)
        except (KeyError, IndexError):
            return None
    return None


def _max_length(model: type[models.Model], field: str) -> int:
    return model._meta.get_field(field).max_length


def Name(model: type[models.Model], field: str) -> Any:
    """A name: 1 to the field's max_length characters, not only spaces (they are
    stripped), no control or text-direction characters."""
    return Annotated[str, Field(min_length=1, max_length=_max_length(model, field), pattern=NAME_PATTERN)]


def Label(model: type[models.Model], field: str) -> Any:
    """A short line such as a unit: may be empty."""
    return Annotated[str, Field(max_length=_max_length(model, field), pattern=LABEL_PATTERN)]


def Text(model: type[models.Model], field: str) -> Any:
    """Notes, a description: tabs and line breaks allowed."""
    return Annotated[str, Field(max_length=_max_length(model, field), pattern=TEXT_PATTERN)]


def _day(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(DAY_PATTERN, value):
        raise PydanticCustomError("day_format", "Use a real date written YYYY-MM-DD.")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PydanticCustomError("day_format", "Use a real date written YYYY-MM-DD.") from None


Day = Annotated[dt.date, BeforeValidator(_day), WithJsonSchema({"type": "string", "format": "date"})]


def _time_of_day(value: Any) -> Any:
    if not isinstance(value, str) or not re.fullmatch(TIME_PATTERN, value):
        raise PydanticCustomError(
            "time_format", "Use HH:MM (or HH:MM:SS), 24-hour, your local time, without a time zone."
        )
    return dt.time.fromisoformat(value)


TimeOfDay = Annotated[
    dt.time,
    BeforeValidator(_time_of_day),
    WithJsonSchema({"type": "string", "pattern": TIME_PATTERN, "description": "HH:MM, your local time."}),
]


def _number_schema(low: Decimal, high: Decimal, *, low_exclusive: bool) -> dict:
    schema: dict = {"type": "number", "maximum": float(high)}
    schema["exclusiveMinimum" if low_exclusive else "minimum"] = float(low)
    return schema


def amount(*, most: Decimal, above: Decimal | None = None, least: Decimal | None = None,
           signed: bool = False, description: str, too_small: str, too_large: str) -> Any:
    """A JSON number (not a string, not a boolean) in (above, most] or [least, most],
    rounded to 2 decimal places. `signed`: the same range on the negative side too."""
    low = above if above is not None else least
    assert low is not None
    exclusive = above is not None

    def check(value: Any) -> Decimal:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PydanticCustomError("number_type", "Send a number, such as 8 or 2.5.")
        number = Decimal(str(value))
        size = abs(number) if signed else number
        if not (size > low if exclusive else size >= low):
            raise PydanticCustomError("number_range", too_small)
        if size > most:
            raise PydanticCustomError("number_range", too_large)
        return number.quantize(CENT, rounding=ROUND_HALF_EVEN)

    positive = _number_schema(low, most, low_exclusive=exclusive)
    if signed:
        negative = {"type": "number", "minimum": -float(most), ("exclusiveMaximum" if exclusive else "maximum"): -float(low)}
        schema = {"anyOf": [positive, negative], "description": description}
    else:
        schema = {**positive, "description": description}
    return Annotated[Decimal, BeforeValidator(check), WithJsonSchema(schema)]


# A date in a query string: checked as written here, read by the view (parse_day).
DayText = Annotated[
    str, Field(pattern=DAY_PATTERN), WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN})
]

# A date in a path: stated here, checked by the view once the object is found (a 404 first).
DayPath = Annotated[str, WithJsonSchema({"type": "string", "format": "date", "pattern": DAY_PATTERN})]
