"""Dependencies between a user's quests: `quest` waits for `depends_on`. The graph stays
acyclic (an edge that would close a cycle is refused, nothing saved), and a quest is
locked while any quest it waits for is not done (docs/quests.md, "Dependencies")."""

from __future__ import annotations

from collections import defaultdict, deque

from django.db import IntegrityError, transaction

from habitstory.accounts.models import Profile

from .errors import DependencyCycle, QuestError
from .models import Dependency, Quest

DONE = Quest.Status.DONE
FINISHED = (Quest.Status.DONE, Quest.Status.ABANDONED)


def add_dependency(quest: Quest, depends_on: Quest) -> Dependency:
    """Make `quest` wait for `depends_on`. Another user's quest is a Quest.DoesNotExist
    (a 404 for callers); the same quest, an edge already there or one closing a cycle is
    a QuestError (DependencyCycle names the cycle). The user's profile row is locked
    first, so two edges added at once cannot close a cycle between them."""
    if depends_on.user_id != quest.user_id:
        raise Quest.DoesNotExist("No such quest.")
    if depends_on.pk == quest.pk:
        raise QuestError("A quest cannot wait for itself.", "self_dependency")
    with transaction.atomic():
        list(Profile.objects.select_for_update().filter(user_id=quest.user_id).values_list("pk", flat=True))
        edges = _edges(quest.user_id)
        if depends_on.pk in edges.get(quest.pk, ()):
            raise QuestError(f"This quest already waits for {depends_on.title}.", "dependency_exists")
        path = _path(edges, depends_on.pk, quest.pk)
        if path is not None:
            raise DependencyCycle(_quests_in_order([quest.pk, *path]))
        try:
            with transaction.atomic():
                return Dependency.objects.create(quest=quest, depends_on=depends_on)
        except IntegrityError:  # a quest deleted meanwhile, or the same edge by a racing call
            raise QuestError(f"This quest already waits for {depends_on.title}.", "dependency_exists") from None


def remove_dependency(quest: Quest, depends_on: Quest) -> bool:
    """Stop `quest` waiting for `depends_on`; says whether it did."""
    deleted, _ = Dependency.objects.filter(quest=quest, depends_on=depends_on).delete()
    return bool(deleted)


def waiting_for(quest: Quest) -> list[Quest]:
    """The quests this one waits for that are not done (abandoned ones still block)."""
    return list(Quest.objects.filter(dependents__quest=quest).exclude(status=DONE).order_by("title", "id"))


def is_locked(quest: Quest) -> bool:
    return Dependency.objects.filter(quest=quest).exclude(depends_on__status=DONE).exists()


def depends_on(quest: Quest) -> list[Quest]:
    """Every quest this one waits for, done or not."""
    return list(Quest.objects.filter(dependents__quest=quest).order_by("title", "id"))


def dependents(quest: Quest) -> list[Quest]:
    """The quests that wait for this one."""
    return list(Quest.objects.filter(dependencies__depends_on=quest).order_by("title", "id"))


def waiting_map(user) -> dict[int, list[Quest]]:
    """For a board: each locked quest's id → the quests it waits for (one query)."""
    rows = (
        Dependency.objects.filter(quest__user=user).exclude(depends_on__status=DONE)
        .select_related("depends_on").order_by("depends_on__title", "depends_on_id")
    )
    waiting: dict[int, list[Quest]] = defaultdict(list)
    for row in rows:
        waiting[row.quest_id].append(row.depends_on)
    return dict(waiting)


def unlock_counts(user) -> dict[int, int]:
    """Each quest's id → how many unfinished quests wait for it, directly or through
    others (one query; quests nothing waits for are left out)."""
    rows = Dependency.objects.filter(quest__user=user).values_list("quest_id", "depends_on_id", "quest__status")
    waited_by: dict[int, set[int]] = defaultdict(set)
    unfinished: set[int] = set()
    for quest_id, depends_on_id, status in rows:
        waited_by[depends_on_id].add(quest_id)
        if status not in FINISHED:
            unfinished.add(quest_id)
    counts = {}
    for quest_id in waited_by:
        count = len(_reachable(waited_by, quest_id) & unfinished)
        if count:
            counts[quest_id] = count
    return counts


def newly_unlocked(quest: Quest) -> list[Quest]:
    """After `quest` is done: the unfinished quests that waited for it and now wait for
    nothing (two queries)."""
    waiting = list(
        Quest.objects.filter(dependencies__depends_on=quest).exclude(status__in=FINISHED).order_by("position", "id")
    )
    if not waiting:
        return []
    still_locked = set(
        Dependency.objects.filter(quest__in=waiting).exclude(depends_on__status=DONE).values_list("quest_id", flat=True)
    )
    return [dependent for dependent in waiting if dependent.pk not in still_locked]


def _edges(user_id: int) -> dict[int, set[int]]:
    """The user's graph: quest id → the ids it waits for."""
    edges: dict[int, set[int]] = defaultdict(set)
    for quest_id, depends_on_id in Dependency.objects.filter(quest__user_id=user_id).values_list(
        "quest_id", "depends_on_id"
    ):
        edges[quest_id].add(depends_on_id)
    return edges


def _path(edges: dict[int, set[int]], start: int, goal: int) -> list[int] | None:
    """The shortest path of ids from start to goal along the edges (breadth first)."""
    came_from: dict[int, int | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = []
            while node is not None:
                path.append(node)
                node = came_from[node]
            return path[::-1]
        for following in sorted(edges.get(node, ())):
            if following not in came_from:
                came_from[following] = node
                queue.append(following)
    return None


def _reachable(edges: dict[int, set[int]], start: int) -> set[int]:
    seen: set[int] = set()
    stack = list(edges.get(start, ()))
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges.get(node, ()))
    return seen


def _quests_in_order(ids: list[int]) -> list[Quest]:
    by_id = Quest.objects.in_bulk(set(ids))
    return [by_id[quest_id] for quest_id in ids]
