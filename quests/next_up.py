"""Next up: the user's unlocked open and active quests ranked by one transparent score,
with the reasons shown ("due tomorrow · unlocks 2 quests"). The factors, each from 0 to 1,
and their weights are documented in docs/quests.md ("Next up"); the weights live in
WEIGHTS only, so they can later be learned per user."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from . import graph
from .models import Priority, Quest

WEIGHTS = {
    "due": 4.0,  # overdue 1 > today 0.8 > tomorrow 0.6 > later 0.4 × 2 ÷ days; no due date 0
    "priority": 2.0,  # low 0, medium ⅓, high ⅔, urgent 1
    "xp_per_minute": 1.0,  # r ÷ (r + 1) for r = XP ÷ effort minutes; no estimate 0
    "unlocks": 1.5,  # n ÷ (n + 2) for n quests waiting for it, directly or not
    "staleness": 0.5,  # days since it last changed, up to 30, ÷ 30
}
STALE_DAYS = 30  # staleness is full after this many days
STALE_REASON_DAYS = 7  # "untouched for 9 days" from this many


@dataclass(frozen=True)
class Score:
    value: float
    reasons: list[str] = field(default_factory=list)
    factors: dict[str, float] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " · ".join(self.reasons)


def score(quest: Quest, *, today: dt.date, unlocks: int, now: dt.datetime) -> Score:
    """Σ WEIGHTS[name] × factor, each factor from 0 to 1; the reasons name the factors that count."""
    factors = _factors(quest, today=today, unlocks=unlocks, now=now)
    return Score(_total(factors), _reasons(quest, today=today, unlocks=unlocks, now=now), factors)


def next_up(user, *, today: dt.date, now: dt.datetime, limit: int = 10) -> list[tuple[Quest, Score]]:
    """The user's unlocked open and active quests, highest score first (then the earlier
    due date, then the older quest): four queries. Every quest is valued from the few
    columns the score reads; only the first `limit` are read whole, with their reasons."""
    locked = graph.waiting_map(user)
    unlocks = graph.unlock_counts(user)
    rows = Quest.objects.filter(user=user, status__in=(Quest.Status.OPEN, Quest.Status.ACTIVE)).values_list(
        "pk", *_SCORED
    )
    valued = []
    for pk, *values in rows:
        if pk not in locked:
            facts = _Scored(pk, *values)
            valued.append((facts, _total(_factors(facts, today=today, unlocks=unlocks.get(pk, 0), now=now))))
    valued.sort(key=lambda pair: (-pair[1], pair[0].due_date or dt.date.max, pair[0].pk))
    top = [facts.pk for facts, _ in valued[:limit]]
    quests = Quest.objects.select_related("category").in_bulk(top)
    return [(quests[pk], score(quests[pk], today=today, unlocks=unlocks.get(pk, 0), now=now)) for pk in top]


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


def _factors(quest: Quest | _Scored, *, today: dt.date, unlocks: int, now: dt.datetime) -> dict[str, float]:
    return {
        "due": due_factor(quest.due_date, today),
        "priority": (quest.priority - Priority.LOW) / (Priority.URGENT - Priority.LOW),
        "xp_per_minute": _saturating(quest.xp_reward / quest.effort_minutes, 1) if quest.effort_minutes else 0.0,
        "unlocks": _saturating(unlocks, 2),
        "staleness": min(_idle_days(quest, now), STALE_DAYS) / STALE_DAYS,
    }


def _total(factors: dict[str, float]) -> float:
    return round(sum(WEIGHTS[name] * factor for name, factor in factors.items()), 4)


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
