"""The completion model on the habit pages: the chance each habit due today gets done
(the habit page) and Today's "likely to slip" hint under 40 %. From
`predictions.habit_probabilities`, asked only when a completion model serves the user."""

from __future__ import annotations

import datetime as dt

from . import predictions, registry

SLIP_BELOW = 0.40


def version(user_id: int, day: dt.date) -> str:
    """Moves whenever the day's probabilities may (a check-in, a tick, a new model): for
    the keys of pages that cache what they show of them (Today's list). No query."""
    return predictions.cache_key(user_id, day)


def probabilities(user, day: dt.date) -> dict[int, float]:
    """Habit id → its chance of being done on `day`; empty, after one query, without a
    completion model (the forecast, cached 24 h, is computed only with one)."""
    if registry.champion(user, "completion") is None:
        return {}
    return predictions.habit_probabilities(user, day)


def chance(user, day: dt.date, habit_id: int) -> int | None:
    """The habit's chance today in percent, or None (no model, or not due)."""
    found = probabilities(user, day).get(habit_id)
    return None if found is None else round(100 * found)


def likely_to_slip(user, day: dt.date) -> dict[int, int]:
    """The habits under SLIP_BELOW, with their chance in percent."""
    return {habit: round(100 * p) for habit, p in probabilities(user, day).items() if p < SLIP_BELOW}
