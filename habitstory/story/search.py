"""The navigation's search box: one query string, the user's habits and goals by name and
their quests by full text (quests.search), in three groups. It reads three domains, so it
lives in the story layer. docs/quests.md, "Search"."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import F, Q

from goals.models import Goal
from habits.models import Habit
from quests.models import Quest
from quests.search import clean
from quests.search import search as search_quests

LIMIT = 8  # results a group shows; the quests' group links to the quest search for more
_WORD = re.compile(r"[^\W_]+")


@dataclass
class Found:
    q: str
    habits: list[Habit] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    quests: list[Quest] = field(default_factory=list)
    more_quests: bool = False  # more quests match than the group shows

    @property
    def empty(self) -> bool:
        return not (self.habits or self.goals or self.quests)


def _named(words: list[str]) -> Q:
    """Every word somewhere in the name."""
    condition = Q()
    for word in words:
        condition &= Q(name__icontains=word)
    return condition


def find(user, q: str, *, limit: int = LIMIT) -> Found:
    """The user's habits (not deleted) and goals whose name has every word of `q`, and
    their quests matching `q`: three queries, none without a word to look for."""
    q = clean(q)
    words = _WORD.findall(q)
    if not words:
        return Found(q)
    habits = Habit.objects.for_user(user).filter(_named(words)).order_by("name", "id")[:limit]
    goals = Goal.objects.filter(user=user).filter(_named(words)).order_by(F("completed_at").asc(nulls_first=True), "name", "id")[:limit]
    quests = list(search_quests(user, q)[: limit + 1])
    return Found(q, list(habits), list(goals), quests[:limit], more_quests=len(quests) > limit)
