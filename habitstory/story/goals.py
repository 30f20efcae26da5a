"""The commit step for a goal's own changes (a manual entry, its settings or links, its
deletion): under the user's profile lock, then the goal's, goals settles it and returns
its completion transitions, gamification moves XP, achievements, level and pet, and the
news goes out after the transaction (habitstory.story.commit.finish)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from gamification import services as gamification
from gamification.pets import Activity
from goals import services as goal_services
from goals.models import Goal
from habits import today_list
from habits.models import Habit

from .commit import Outcome, finish, goal_changes, lock_user, reopened_goals, tell
from .facts import CommitFacts

Settle = Callable[[Goal, dt.date, dt.datetime], tuple[object, list[tuple[Goal, str]]]]


def commit_goal_entry(goal: Goal, amount, note: str = "", *, now: dt.datetime | None = None) -> Outcome:
    """A manual goal entry (+/−) with its consequences: completion, XP, achievements."""
    return _commit_goal(goal, lambda g, today, now: (None, goal_services.add_entry(g, amount, note, today=today, now=now)), now)


def commit_goal_change(goal: Goal, *, change: Callable[[Goal], object] | None = None,
                       now: dt.datetime | None = None) -> Outcome:
    """Change a goal's settings or links (`change(goal)`, run under the locks) and settle
    what follows: recompute it, complete or reopen it, move XP. outcome.result is what
    `change` returned."""

    def settle(locked: Goal, today: dt.date, now: dt.datetime):
        result = change(locked) if change else None
        return result, goal_services.refresh_goals([locked], now=now)

    return _commit_goal(goal, settle, now)


def commit_link(goal: Goal, habit: Habit, weight, *, now: dt.datetime | None = None) -> Outcome:
    """Link a habit to a goal (or change its weight); outcome.result is (link, created)."""
    return commit_goal_change(goal, change=lambda g: goal_services.link_habit(g, habit, weight), now=now)


def commit_unlink(goal: Goal, habit: Habit, *, now: dt.datetime | None = None) -> Outcome:
    """Unlink a habit (if linked); outcome.result says whether it was."""
    return commit_goal_change(goal, change=lambda g: goal_services.unlink_habit(g, habit), now=now)


def commit_goal_delete(goal: Goal, *, now: dt.datetime | None = None) -> Outcome:
    """Delete a goal; the XP its completion earned goes with it (otherwise completing and
    deleting goals would mint XP)."""

    def settle(locked: Goal, today: dt.date, now: dt.datetime):
        taken_back = [(locked, "deleted")] if locked.completed_at is not None else []
        goal_services.delete_goal(locked)
        return None, taken_back

    return _commit_goal(goal, settle, now, achievements=False)


def _commit_goal(goal: Goal, settle: Settle, now: dt.datetime | None, *, achievements: bool = True) -> Outcome:
    """Lock the user (profile) and the goal, let `settle(goal, today, now)` change it and
    return (result, transitions), then XP, achievements, level and pet; news after."""
    now = now or timezone.now()
    with transaction.atomic():
        profile = lock_user(goal.user_id)
        user = profile.user
        goal = goal_services.lock(goal)
        today = profile.local_today(now)
        result, transitions = settle(goal, today, now)
        completed = [goal for goal, what in transitions if what == "completed"]
        facts = CommitFacts(user, today, now, goal_completed=bool(completed)) if achievements else None
        activity = Activity(today, *today_list.week_activity(today_list.recent(user, today)))
        rewards = gamification.settle(profile, today, goals=goal_changes(transitions), facts=facts, activity=activity)
        outcome = Outcome(profile, rewards, goals_completed=completed, goals_reopened=reopened_goals(transitions), result=result)
        tell(outcome, now)
    finish(outcome)
    return outcome
