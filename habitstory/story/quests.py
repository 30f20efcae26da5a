"""The commit step for a quest's own changes (start, complete, reopen, abandon; an
objective ticked; its fields edited; its deletion): under the user's profile lock, then
the quest's, quests.services applies the change and returns its transitions, gamification
moves XP (the quest's reward, or back), achievements, level and pet, and the news goes out
after the transaction (habitstory.story.commit.finish). Views and the API call these for
anything that can move XP or unlock a quest; what moves neither (creating a quest, its
dependencies, templates, attachments) goes to quests.services directly."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gamification import services as gamification
from gamification.pets import Activity
from habits import today_list
from quests import services as quest_services
from quests.models import Quest
from quests.services import Transition

from .commit import Outcome, finish, lock_user, quest_changes, quest_outcome, tell
from .facts import CommitFacts

ACTIONS = ("start", "complete", "reopen", "abandon")
Change = Callable[[Quest, dt.date, dt.datetime], tuple[object, list[Transition]]]


def commit_quest(quest: Quest, action: str, *, now: dt.datetime | None = None) -> Outcome:
    """One of ACTIONS on a quest and everything that follows: its XP once per completion
    (taken back when it is reopened, or abandoned after it was done), the quests it
    unlocks, achievements. `quest` may be a reference, Quest(pk=…, user=…): it is read
    under the lock as the user's own (Quest.DoesNotExist otherwise). Completing a done
    quest again changes nothing (a double tap, two tabs)."""
    if action not in ACTIONS:
        raise ValidationError({"action": f"Unknown action {action!r}."})
    act = getattr(quest_services, action)
    return _commit_quest(quest, lambda locked, today, now: (None, act(locked, today=today, now=now)), now)


def commit_objective(quest: Quest, objective_id: int, done: bool, *, now: dt.datetime | None = None) -> Outcome:
    """Tick (or untick) a manual objective: the quest may complete (or ask to, by the
    user's setting)."""

    def change(locked: Quest, today: dt.date, now: dt.datetime):
        return None, quest_services.set_objective(locked, objective_id, done, today=today, now=now)

    return _commit_quest(quest, change, now)


def commit_quest_update(quest: Quest, *, now: dt.datetime | None = None, **fields) -> Outcome:
    """Edit a quest (quests.services.update_quest's fields; `objectives` replaces them):
    its progress is recomputed, so it may complete. outcome.result is the quest."""

    def change(locked: Quest, today: dt.date, now: dt.datetime):
        return locked, quest_services.update_quest(locked, today=today, now=now, **fields)

    return _commit_quest(quest, change, now)


def commit_quest_delete(quest: Quest, *, now: dt.datetime | None = None) -> Outcome:
    """Delete a quest (its edges and files go with it); the XP its completion earned goes
    back, otherwise completing and deleting quests would mint XP. The quests that waited
    only for it unlock."""
    return _commit_quest(quest, lambda locked, today, now: (None, quest_services.delete_quest(locked)), now,
                         achievements=False)


def _commit_quest(quest: Quest, change: Change, now: dt.datetime | None, *, achievements: bool = True) -> Outcome:
    """Lock the user (profile) and the quest, let `change(quest, today, now)` apply the
    change and return (result, transitions), then XP, achievements, level and pet; news
    after the transaction."""
    now = now or timezone.now()
    with transaction.atomic():
        profile = lock_user(quest.user_id)
        user = profile.user
        quest = quest_services.lock(quest)
        today = profile.local_today(now)
        result, transitions = change(quest, today, now)
        lists = quest_outcome(transitions)
        facts = CommitFacts(user, today, now, quest_completed=bool(lists["quests_completed"])) if achievements else None
        activity = Activity(today, *today_list.week_activity(today_list.recent(user, today)))
        rewards = gamification.settle(profile, today, quests=quest_changes(transitions, profile, now),
                                      facts=facts, activity=activity)
        outcome = Outcome(profile, rewards, result=result, **lists)
        tell(outcome, now)
    finish(outcome)
    return outcome
