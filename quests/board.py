"""What the quest pages show, read in a constant number of queries however many quests
a user has: the board's columns (each card with its progress and what it waits for),
and a quest page's objectives and neighbours."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from . import graph, progress
from .models import Quest

FINISHED_SHOWN = 20  # the latest done (and abandoned) quests on the board; the rest are counted
WORKING_SHOWN = 50  # the first open and active quests; "Show all" opens one column whole

S = Quest.Status


@dataclass
class Card:
    quest: Quest
    percent: int = 0
    waiting_for: list[Quest] = field(default_factory=list)
    first: bool = False  # first or last in its column: no "up" / "down" button
    last: bool = False

    @property
    def locked(self) -> bool:
        return bool(self.waiting_for) and not self.quest.is_finished

    @property
    def waiting_text(self) -> str:
        return ", ".join(quest.title for quest in self.waiting_for)


@dataclass
class Column:
    status: str
    label: str
    cards: list[Card]
    total: int

    @property
    def hidden(self) -> int:
        return self.total - len(self.cards)


def columns(user, *, whole: str | None = None) -> tuple[list[Column], Column]:
    """Open and Active (the first WORKING_SHOWN of each, or all of the `whole` one), Done
    (the latest FINISHED_SHOWN), and Abandoned (folded away)."""
    totals = dict(Quest.objects.filter(user=user).values_list("status").annotate(n=Count("id")).order_by())
    quests = Quest.objects.filter(user=user).select_related("category").defer("description", "objectives_text")

    def first(status: str) -> list[Quest]:
        ordered = quests.filter(status=status).order_by("position", "id")
        return list(ordered if status == whole else ordered[:WORKING_SHOWN])

    working = first(S.OPEN) + first(S.ACTIVE)
    done = list(quests.filter(status=S.DONE).order_by("-completed_at", "-id")[:FINISHED_SHOWN])
    abandoned = list(quests.filter(status=S.ABANDONED).order_by("-updated_at", "-id")[:FINISHED_SHOWN])
    percents = progress.percent_map([q.pk for q in working])
    waiting = graph.waiting_map(user)

    def column(status: str, members: list[Quest]) -> Column:
        cards = [
            Card(quest, 100 if quest.status == S.DONE else percents.get(quest.pk, 0), waiting.get(quest.pk, []))
            for quest in members
        ]
        total = totals.get(status, 0)
        if cards:  # the last shown is the column's last only when none is left out
            cards[0].first, cards[-1].last = True, len(cards) == total
        return Column(status, S(status).label, cards, total)

    board = [
        column(S.OPEN, [q for q in working if q.status == S.OPEN]),
        column(S.ACTIVE, [q for q in working if q.status == S.ACTIVE]),
        column(S.DONE, done),
    ]
    return board, column(S.ABANDONED, abandoned)


def siblings(quest: Quest):
    """The quests sharing its board column, in the column's order (for moving it)."""
    return Quest.objects.filter(user_id=quest.user_id, status=quest.status)


@dataclass
class QuestPage:
    quest: Quest
    objectives: list
    percent: int
    waiting_for: list[Quest]  # not done yet: it is locked while any is left
    depends_on: list[Quest]  # every quest it waits for, done or not
    dependents: list[Quest]

    @property
    def locked(self) -> bool:
        return bool(self.waiting_for) and not self.quest.is_finished

    @property
    def habit_fed(self) -> bool:
        return any(objective.kind != "manual" for objective in self.objectives)


def quest_page(quest: Quest) -> QuestPage:
    objectives = list(quest.objectives.select_related("habit"))
    depends_on = graph.depends_on(quest)
    return QuestPage(
        quest=quest,
        objectives=objectives,
        percent=progress.percent(objectives),
        waiting_for=[q for q in depends_on if q.status != S.DONE],
        depends_on=depends_on,
        dependents=graph.dependents(quest),
    )


def move(quest: Quest, direction: str) -> None:
    """Swap a quest with its neighbour above or below in its board column (positions only:
    no XP moves, nothing unlocks)."""
    ordered = list(siblings(quest).order_by("position", "id").only("id", "position"))
    index = next((i for i, item in enumerate(ordered) if item.pk == quest.pk), None)
    target = None if index is None else index - 1 if direction == "up" else index + 1
    if target is None or not 0 <= target < len(ordered):
        return
    this, other = ordered[index], ordered[target]
    if this.position != other.position:  # two rows swap their places
        this.position, other.position = other.position, this.position
        Quest.objects.bulk_update([this, other], ["position"])
        return
    ordered[index], ordered[target] = other, this  # tied places: number the column afresh
    changed = [item for position, item in enumerate(ordered) if item.position != position]
    for position, item in enumerate(ordered):
        item.position = position
    Quest.objects.bulk_update(changed, ["position"])
