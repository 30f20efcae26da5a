"""The API's shapes. An input schema states every rule that one field (or one body) can
state, so the OpenAPI schema says what the server enforces: lengths from the models'
fields, characters from habitstory.core.text, ranges, a schedule's parts by its kind.
Rules that depend on stored data or on today (a pillar that is yours, a start date up to
a year ahead, a deadline on or after the start) stay on the models, forms and services,
whose errors are renamed to these field names (see HABIT_FIELDS)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal, Union

from ninja import Field, Schema
from pydantic import ConfigDict

from habits import stats
from habits.models import Habit, Occurrence, Pillar

from .envelope import Out
from .fields import Day, Label, Name, Text, TimeOfDay, amount

ScheduleKind = Literal["daily", "weekdays", "per_week", "every_n_days"]
HabitType = Literal["yes_no", "at_least", "at_most"]
Difficulty = Literal["easy", "medium", "hard"]
HabitStatus = Literal["active", "paused", "archived"]
LogStatus = Literal["done", "skipped"]
PillarIcon = Literal[tuple(["", *Pillar.Icon.values])]  # type: ignore[valid-type]

# Integers within what the database columns hold (a bigger number is a 400, not a crash).
SmallInt = Annotated[int, Field(ge=0, le=32767)]
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Weekday = Annotated[int, Field(ge=0, le=6)]

HabitName = Name(Habit, "name")
HabitNotes = Text(Habit, "notes")
HabitUnit = Label(Habit, "unit")
LogNote = Text(Occurrence, "note")
PillarName = Name(Pillar, "name")
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$", description="#rrggbb.")]

# Amounts are JSON numbers, rounded to 2 decimal places (half to even). The bounds hold
# before rounding; "more than 0" is more than 0.005, which rounds to at least 0.01.
HabitTarget = amount(
    above=Decimal("0.005"), most=Decimal("9999999.99"), description="More than 0, up to 9,999,999.99.",
    too_small="The target must be more than 0.", too_large="Enter a target up to 9,999,999.99.",
)
LogValue = amount(
    least=Decimal(0), most=Decimal(9999999), description="The measured amount, 0 to 9,999,999.",
    too_small="Enter a number from 0 to 9,999,999.", too_large="Enter a number from 0 to 9,999,999.",
)

# Model field → API field, for errors from Habit.full_clean and the services.
HABIT_FIELDS = {
    "weekdays": "schedule.days",
    "times_per_week": "schedule.times",
    "every_n_days": "schedule.n",
    "schedule": "schedule.kind",
    "kind": "type",
    "target_value": "target.value",
    "unit": "target.unit",
}


class Input(Schema):
    """Unknown fields are refused, so a typo never passes silently."""

    model_config = ConfigDict(extra="forbid")


# --- stats ----------------------------------------------------------------------------------


class Suggestion(Out):
    code: str
    message: str


class StatsOut(Out):
    current_streak: int
    longest_streak: int
    consistency: int | None = Field(description="0–100 over the last 30 days; null when nothing was expected.")
    strength: int = Field(description="0–100, round(100 × s) of the Loop-style habit score.")
    total_done: int
    total_skipped: int
    consecutive_misses: int
    last_done_on: dt.date | None
    at_risk: bool
    failure_rate: float | None = Field(description="0–1 over the last 30 expected days.")
    suggested_frequency: float | None = Field(description="Times per day, when a lower frequency is suggested.")
    suggestions: list[Suggestion]


# --- habits ---------------------------------------------------------------------------------


class DailySchedule(Out):
    kind: Literal["daily"]


class WeekdaysSchedule(Out):
    kind: Literal["weekdays"]
    days: list[int] = Field(description="0 = Monday … 6 = Sunday.")


class PerWeekSchedule(Out):
    kind: Literal["per_week"]
    times: int


class EveryNDaysSchedule(Out):
    kind: Literal["every_n_days"]
    n: int
    start: dt.date = Field(description="The habit's start date, from which the days are counted.")


ScheduleOut = Annotated[
    Union[DailySchedule, WeekdaysSchedule, PerWeekSchedule, EveryNDaysSchedule], Field(discriminator="kind")
]


class DailyIn(Input):
    kind: Literal["daily"]


class WeekdaysIn(Input):
    kind: Literal["weekdays"]
    days: list[Weekday] = Field(min_length=1, max_length=7, description="0 = Monday … 6 = Sunday.")


class PerWeekIn(Input):
    kind: Literal["per_week"]
    times: int = Field(ge=1, le=7)


class EveryNDaysIn(Input):
    kind: Literal["every_n_days"]
    n: int = Field(ge=1, le=32767)
    start: Day | None = Field(None, description="Sets the habit's start_date (the same rules).")


ScheduleIn = Annotated[Union[DailyIn, WeekdaysIn, PerWeekIn, EveryNDaysIn], Field(discriminator="kind")]


class Target(Out):
    value: Decimal
    unit: str


class TargetIn(Input):
    value: HabitTarget
    unit: HabitUnit = ""


# A measurable habit needs a target: the type left out (yes_no), yes_no, or a target.
NEEDS_TARGET = {
    "anyOf": [
        {"not": {"required": ["type"]}},
        {"properties": {"type": {"const": "yes_no"}}},
        {"required": ["target"], "properties": {"target": {"type": "object"}}},
    ]
}


class HabitOut(Out):
    id: int
    name: str
    pillar: int | None
    schedule: ScheduleOut
    type: HabitType
    target: Target | None
    difficulty: Difficulty
    priority: int
    reminder_time: str | None = Field(description="HH:MM, the user's local time.")
    timer_minutes: int | None
    requires_verification: bool
    status: HabitStatus
    start_date: dt.date
    notes: str
    created_at: dt.datetime
    stats: StatsOut


START_DATE = "From 1 January 2000 to a year from your local today."


class HabitIn(Input):
    name: HabitName
    pillar: Id | None = Field(None, description="One of your pillar ids (404 if not); null for unsorted.")
    schedule: ScheduleIn = Field(default_factory=lambda: DailyIn(kind="daily"))
    type: HabitType = "yes_no"
    target: TargetIn | None = Field(None, description="Required for at_least / at_most habits.")
    difficulty: Difficulty = "medium"
    priority: int = Field(2, ge=1, le=3, description="1 = high … 3 = low.")
    reminder_time: TimeOfDay | None = None
    timer_minutes: SmallInt | None = None
    requires_verification: bool = False
    status: HabitStatus = "active"
    start_date: Day | None = Field(None, description=f"Defaults to your local today. {START_DATE}")
    notes: HabitNotes = ""

    model_config = ConfigDict(extra="forbid", json_schema_extra=NEEDS_TARGET)


class HabitPatch(Input):
    """Only the fields sent change. `null` is accepted only where it means something
    (no pillar, no target, no reminder, no timer)."""

    name: HabitName = None  # type: ignore[assignment]
    pillar: Id | None = None
    schedule: ScheduleIn = None  # type: ignore[assignment]
    type: HabitType = None  # type: ignore[assignment]
    target: TargetIn | None = None
    difficulty: Difficulty = None  # type: ignore[assignment]
    priority: int = Field(None, ge=1, le=3)  # type: ignore[assignment]
    reminder_time: TimeOfDay | None = None
    timer_minutes: SmallInt | None = None
    requires_verification: bool = None  # type: ignore[assignment]
    status: HabitStatus = None  # type: ignore[assignment]
    start_date: Day = Field(None, description=START_DATE)  # type: ignore[assignment]
    notes: HabitNotes = None  # type: ignore[assignment]


# --- logs -----------------------------------------------------------------------------------


class LogIn(Input):
    status: LogStatus | None = Field(None, description="Optional when a value is sent for a measurable habit.")
    value: LogValue | None = None
    note: LogNote | None = None

    # A status or a value.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"anyOf": [
        {"required": ["status"], "properties": {"status": {"type": "string"}}},
        {"required": ["value"], "properties": {"value": {"type": "number"}}},
    ]})


class LogOut(Out):
    date: dt.date
    status: str = Field(description="done, skipped, missed, or open: scheduled, prompted, started.")
    value: Decimal | None
    note: str


class LogResult(Out):
    log: LogOut | None
    stats: StatsOut


class LogRange(Schema):
    from_: dt.date = Field(alias="from")
    to: dt.date
    logs: list[LogOut]

    model_config = ConfigDict(populate_by_name=True)


# --- pillars --------------------------------------------------------------------------------


class PillarOut(Out):
    id: int
    name: str
    color: str
    icon: str
    position: int


class PillarIn(Input):
    name: PillarName = Field(description="Unique among your pillars, ignoring case (409 if not).")
    color: Colour | None = Field(None, description="#rrggbb; a default colour when left out.")
    icon: PillarIcon = ""


class PillarPatch(Input):
    name: PillarName = None  # type: ignore[assignment]
    color: Colour = None  # type: ignore[assignment]
    icon: PillarIcon = None  # type: ignore[assignment]


# --- models → data --------------------------------------------------------------------------


def stats_data(result: stats.Stats) -> dict:
    return {
        "current_streak": result.current_streak,
        "longest_streak": result.longest_streak,
        "consistency": result.consistency,
        "strength": stats.round_half_up(100 * result.strength),
        "total_done": result.total_done,
        "total_skipped": result.total_skipped,
        "consecutive_misses": result.consecutive_misses,
        "last_done_on": result.last_done_on,
        "at_risk": result.at_risk,
        "failure_rate": result.failure_rate,
        "suggested_frequency": result.suggested_frequency,
        "suggestions": [{"code": code, "message": message} for code, message in result.suggestions],
    }


def schedule_data(habit: Habit) -> dict:
    if habit.schedule == Habit.Schedule.WEEKDAYS:
        return {"kind": habit.schedule, "days": sorted(habit.weekdays or [])}
    if habit.schedule == Habit.Schedule.PER_WEEK:
        return {"kind": habit.schedule, "times": habit.times_per_week}
    if habit.schedule == Habit.Schedule.EVERY_N_DAYS:
        return {"kind": habit.schedule, "n": habit.every_n_days, "start": habit.start_date}
    return {"kind": habit.schedule}


def habit_data(habit: Habit, result: stats.Stats) -> dict:
    return {
        "id": habit.pk,
        "name": habit.name,
        "pillar": habit.pillar_id,
        "schedule": schedule_data(habit),
        "type": habit.kind,
        "target": {"value": habit.target_value, "unit": habit.unit} if habit.is_measurable else None,
        "difficulty": habit.difficulty,
        "priority": habit.priority,
        "reminder_time": habit.reminder_time.strftime("%H:%M") if habit.reminder_time else None,
        "timer_minutes": habit.timer_minutes,
        "requires_verification": habit.requires_verification,
        "status": habit.status,
        "start_date": habit.start_date,
        "notes": habit.notes,
        "created_at": habit.created_at,
        "stats": stats_data(result),
    }


def log_data(occurrence: Occurrence | None) -> dict | None:
    if occurrence is None:
        return None
    return {"date": occurrence.on, "status": occurrence.status, "value": occurrence.value, "note": occurrence.note}


def pillar_data(pillar: Pillar) -> dict:
    return {"id": pillar.pk, "name": pillar.name, "color": pillar.color, "icon": pillar.icon, "position": pillar.position}


# --- rewards: XP, level, pet, achievements, leaderboard -------------------------------------


class PetSummary(Out):
    name: str
    species: str
    level: int
    stage: str
    mood: str


class MeOut(Out):
    xp: int = Field(description="Total XP (the sum of your ledger).")
    level: int
    xp_into_level: int = Field(description="XP earned since reaching `level`.")
    xp_for_next_level: int = Field(description="XP the step from `level` to `level + 1` takes.")
    today_xp: int = Field(description="XP earned on your local today.")
    pet: PetSummary
    pooled_learning: bool = Field(description="Whether your check-ins help train the pooled model, which "
                                  "forecasts for you until you have 60 labelled days (PATCH /me).")


class PetEventOut(Out):
    kind: str = Field(description="hatched, level_up, stage or mood.")
    detail: str
    created_at: dt.datetime


class PetOut(Out):
    name: str
    species: str
    xp: int
    level: int
    stage: str
    mood: str
    created_at: dt.datetime
    history: list[PetEventOut] = Field(description="The 20 most recent events, newest first.")


class AchievementProgress(Out):
    current: int
    threshold: int


class AchievementOut(Out):
    code: str
    name: str
    description: str
    icon: str
    kind: str
    threshold: int
    xp_reward: int
    unlocked: bool
    unlocked_at: dt.datetime | None
    progress: AchievementProgress | None = Field(description="For a locked achievement whose rule can be counted.")


class LeaderboardRow(Out):
    rank: int = Field(description="Ties share a rank: 1, 2, 2, 4.")
    name: str = Field(description="The player's display name, or “Player #id”.")
    xp: int = Field(description="XP earned this week.")
    is_you: bool


class LeaderboardYou(Out):
    rank: int = Field(description="One more than the listed players with more XP, listed or not.")
    xp: int
    listed: bool = Field(description="Whether you are among `rows`.")
    opted_in: bool = Field(description="Whether you show on leaderboards (your profile's setting).")
    name: str


class LeaderboardOut(Out):
    scope: str
    start: dt.date = Field(description="The first day of your current week.")
    end: dt.date
    rows: list[LeaderboardRow] = Field(description="The top 50 who opted in and earned XP this week.")
    you: LeaderboardYou


class XPEventOut(Out):
    id: int
    on: dt.date = Field(description="Your local day of the event.")
    amount: int = Field(description="Negative for a compensating entry (an undo, a reopened goal).")
    reason: str
    source: str
    created_at: dt.datetime


class XPEventRange(Schema):
    from_: dt.date = Field(alias="from")
    to: dt.date
    total: int = Field(description="The sum of the amounts in the range.")
    events: list[XPEventOut]

    model_config = ConfigDict(populate_by_name=True)
