"""Achievement rules, checked inside the commit step from the facts the story layer hands
over (`Facts`): only the facts a still-locked rule asks for are computed. Unlocks are
never taken back."""

from __future__ import annotations

import uuid
from typing import Protocol

from django.core.cache import cache

from .models import LOCKED_VERSION_KEY, Achievement, UserAchievement, locked_key

LOCKED_SECONDS = 24 * 3600


class Facts(Protocol):
    """What the rules read about a commit and its user. The story layer provides them
    (habitstory.story.facts), each computed at most once and only when a rule asks."""

    ticked: bool  # a habit's day became done by a tick (done, a value, +)
    on_today: bool  # the changed day is the user's today
    streak: int  # the ticked habit's current streak (0 without a tick)
    local_hour: int  # the user's local hour now
    goal_completed: bool  # a goal was completed in this commit
    quest_completed: bool  # a quest was completed in this commit

    def total_ticks(self) -> int: ...
    def goals_completed(self) -> int: ...
    def quests_completed(self) -> int: ...  # the user's quests done now
    def quests_completed_today(self) -> int: ...  # those completed on the user's local today
    def perfect_day(self) -> bool: ...
    def perfect_week(self) -> bool: ...
    def pillar_averages(self) -> list[float]: ...


def check(user, facts: Facts, candidates: list[Achievement], *, level: int) -> list[Achievement]:
    """Unlock what this commit earned among the user's still-locked `candidates` (from
    `locked`); returns the new unlocks. The caller holds the user's profile lock, so
    nothing else unlocks for them meanwhile."""
    earned = [a for a in candidates if meets(a, facts, level)]
    if earned:
        # A cache may lag a change made elsewhere (another process's local cache, an admin
        # edit): what the database already has, or no longer offers, is not unlocked.
        still = set(
            Achievement.objects.filter(pk__in=[a.pk for a in earned], active=True)
            .exclude(unlocks__user=user).values_list("pk", flat=True)
        )
        earned = [a for a in earned if a.pk in still]
        UserAchievement.objects.bulk_create(UserAchievement(user=user, achievement=a) for a in earned)
    return earned


def locked(user_id: int, tag) -> list[Achievement]:
    """The active definitions this user has not unlocked: from the cache, or one query.

    The cached list is tagged with the user's profile as the commit that wrote it left it
    (its updated_at and XP): a commit reads it under the profile lock and trusts it only if
    the profile it locked carries the same tag, so a list written by a commit that rolled
    back (or by any change since) is never used. Any change to definitions outside the commit
    step makes every list stale (models.forget_locked)."""
    key = locked_key(user_id)
    found = cache.get_many([key, LOCKED_VERSION_KEY])
    entry = found.get(key)
    if entry is not None and entry[:2] == (found.get(LOCKED_VERSION_KEY), tag) and entry[0] is not None:
        return entry[2]
    return list(Achievement.objects.filter(active=True).exclude(unlocks__user_id=user_id))


def remember_locked(user_id: int, candidates: list[Achievement], tag) -> None:
    """Keep the user's still-locked definitions for their next commit (see `locked`)."""
    version = cache.get(LOCKED_VERSION_KEY)
    if version is None:
        cache.add(LOCKED_VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(LOCKED_VERSION_KEY)
    cache.set(locked_key(user_id), (version, tag, candidates), LOCKED_SECONDS)


def meets(achievement: Achievement, facts: Facts, level: int) -> bool:
    kind, threshold = achievement.kind, achievement.threshold
    if kind == Achievement.Kind.LEVEL:
        return level >= threshold
    if kind == Achievement.Kind.GOALS_COMPLETED:
        return facts.goal_completed and facts.goals_completed() >= threshold
    if kind == Achievement.Kind.QUESTS_COMPLETED:
        return facts.quest_completed and facts.quests_completed() >= threshold
    if kind == Achievement.Kind.QUESTS_IN_A_DAY:
        return facts.quest_completed and facts.quests_completed_today() >= threshold
    if kind == Achievement.Kind.PERFECT_DAY:
        # A change to today that leaves everything due done: a tick, or a skip of the last
        # open habit (skipped is neutral, as in Today's total).
        return facts.on_today and facts.perfect_day()
    if not facts.ticked:
        return False
    if kind == Achievement.Kind.FIRST_TICK:
        return facts.total_ticks() >= 1
    if kind == Achievement.Kind.TOTAL_TICKS:
        return facts.total_ticks() >= threshold
    if kind == Achievement.Kind.HABIT_STREAK:
        return facts.streak >= threshold
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
    Achievement.Kind.QUESTS_COMPLETED: "quests",
}  # the kinds with a progress bar, and the number each one counts


def progress(achievement: Achievement, facts: dict[str, int]) -> tuple[int, int] | None:
    """(current, threshold) for a locked achievement's progress bar, where it has one.
    `facts` holds the numbers PROGRESS_FACTS names (habitstory.story.facts.progress_facts
    reads them once for a whole page)."""
    current = PROGRESS_FACTS.get(achievement.kind)
    if current is None:
        return None
    return min(facts[current], achievement.threshold), achievement.threshold
