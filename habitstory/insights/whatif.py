"""What-if: change a day's sleep, exercise, time with people, work or stress and see its
mood and energy forecast move. The same context, features and models as the forecast
(predictions.context); only the day's inputs differ. Nothing is saved.

Bad input is a ValidationError naming each field; see docs/insights.md, "Drivers and what-if".
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from . import features, predictions, services
from .history import INPUTS
from .models import MOODS


@dataclass(frozen=True)
class Slider:
    name: str
    label: str
    low: float  # the slider's range (validation allows the check-in's whole range)
    high: float
    step: float
    unit: str  # "h", "min", "of 10"
    default: float  # where it starts when the day has no value logged
    most: float  # the largest value accepted
    whole: bool = False  # whole numbers only

    def reads(self, value: float | None) -> str:
        if value is None:
            return "not logged"
        number = f"{value:g}"
        return f"{number} {self.unit}"


SLIDERS: tuple[Slider, ...] = (
    Slider("sleep_hours", "Sleep", 0, 12, 0.25, "h", 7, 24),
    Slider("exercise_minutes", "Exercise", 0, 180, 1, "min", 30, 1440, whole=True),
    Slider("social_minutes", "Time with people", 0, 480, 1, "min", 60, 1440, whole=True),
    Slider("work_hours", "Work", 0, 16, 0.25, "h", 8, 24),
    Slider("stress", "Stress", 0, 10, 0.5, "of 10", 5, 10),
)
BY_NAME = {slider.name: slider for slider in SLIDERS}
NAMES_TEXT = ", ".join(INPUTS)


def _clean(slider: Slider, raw) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        number = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError("Enter a number.", code="invalid") from None
    if not number.is_finite():
        raise ValidationError("Enter a number.", code="invalid")
    if number < 0 or number > slider.most:
        raise ValidationError(f"Choose from 0 to {slider.most:g}.", code="range")
    if slider.whole and number != number.to_integral_value():
        raise ValidationError("Enter a whole number of minutes.", code="invalid")
    if slider.name == "stress" and (number * 2) % 1:
        raise ValidationError("Use steps of 0.5.", code="step")
    return float(number)


def clean_changes(changes) -> dict[str, float | None]:
    """The changes as numbers ("" or None: as if not logged); a ValidationError naming every
    bad or unknown input."""
    if not isinstance(changes, dict):
        raise ValidationError({"changes": "Send the inputs to change as an object."}, code="invalid")
    errors: dict[str, ValidationError] = {}
    values: dict[str, float | None] = {}
    for name, raw in changes.items():
        slider = BY_NAME.get(name)
        if slider is None:
            errors[str(name)] = ValidationError(f"Not an input to change: use {NAMES_TEXT}.", code="unknown")
            continue
        try:
            values[name] = _clean(slider, raw)
        except ValidationError as error:
            errors[name] = error
    if errors:
        raise ValidationError(errors)
    return values


def _expected_mood(mood: dict | None) -> float | None:
    if not mood:
        return None
    return sum(k * mood["probabilities"][m] for k, m in enumerate(MOODS))


def _moved(before: float | None, after: float | None) -> float | None:
    if before is None or after is None:
        return None
    return round(after - before, 2)


def _sentence(values: dict[str, float | None], energy: tuple, mood: tuple) -> str:
    """"With sleep 8.5 h: energy 5.6 → 6.4, mood 3.1 → 3.4 of 5." (the inputs that differ
    from the day's)."""
    what = ", ".join(f"{BY_NAME[n].label.lower()} {BY_NAME[n].reads(v)}" for n, v in values.items()) or "no change"
    parts = []
    if energy[0] is not None and energy[1] is not None:
        parts.append(f"energy {energy[0]:.1f} → {energy[1]:.1f}")
    if mood[0] is not None and mood[1] is not None:
        parts.append(f"mood {mood[0] + 1:.1f} → {mood[1] + 1:.1f} of 5")
    if not parts:
        return "No forecast yet, so nothing to move."
    return f"With {what}: " + ", ".join(parts) + "."


def what_if(user, day: dt.date, changes: dict, *, now: dt.datetime | None = None) -> dict:
    """The day's forecast as logged ("before") and with `changes` to its inputs ("after"),
    each in predictions.forecast's shape, how far mood (expected step) and energy move,
    and a sentence. Raises ValidationError naming bad inputs or a day not yet come."""
    values = clean_changes(changes)
    services.check_day(user, day, now, field="day")
    ctx = predictions.context(user, day)
    before = predictions.compute(ctx)
    logged = {name: None for name in values}
    if ctx.index >= 0:
        logged = {name: _value(ctx.history.inputs[name][ctx.index]) for name in values}
        changed = ctx.history.with_inputs(ctx.index, values)
        row, names = features.mood_energy_rows(changed, [ctx.index])
        completion, completion_names, keys = features.completion_rows(changed, [ctx.index])
        ctx = replace(ctx, history=changed, row=row, names=names,
                      completion=completion if len(keys) else None, completion_names=completion_names, keys=keys)
    after = predictions.compute(ctx)
    energy = (_energy(before), _energy(after))
    mood = (_expected_mood(before["mood"]), _expected_mood(after["mood"]))
    return {
        "day": day.isoformat(),
        "changes": values,
        "inputs": {name: {"before": logged[name], "after": values[name]} for name in values},
        "before": before,
        "after": after,
        "moved": {"mood": _moved(*mood), "energy": _moved(*energy)},
        "text": _sentence({n: v for n, v in values.items() if v != logged[n]}, energy, mood),
    }


def _value(number: float) -> float | None:
    return None if math.isnan(number) else float(number)


def _energy(forecast: dict) -> float | None:
    return forecast["energy"]["value"] if forecast.get("energy") else None
