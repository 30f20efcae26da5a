"""Next up: the user's unlocked open and active quests ranked by one transparent score,
with the reasons shown ("due tomorrow · unlocks 2 quests"). The factors, each from 0 to 1,
and their weights are documented in docs/quests.md ("Next up"); the weights live in
WEIGHTS only, unless the user's learned ones beat them (quests.learned, weights_for)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.cache import cache

from . import graph
from .models import NextUpFit, Priority, Quest

WEIGHTS = {
    "due": 4.0,  # overdue 1 > today 0.8 > tomorrow 0.6 > later 0.4 × 2 ÷ days; no due date 0
    "priority": 2.0,  # low 0, medium ⅓, high ⅔, urgent 1
    "xp_per_minute": 1.0,  # r ÷ (r + 1) for r = XP ÷ effort minutes; no estimate 0
    "unlocks": 1.5,  # n ÷ (n + 2) for n quests waiting for it, directly or not
    "staleness": 0.5,  # days since it last changed, up to 30, ÷ 30
}
STALE_DAYS = 30  # staleness is full after this many days
STALE_REASON_DAYS = 7  # "untouched for 9 days" from this many
WEIGHTS_CACHED_SECONDS = 24 * 3600  # a user's weights; quests.learned.refit forgets them


@dataclass(frozen=True)
class Score:
    value: float
    reasons: list[str] = field(default_factory=list)
    factors: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " · ".join(self.reasons)


def score(quest: Quest, *, today: dt.date, unlocks: int, now: dt.datetime,
          weights: dict[str, float] | None = None) -> Score:
    """Σ weights[name] × factor (WEIGHTS unless given), each factor from 0 to 1; the
    reasons name the factors that count, whatever the weights."""
    factors = _factors(quest, today=today, unlocks=unlocks, now=now)
    return Score(_total(factors, weights or WEIGHTS), _reasons(quest, today=today, unlocks=unlocks, now=now), factors)


def next_up(user, *, today: dt.date, now: dt.datetime, limit: int = 10) -> list[tuple[Quest, Score]]:
    """The user's unlocked open and active quests, highest score first (then the earlier
    due date, then the older quest), by weights_for(user): four queries (five while the
    user's weights are not cached). Every quest is valued from the few columns the score
    reads; only the first `limit` are read whole, with their reasons."""
    weights = weights_for(user)
    valued = [(facts, _total(factors, weights)) for facts, factors in candidates(user, today=today, now=now)]
    valued.sort(key=lambda pair: (-pair[1], pair[0].due_date or dt.date.max, pair[0].pk))
    top = [facts for facts, _ in valued[:limit]]
    quests = Quest.objects.select_related("category").in_bulk([facts.pk for facts in top])
    return [(quests[facts.pk], score(quests[facts.pk], today=today, unlocks=facts.unlocks, now=now, weights=weights))
            for facts in top]


def candidates(user, *, today: dt.date, now: dt.datetime) -> list[tuple[_Scored, dict[str, float]]]:
    """The user's unlocked open and active quests, each with its factors (three queries)."""
    locked = graph.waiting_map(user)
    unlocks = graph.unlock_counts(user)
    rows = Quest.objects.filter(user=user, status__in=(Quest.Status.OPEN, Quest.Status.ACTIVE)).values_list(
        "pk", *_SCORED
    )
    found = []
    for pk, *values in rows:
        if pk not in locked:
            facts = _Scored(pk, *values, unlocks=unlocks.get(pk, 0))
            found.append((facts, _factors(facts, today=today, unlocks=facts.unlocks, now=now)))
    return found


def weights_for(user) -> dict[str, float]:
    """WEIGHTS, or the user's learned weights while they beat WEIGHTS (quests.learned):
    cached per user, one query when not."""
    key = weights_key(getattr(user, "pk", user))
    learned = cache.get(key)
    if learned is None:
        learned = NextUpFit.objects.filter(user=user, in_use=True).values_list("weights", flat=True).first() or {}
        cache.set(key, learned, WEIGHTS_CACHED_SECONDS)
    return learned if set(learned) == set(WEIGHTS) else WEIGHTS


def weights_key(user_id: int) -> str:
    return f"quests:next-up-weights:{user_id}"


_SCORED = ("due_date", "priority", "xp_reward", "effort_minutes", "updated_at", "created_at")


@dataclass(frozen=True)
class _Scored:
    """The columns a score reads, for valuing many quests without building them."""

    pk: int
    due_date: dt.date | None
    priority: int
    xp_reward: int
    effort_minutes: int | None
    updated_at: dt.datetime | None
    created_at: dt.datetime | None
    unlocks: int = 0  # unfinished quests waiting for it, directly or not


def _factors(quest: Quest | _Scored, *, today: dt.date, unlocks: int, now: dt.datetime) -> dict[str, float]:
    return {
        "due": due_factor(quest.due_date, today),
        "priority": (quest.priority - Priority.LOW) / (Priority.URGENT - Priority.LOW),
        "xp_per_minute": _saturating(quest.xp_reward / quest.effort_minutes, 1) if quest.effort_minutes else 0.0,
        "unlocks": _saturating(unlocks, 2),
        "staleness": min(_idle_days(quest, now), STALE_DAYS) / STALE_DAYS,
    }


def _total(factors: dict[str, float], weights: dict[str, float]) -> float:
    return round(sum(weights[name] * factor for name, factor in factors.items()), 4)


def due_factor(due_date: dt.date | None, today: dt.date) -> float:
    if due_date is None:
        return 0.0
    days = (due_date - today).days
    if days < 0:
        return 1.0
    if days == 0:
        return 0.8
    if days == 1:
        return 0.6
    return 0.4 * 2 / days


def due_text(due_date: dt.date, today: dt.date) -> str:
    days = (due_date - today).days
    if days < 0:
        return f"overdue by {_count(-days, 'day')}"
    if days == 0:
        return "due today"
    if days == 1:
        return "due tomorrow"
    return f"due in {days} days"


def _reasons(quest: Quest, *, today: dt.date, unlocks: int, now: dt.datetime) -> list[str]:
    reasons = []
    if quest.due_date is not None:
        reasons.append(due_text(quest.due_date, today))
    if unlocks:
        reasons.append(f"unlocks {_count(unlocks, 'quest')}")
    if quest.priority >= Priority.HIGH:
        reasons.append("urgent" if quest.priority == Priority.URGENT else "high priority")
    if quest.effort_minutes and quest.xp_reward >= quest.effort_minutes:
        reasons.append(f"{quest.xp_reward} XP for {quest.effort_minutes} min")
    idle = _idle_days(quest, now)
    if idle >= STALE_REASON_DAYS:
        reasons.append(f"untouched for {idle} days")
    return reasons


def _idle_days(quest: Quest | _Scored, now: dt.datetime) -> int:
    since = quest.updated_at or quest.created_at or now
    return max(0, (now - since).days)


def _saturating(amount: float, half: float) -> float:
    """0 at 0, ½ at `half`, towards 1 as it grows."""
    return amount / (amount + half) if amount > 0 else 0.0


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
