"""The arithmetic of docs/rules.md: XP per tick, the level curve, pet stages and moods.
Pure functions; gamification.services applies them."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from fractions import Fraction
from itertools import accumulate

from habitstory.core.numbers import round_half_up

BASE_XP = {"easy": 5, "medium": 10, "hard": 20}
STREAK_CAP = 21
GOAL_XP = 100
REVIEW_XP = 2  # a peer review of someone's proof
REVIEW_XP_DAILY_CAP = 20  # reviews earn at most this much a day
PET_STAGES = [(20, "legendary"), (10, "adult"), (5, "young"), (2, "hatchling"), (1, "egg")]
MAX_LEVEL = 999


def tick_xp(difficulty: str, streak_after: int) -> int:
    """base × (1 + 0.5 × min(streak, 21) ÷ 21), rounded half up; the streak after this tick."""
    base = BASE_XP[difficulty]
    return round_half_up(base * (1 + Fraction(1, 2) * min(streak_after, STREAK_CAP) / STREAK_CAP))


def earns_xp(on: dt.date, today: dt.date) -> bool:
    """Only a tick for today or yesterday earns XP; backfilled history does not."""
    return today - dt.timedelta(days=1) <= on <= today


def quest_xp(reward: int, *, late: bool) -> int:
    """A quest's own reward; completed late, half of it, rounded up (docs/rules.md, "Quests")."""
    return -(-reward // 2) if late else reward


def quest_is_late(due_date: dt.date | None, due_time: dt.time | None, completed_on: dt.date,
                  completed_local: dt.datetime) -> bool:
    """Completed after it was due: after its due day (`completed_on`, the user's local
    day), or, when it has a due time, after that wall time on the due date in the user's
    zone (`completed_local`). No due date: never late."""
    if due_date is None:
        return False
    if due_time is None:
        return completed_on > due_date
    return completed_local.replace(tzinfo=None) > dt.datetime.combine(due_date, due_time)


def verification_bonus(tick_xp: int) -> int:
    """An approved proof's bonus: half of its tick's XP, rounded half up."""
    return (max(tick_xp, 0) + 1) // 2


def xp_to_next(level: int) -> int:
    """XP from level L to L + 1: round((0.25 L² + 10 L + 139.75) ÷ 10) × 10 (150 from 1 to 2)."""
    return round_half_up((Fraction(level * level, 4) + 10 * level + Fraction(13975, 100)) / 10) * 10


def level_for(xp: int) -> tuple[int, int, int]:
    """(level, XP into that level, XP the next level needs) for a total."""
    ups = bisect_right(_LEVEL_TOTALS, max(0, xp))  # the levels after 1 whose total the XP reaches
    return 1 + ups, max(0, xp) - (_LEVEL_TOTALS[ups - 1] if ups else 0), _XP_TO_NEXT[ups]


# Worked out once (a profile's level is asked for on every page and in every commit): the
# XP from each level to the next (index L - 1), and the total XP that reaches each level
# from 2 to MAX_LEVEL.
_XP_TO_NEXT = [xp_to_next(level) for level in range(1, MAX_LEVEL + 1)]
_LEVEL_TOTALS = list(accumulate(_XP_TO_NEXT[:-1]))


def stage_for(level: int) -> str:
    return next(stage for threshold, stage in PET_STAGES if level >= threshold)


NEW_PET_AGE = dt.timedelta(days=3)  # a pet this young keeps the calm "new" mood
SLEEPY_AFTER_DAYS = 3


def mood_for(consistency: int | None, days_since_activity: int | None, *, new: bool = False) -> str:
    """docs/rules.md, "Pet": "new" while the pet is younger than NEW_PET_AGE; then sleepy
    after 3 days without a done habit (or none ever); then by the last 7 days'
    consistency (none expected: okay)."""
    if new:
        return "new"
    if days_since_activity is None or days_since_activity >= SLEEPY_AFTER_DAYS:
        return "sleepy"
    if consistency is None:
        return "okay"
    if consistency >= 80:
        return "thriving"
    if consistency >= 60:
        return "happy"
    if consistency >= 40:
        return "okay"
    return "sad"
