"""A user's days as plain arrays: what features, statements, training and the synthetic
generator all work on. `load()` reads it from the database (check-ins, life events,
occurrences and schedules); `habitstory.insights.synth` makes it without one.

Day i of a History is `start + i days`, a local date of the user. Missing values are NaN
(never zero). Nothing here is a feature yet: `habitstory.insights.features` turns a
History into rows, using for day i only what it may see (no look-ahead).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np

from habits import stats
from habits.models import Habit, Occurrence

from .models import MOOD_SCORE, CheckIn, LifeEvent

# The inputs a check-in may carry, in this order everywhere (features, what-if, statements).
INPUTS: tuple[str, ...] = ("sleep_hours", "exercise_minutes", "social_minutes", "work_hours", "stress")
# Labels: mood as its score 0..4 (models.MOODS order), energy 0..10.
LABELS: tuple[str, ...] = ("mood", "energy")
# Life event types, in models.LifeEvent.Type order.
EVENT_TYPES: tuple[str, ...] = (
    "illness", "travel", "exam", "deadline", "celebration", "loss", "move", "new_job", "other",
)


@dataclass
class HabitDays:
    """One habit over the History's days. `expected[i]`: the schedule expected it that day
    (after its start, not paused; every day for "N per week"). `done[i]`: done that day.
    `skipped[i]`: explicitly skipped. `strength[i]`: Loop's strength score (0..1) after day
    i (NaN before the habit started); the completion baseline reads strength[i - 1]."""

    habit_id: int
    name: str
    expected: np.ndarray  # bool
    done: np.ndarray  # bool
    skipped: np.ndarray  # bool
    strength: np.ndarray  # float, NaN where unknown
    per_week: int | None = None  # for "N per week" habits, N
    # closed[i]: day i's outcome is known: done, skipped or missed, or a past day with no
    # record before the habit's last record (not done). Past days after its last record are
    # unknown (nothing logged since, not "not done"). None = every expected day is known.
    # Only closed days are completion labels.
    closed: np.ndarray | None = None


@dataclass(frozen=True)
class Event:
    type: str
    start: dt.date
    end: dt.date  # inclusive; a one-day event has end == start


@dataclass
class History:
    user_id: int
    joined: dt.date  # local date of sign-up
    start: dt.date  # day 0
    inputs: dict[str, np.ndarray]  # INPUTS -> float array, NaN = not logged
    mood: np.ndarray  # float 0..4, NaN = not logged
    energy: np.ndarray  # float 0..10, NaN = not logged
    habits: list[HabitDays] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def days(self) -> int:
        return len(self.mood)

    def date(self, i: int) -> dt.date:
        return self.start + dt.timedelta(days=i)

    def index(self, day: dt.date) -> int:
        return (day - self.start).days

    def labelled(self, kind: str) -> np.ndarray:
        """Day indexes where `kind` ("mood" or "energy") was logged."""
        return np.flatnonzero(~np.isnan(self.mood if kind == "mood" else self.energy))

    def with_inputs(self, i: int, changes: dict[str, float | None]) -> History:
        """A copy with day i's inputs changed (what-if). Labels and other days untouched."""
        inputs = {k: v.copy() for k, v in self.inputs.items()}
        for name, value in changes.items():
            if name not in INPUTS:
                raise KeyError(name)
            inputs[name][i] = np.nan if value is None else float(value)
        return replace(self, inputs=inputs)

    def through(self, i: int) -> History:
        """A copy that ends with day i (inclusive): what was known by then."""
        return replace(
            self,
            inputs={k: v[: i + 1].copy() for k, v in self.inputs.items()},
            mood=self.mood[: i + 1].copy(),
            energy=self.energy[: i + 1].copy(),
            habits=[replace(h, expected=h.expected[: i + 1], done=h.done[: i + 1], skipped=h.skipped[: i + 1],
                            strength=h.strength[: i + 1],
                            closed=None if h.closed is None else h.closed[: i + 1]) for h in self.habits],
            events=[e for e in self.events if e.start <= self.date(i)],
        )


# Reading a History from the database: five queries whatever the span (profile, check-ins,
# life events, habits, occurrences).

CLOSED_STATUSES = frozenset({stats.DONE, stats.SKIPPED, stats.MISSED})


def load(user, *, start: dt.date | None = None, end: dt.date | None = None) -> History:
    """The user's days from `start` (default: their first check-in or sign-up, whichever
    is earlier) through `end` (default: their today)."""
    profile = user.profile
    today = profile.local_today()
    end = end or today
    joined = profile.local_today(user.date_joined)
    rows = list(CheckIn.objects.filter(user=user, on__lte=end).order_by("on").values_list(
        "on", "mood", "energy", *INPUTS))
    if start is None:
        start = min(joined, rows[0][0]) if rows else joined
    start = min(start, end)
    days = (end - start).days + 1
    inputs = {name: np.full(days, np.nan) for name in INPUTS}
    mood, energy = np.full(days, np.nan), np.full(days, np.nan)
    for on, mood_value, energy_value, *values in rows:
        i = (on - start).days
        if i < 0:
            continue
        mood[i] = MOOD_SCORE.get(mood_value, np.nan)
        energy[i] = np.nan if energy_value is None else float(energy_value)
        for name, value in zip(INPUTS, values):
            inputs[name][i] = np.nan if value is None else float(value)
    events = [Event(kind, first, last or first) for kind, first, last in LifeEvent.objects.filter(
        user=user, start__lte=end).values_list("type", "start", "end").order_by("start", "id")
        if (last or first) >= start]
    return History(user_id=user.pk, joined=joined, start=start, inputs=inputs, mood=mood, energy=energy,
                   habits=_habit_days(user, profile.week_start, start, end, today), events=events)


def _habit_days(user, week_start: int, start: dt.date, end: dt.date, today: dt.date) -> list[HabitDays]:
    habits = list(Habit.objects.for_user(user).filter(start_date__lte=end).order_by("position", "id"))
    entries: dict[int, list[stats.Entry]] = {habit.pk: [] for habit in habits}
    for habit_id, on, status, value in Occurrence.objects.filter(
            habit__in=habits, on__lte=end).order_by("habit_id", "on").values_list("habit_id", "on", "status", "value"):
        entries[habit_id].append(stats.Entry(on=on, status=status, value=value))
    return [habit_days(habit.pk, habit.name, habit.schedule_spec(week_start), entries[habit.pk], start, end,
                       today, habit.measure) for habit in habits]


def habit_days(habit_id: int, name: str, schedule: stats.Schedule, entries: list[stats.Entry], start: dt.date,
               end: dt.date, today: dt.date, measure: stats.Measure | None = None) -> HabitDays:
    """One habit's days from its schedule and occurrences; strength from Loop's rule."""
    days = (end - start).days + 1
    expected = np.array([schedule.is_expected(start + dt.timedelta(days=i)) for i in range(days)], dtype=bool)
    done, skipped, closed = np.zeros(days, bool), np.zeros(days, bool), np.zeros(days, bool)
    for entry in entries:
        i = (entry.on - start).days
        if 0 <= i < days:
            done[i] = entry.status == stats.DONE
            skipped[i] = entry.status == stats.SKIPPED
            closed[i] = entry.status in CLOSED_STATUSES
    last = max((entry.on for entry in entries), default=None)
    if last is not None:  # a past day before the last record, without one of its own: not done
        closed |= np.arange(days) < min((today - start).days, (last - start).days + 1)
    strength = np.full(days, np.nan)
    through = min(end + dt.timedelta(days=1), today)
    for day, value in stats.strength_series(schedule, entries, through, measure):
        i = (day - start).days
        if 0 <= i < days:
            strength[i] = value
    per_week = schedule.times_per_week if schedule.kind == stats.PER_WEEK else None
    return HabitDays(habit_id=habit_id, name=name, expected=expected, done=done, skipped=skipped,
                     strength=strength, per_week=per_week, closed=closed & expected)
