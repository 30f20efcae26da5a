"""Achievement rules, checked inside the commit step from the facts the story layer hands
over (`Facts`): only the facts a still-locked rule asks for are computed. Unlocks are
never taken back."""

from __future__ import annotations

from typing import Protocol

from .models import Achievement, UserAchievement


class Facts(Protocol):
    """What the rules read about a commit and its user. The story layer provides them
    (habitstory.story.facts), each computed at most once and only when a rule asks."""

    ticked: bool  # a habit's day became done by a tick (done, a value, +)
    on_today: bool  # the changed day is the user's today
    streak: int  # the ticked habit's current streak (0 without a tick)
    local_hour: int  # the user's local hour now
    goal_completed: bool  # a goal was completed in this commit

    def total_ticks(self) -> int: ...
    def goals_completed(self) -> int: ...
    def perfect_day(self) -> bool: ...
    def perfect_week(self) -> bool: ...
    def pillar_averages(self) -> list[float]: ...


def check(user, facts: Facts, *, level: int) -> list[Achievement]:
    """Unlock what this commit earned; returns the new unlocks."""
    # What is still locked for this user, in one query.
    candidates = list(Achievement.objects.filter(active=True).exclude(unlocks__user=user))
    if not candidates:
        return []
    earned = [a for a in candidates if meets(a, facts, level)]
    # The commit holds the user's profile lock, so nothing else unlocks for them meanwhile.
    UserAchievement.objects.bulk_create(UserAchievement(user=user, achievement=a) for a in earned)
    return earned


def meets(achievement: Achievement, facts: Facts, level: int) -> bool:
    kind, threshold = achievement.kind, achievement.threshold
    if kind == Achievement.Kind.LEVEL:
        return level >= threshold
    if kind == Achievement.Kind.GOALS_COMPLETED:
        return facts.goal_completed and facts.goals_completed() >= threshold
    if not facts.ticked:
        return False
    if kind == Achievement.Kind.FIRST_TICK:
        return facts.total_ticks() >= 1
    if kind == Achievement.Kind.TOTAL_TICKS:
        return facts.total_ticks() >= threshold
    if kind == Achievement.Kind.HABIT_STREAK:
        return facts.streak >= threshold
    if kind == Achievement.Kind.PERFECT_DAY:
        return facts.on_today and facts.perfect_day()
    if kind == Achievement.Kind.PERFECT_WEEK:
        return facts.on_today and facts.perfect_week()
    if kind == Achievement.Kind.PILLAR_BALANCE:
        averages = facts.pillar_averages()
        return len(averages) >= 2 and all(avg >= threshold for avg in averages)
    if kind == Achievement.Kind.EARLY_BIRD:
        return facts.on_today and facts.local_hour < threshold
    return False


PROGRESS_FACTS = {
    Achievement.Kind.TOTAL_TICKS: "ticks",
    Achievement.Kind.FIRST_TICK: "ticks",
    Achievement.Kind.HABIT_STREAK: "best_streak",
    Achievement.Kind.LEVEL: "level",
    Achievement.Kind.GOALS_COMPLETED: "goals",
}  # the kinds with a progress bar, and the number each one counts


def progress(achievement: Achievement, facts: dict[str, int]) -> tuple[int, int] | None:
    """(current, threshold) for a locked achievement's progress bar, where it has one.
    `facts` holds the numbers PROGRESS_FACTS names (habitstory.story.facts.progress_facts
    reads them once for a whole page)."""
    current = PROGRESS_FACTS.get(achievement.kind)
    if current is None:
        return None
    return min(facts[current], achievement.threshold), achievement.threshold
