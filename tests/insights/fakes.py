"""Small hand-built Histories for the words' tests (statements, drivers, what-if, charts):
no database, no generator."""

from __future__ import annotations

import datetime as dt

import numpy as np

from habitstory.insights.history import INPUTS, Event, HabitDays, History

START = dt.date(2026, 1, 1)


def history(days: int = 120, *, seed: int = 0, effects: dict | None = None, habits: int = 1,
            events: list[Event] | None = None, missing: float = 0.1, user_id: int = 1) -> History:
    """A user whose mood and energy are noise around their means, plus `effects`: a dict of
    (input or "habit" or "event:<type>") -> (mood shift, energy shift) per unit above the
    threshold (inputs: sleep >= 7, exercise >= 30, social >= 60, work >= 8, stress >= 6;
    habits: done; events: active)."""
    rng = np.random.default_rng(seed)
    effects = effects or {}
    inputs = {
        "sleep_hours": np.round(rng.normal(7, 1.1, days) * 2) / 2,
        "exercise_minutes": np.where(rng.random(days) < 0.5, 0.0, np.round(rng.uniform(10, 80, days))),
        "social_minutes": np.round(rng.uniform(0, 180, days)),
        "work_hours": np.round(rng.uniform(4, 11, days) * 2) / 2,
        "stress": np.round(rng.uniform(0, 10, days) * 2) / 2,
    }
    high = {
        "sleep_hours": inputs["sleep_hours"] >= 7, "exercise_minutes": inputs["exercise_minutes"] >= 30,
        "social_minutes": inputs["social_minutes"] >= 60, "work_hours": inputs["work_hours"] >= 8,
        "stress": inputs["stress"] >= 6,
    }
    mood = rng.normal(2.2, 0.9, days)
    energy = rng.normal(5.5, 1.5, days)
    habit_list = []
    for h in range(habits):
        expected = np.ones(days, dtype=bool)
        done = rng.random(days) < 0.6
        habit_list.append(HabitDays(h + 1, f"Habit {h + 1}", expected, done, np.zeros(days, dtype=bool),
                                    np.full(days, 0.5)))
        if "habit" in effects and h == 0:
            mood += effects["habit"][0] * done
            energy += effects["habit"][1] * done
    for name in INPUTS:
        if name in effects:
            mood += effects[name][0] * high[name]
            energy += effects[name][1] * high[name]
    event_list = list(events or [])
    for event in event_list:
        key = f"event:{event.type}"
        if key in effects:
            a, b = (event.start - START).days, (event.end - START).days + 1
            mood[a:b] += effects[key][0]
            energy[a:b] += effects[key][1]
    mood = np.clip(np.round(mood), 0, 4)
    energy = np.clip(np.round(energy * 2) / 2, 0, 10)
    gaps = rng.random(days) < missing
    mood[gaps] = np.nan
    energy[gaps] = np.nan
    for values in inputs.values():
        values[gaps] = np.nan
    return History(user_id=user_id, joined=START, start=START, inputs=inputs, mood=mood, energy=energy,
                   habits=habit_list, events=event_list)
