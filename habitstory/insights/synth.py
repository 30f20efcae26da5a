"""Synthetic users for tests, the bench, the demo account and the evaluation: each has
hidden traits, and their mood, energy and habit completion follow from their days through
a known function plus noise. docs/insights.md ("The synthetic generator") lists the
effects; `Synthetic.truth` keeps the noise-free values an oracle would predict.

Deterministic: the same (n_users, days, seed) gives the same users.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from habits import stats

from .history import EVENT_TYPES, Event, HabitDays, History

# Mood's latent is on the score scale (0..4): the logged mood is the latent plus noise,
# rounded and clipped. Energy is on 0..10, logged in steps of 0.5.
MOOD_NOISE = 0.17
ENERGY_NOISE = 0.45
MOOD_SPREAD = 1.0  # how far the day's circumstances move the mood latent
MOOD_DRIFT = 0.08  # the day-to-day noise of the mood that carries over (mood_persistence)
# name, schedule kind, weekdays / every N days
HABIT_KINDS = (
    ("Walk", stats.DAILY, {}),
    ("Read", stats.DAILY, {}),
    ("Gym", stats.WEEKDAYS, {"weekdays": (0, 2, 4)}),
    ("Meditate", stats.DAILY, {}),
    ("Cook", stats.EVERY_N_DAYS, {"every_n_days": 2}),
    ("Study", stats.WEEKDAYS, {"weekdays": (0, 1, 2, 3, 4)}),
)
# (type, events per 100 days, shortest, longest days)
EVENT_RATES = (
    ("illness", 1.5, 2, 6),
    ("exam", 1.2, 1, 3),
    ("deadline", 1.5, 1, 2),
    ("travel", 0.8, 2, 5),
    ("celebration", 1.0, 1, 1),
)


@dataclass
class Synthetic:
    history: History
    traits: dict[str, float]
    truth: dict  # "mood", "energy": float arrays; "completion": {habit_id: float array, NaN where not expected}
    schedules: dict[int, stats.Schedule] = field(default_factory=dict)


def generate(n_users: int, days: int, seed: int = 0, *, end: dt.date | None = None,
             first_user_id: int = 1) -> list[Synthetic]:
    """`n_users` users with `days` days each, the last one `end` (default 2026-06-30)."""
    end = end or dt.date(2026, 6, 30)
    root = np.random.default_rng(seed)
    return [_user(first_user_id + k, days, end, np.random.default_rng(root.integers(2**63)))
            for k in range(n_users)]


def traits(rng: np.random.Generator) -> dict[str, float]:
    return {
        "mood_base": rng.normal(1.35, 0.45),
        "energy_base": rng.normal(5.6, 0.9),
        "sleep_need": rng.uniform(6.5, 8.0),
        "sleep_mean": rng.uniform(6.2, 7.8),
        "mood_sleep": rng.uniform(0.4, 0.7),  # per hour of the 3-day sleep debt
        "energy_sleep": rng.uniform(0.8, 1.3),  # per hour short of need, that night
        "mood_exercise": rng.uniform(0.2, 0.55),  # per 30 minutes, that day and half the day after
        "energy_exercise": rng.uniform(-0.1, 0.35),
        "mood_social": rng.uniform(0.0, 0.5),  # per hour, up to 3 hours
        "mood_stress": rng.uniform(0.2, 0.35),  # per point of stress over 4
        "energy_stress": rng.uniform(0.2, 0.4),
        "energy_work": rng.uniform(0.05, 0.2),  # per hour over 8
        "mood_habits": rng.uniform(0.6, 1.2),  # share of the day's due habits done
        "mood_weekend": rng.uniform(0.0, 0.4),
        "mood_persistence": rng.uniform(0.1, 0.35),  # of yesterday's unexplained mood
        "exercise_rate": rng.uniform(0.25, 0.7),
        "social_rate": rng.uniform(0.3, 0.8),
        "stress_base": rng.uniform(2.5, 5.5),
        "missing": rng.choice([0.10, 0.12, 0.15, 0.25], p=[0.35, 0.3, 0.25, 0.1]),
        "habit_sleep": rng.uniform(1.0, 1.5),  # completion logit per hour of sleep
        "habit_stress": rng.uniform(0.45, 0.7),  # per point of stress over 4
        "habit_momentum": rng.uniform(0.03, 0.12),  # per day of streak, up to 7
    }


def _user(user_id: int, days: int, end: dt.date, rng: np.random.Generator) -> Synthetic:
    trait = traits(rng)
    start = end - dt.timedelta(days=days - 1)
    weekday = (start.weekday() + np.arange(days)) % 7
    events = _events(start, days, rng)
    active = _active(events, start, days)
    inputs = _inputs(trait, weekday, active, rng)
    habits, probabilities, schedules = _habits(trait, start, days, weekday, inputs, active, rng)
    share = _share_done(habits, days)
    mood_truth, energy_truth, mood, energy = _labels(trait, weekday, inputs, active, share, rng)
    _hide(trait, inputs, mood, energy, rng)
    history = History(user_id=user_id, joined=start, start=start, inputs=inputs, mood=mood,
                      energy=energy, habits=habits, events=events)
    persistence = trait["mood_persistence"]
    truth = {"mood": mood_truth, "energy": energy_truth, "completion": probabilities,
             "mood_sigma": float(np.hypot(MOOD_NOISE, MOOD_DRIFT / np.sqrt(1 - persistence**2))),
             "energy_half_width": 1.2816 * float(np.hypot(ENERGY_NOISE, 0.5 / np.sqrt(12)))}
    return Synthetic(history=history, traits=trait, truth=truth, schedules=schedules)


def _events(start: dt.date, days: int, rng: np.random.Generator) -> list[Event]:
    events = []
    for kind, per_100, shortest, longest in EVENT_RATES:
        for _ in range(rng.poisson(per_100 * days / 100)):
            first = int(rng.integers(0, days))
            length = int(rng.integers(shortest, longest + 1))
            events.append(Event(kind, start + dt.timedelta(days=first),
                                start + dt.timedelta(days=min(days - 1, first + length - 1))))
    return sorted(events, key=lambda e: (e.start, e.type))


def _active(events: list[Event], start: dt.date, days: int) -> dict[str, np.ndarray]:
    active = {kind: np.zeros(days, bool) for kind in EVENT_TYPES}
    for event in events:
        active[event.type][(event.start - start).days : (event.end - start).days + 1] = True
    return active


def _inputs(trait: dict, weekday: np.ndarray, active: dict, rng: np.random.Generator) -> dict[str, np.ndarray]:
    days = len(weekday)
    weekend = weekday >= 5
    ill = active["illness"]
    busy = active["exam"] | active["deadline"]
    sleep = np.empty(days)
    wobble = 0.0
    for i in range(days):  # a night's sleep leans on the one before
        wobble = 0.4 * wobble + rng.normal(0, 0.85)
        sleep[i] = trait["sleep_mean"] + 0.6 * weekend[i] + 0.8 * ill[i] - 0.7 * busy[i] + wobble
    sleep = np.clip(np.round(sleep * 4) / 4, 3, 12)
    work = np.where(weekend, rng.choice([0, 0, 0, 2, 4], days), rng.normal(8, 1.2, days))
    work = np.clip(np.round((work + 1.5 * busy - 6 * ill) * 2) / 2, 0, 14)
    stress = trait["stress_base"] + 0.35 * (work - 6) + 2.5 * busy + rng.normal(0, 1.3, days) - 0.8 * weekend
    stress = np.clip(np.round(stress * 2) / 2, 0, 10)
    exercise = np.where(rng.random(days) < trait["exercise_rate"] * (1 - 0.8 * ill), rng.gamma(3, 14, days), 0)
    social = np.where(rng.random(days) < trait["social_rate"] + 0.2 * weekend, rng.gamma(2, 50 + 30 * weekend, days), 0)
    social = social * (1 - 0.7 * ill) + 120 * active["celebration"]
    return {"sleep_hours": sleep, "exercise_minutes": np.round(np.minimum(exercise, 240)),
            "social_minutes": np.round(np.minimum(social, 600)), "work_hours": work, "stress": stress}


def _habits(trait: dict, start: dt.date, days: int, weekday: np.ndarray, inputs: dict, active: dict,
            rng: np.random.Generator):
    count = int(rng.integers(3, 6))
    chosen = rng.choice(len(HABIT_KINDS), count, replace=False)
    habits, probabilities, schedules = [], {}, {}
    pressure = (trait["habit_sleep"] * (inputs["sleep_hours"] - 7) - trait["habit_stress"] * (inputs["stress"] - 4)
                - 2.5 * active["illness"] - 1.2 * active["travel"] - 0.8 * active["exam"])
    for n, k in enumerate(sorted(chosen)):
        name, kind, extra = HABIT_KINDS[k]
        habit_id = n + 1
        late = int(rng.integers(0, min(20, days // 4) + 1))
        schedule = stats.Schedule(kind=kind, start_date=start + dt.timedelta(days=late), **extra)
        expected = np.array([schedule.is_expected(start + dt.timedelta(days=i)) for i in range(days)])
        base = rng.normal(0.7, 0.6)
        weekday_effect = rng.normal(0, 0.6, 7)
        weekday_effect[5:] -= rng.uniform(0, 1.0)
        done = np.zeros(days, bool)
        truth = np.full(days, np.nan)
        streak = 0
        for i in np.flatnonzero(expected):
            logit = base + weekday_effect[weekday[i]] + pressure[i] + trait["habit_momentum"] * min(streak, 7) - 0.6
            truth[i] = 1 / (1 + np.exp(-logit))
            done[i] = rng.random() < truth[i]
            streak = streak + 1 if done[i] else 0
        skipped = expected & ~done & (rng.random(days) < 0.05)
        strength = _strength(schedule, start, days, done, skipped)
        habits.append(HabitDays(habit_id=habit_id, name=name, expected=expected, done=done, skipped=skipped,
                                strength=strength, closed=expected.copy()))
        probabilities[habit_id] = truth
        schedules[habit_id] = schedule
    return habits, probabilities, schedules


def _strength(schedule: stats.Schedule, start: dt.date, days: int, done: np.ndarray, skipped: np.ndarray) -> np.ndarray:
    """Loop's strength after each day, from the same rule the habit pages use."""
    entries = [stats.Entry(on=start + dt.timedelta(days=int(i)), status=stats.DONE if done[i] else stats.SKIPPED)
               for i in np.flatnonzero(done | skipped)]
    out = np.full(days, np.nan)
    for day, value in stats.strength_series(schedule, entries, start + dt.timedelta(days=days)):
        out[(day - start).days] = value
    return out


def _share_done(habits: list[HabitDays], days: int) -> np.ndarray:
    due = np.zeros(days)
    done = np.zeros(days)
    for habit in habits:
        due += habit.expected
        done += habit.done & habit.expected
    return np.where(due > 0, done / np.maximum(due, 1), 0.5)


def _labels(trait: dict, weekday: np.ndarray, inputs: dict, active: dict, share: np.ndarray,
            rng: np.random.Generator):
    days = len(weekday)
    sleep, stress = inputs["sleep_hours"], inputs["stress"]
    debt = np.array([np.mean(sleep[max(0, i - 2) : i + 1]) for i in range(days)]) - trait["sleep_need"]
    exercise = np.minimum(inputs["exercise_minutes"], 90) / 30
    exercise_before = np.concatenate([[0.0], exercise[:-1]])
    social = np.minimum(inputs["social_minutes"], 180) / 60
    weekend = weekday >= 5
    mood = trait["mood_base"] + MOOD_SPREAD * (trait["mood_sleep"] * debt + trait["mood_exercise"] * (exercise + 0.5 * exercise_before)
            + trait["mood_social"] * social - trait["mood_stress"] * (stress - 4) + trait["mood_habits"] * (share - 0.5)
            + trait["mood_weekend"] * weekend - 1.2 * active["illness"] - 0.7 * active["exam"]
            + 0.7 * active["celebration"] - 0.4 * active["deadline"])
    energy = (trait["energy_base"] + trait["energy_sleep"] * np.minimum(sleep - trait["sleep_need"], 1.0)
              + trait["energy_exercise"] * exercise - trait["energy_stress"] * (stress - 4)
              - trait["energy_work"] * np.maximum(inputs["work_hours"] - 8, 0)
              - 2.2 * active["illness"] - 0.6 * active["travel"] + 0.4 * trait["mood_sleep"] * debt)
    residual = np.zeros(days)
    for i in range(1, days):  # yesterday's unexplained mood carries over a little
        residual[i] = trait["mood_persistence"] * residual[i - 1] + rng.normal(0, MOOD_DRIFT)
    mood_truth = mood
    energy_truth = np.clip(energy, 0, 10)
    mood_logged = np.clip(np.round(mood + residual + rng.normal(0, MOOD_NOISE, days)), 0, 4)
    energy_logged = np.clip(np.round((energy_truth + rng.normal(0, ENERGY_NOISE, days)) * 2) / 2, 0, 10)
    return mood_truth, energy_truth, mood_logged, energy_logged


def _hide(trait: dict, inputs: dict, mood: np.ndarray, energy: np.ndarray, rng: np.random.Generator) -> None:
    """Days without a check-in (~10-25 %), and single fields left out (3 %)."""
    days = len(mood)
    gone = rng.random(days) < trait["missing"]
    for values in (*inputs.values(), mood, energy):
        values[gone | (rng.random(days) < 0.03)] = np.nan
