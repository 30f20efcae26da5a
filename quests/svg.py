"""A quest's dependency graph as a small SVG drawn on the server (quests/_graph.html):
the quest in the middle row, what it waits for above (layered by the longest path, up to
DEPTH rows), what waits for it below. Each box links to its quest and carries its full
title in a <title>. Two queries, however large the user's graph."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.urls import reverse

from .models import Dependency, Quest

DEPTH = 3  # rows drawn above and below the quest
PER_ROW = 4  # boxes in a row; the rest are summed up in a "+N more" box
BOX_W, BOX_H = 150, 44
GAP_X, GAP_Y = 16, 40
PAD = 8
LABEL_CHARS = 19  # what fits in a box at 12 units a letter's height


@dataclass
class Box:
    x: int
    y: int
    label: str
    title: str  # the full text, for the <title> and screen readers
    url: str = ""
    state: str = "open"  # open, active, done, abandoned, locked, current, more
    pk: int | None = None
    w: int = BOX_W
    h: int = BOX_H

    @property
    def cx(self) -> int:
        return self.x + BOX_W // 2

    @property
    def text_y(self) -> int:
        return self.y + BOX_H // 2


@dataclass
class Graph:
    width: int = 0
    height: int = 0
    boxes: list[Box] = field(default_factory=list)
    edges: list[str] = field(default_factory=list)  # SVG path data, from prerequisite to dependent
    waits: int = 0  # quests drawn above (it waits for them, directly or not)
    unlocks: int = 0  # quests drawn below

    @property
    def empty(self) -> bool:
        return not self.waits and not self.unlocks


def draw(quest: Quest) -> Graph:
    """The graph around `quest`: its prerequisites above, its dependents below."""
    waits: dict[int, set[int]] = defaultdict(set)  # quest id -> ids it waits for
    unlocks: dict[int, set[int]] = defaultdict(set)  # quest id -> ids waiting for it
    for quest_id, depends_on_id in Dependency.objects.filter(quest__user_id=quest.user_id).values_list(
        "quest_id", "depends_on_id"
    ):
        waits[quest_id].add(depends_on_id)
        unlocks[depends_on_id].add(quest_id)
    above = _layers(quest.pk, waits)
    below = _layers(quest.pk, unlocks)
    ids = {quest.pk, *above, *below}
    quests = Quest.objects.filter(user_id=quest.user_id, pk__in=ids).only("id", "title", "status").in_bulk()
    statuses = {pk: q.status for pk, q in quests.items()}
    rows: dict[int, list[int]] = defaultdict(list)
    for pk, depth in above.items():
        rows[-depth].append(pk)
    for pk, depth in below.items():
        rows[depth].append(pk)
    rows[0] = [quest.pk]
    graph = Graph(waits=len(above), unlocks=len(below))
    order = sorted(rows)
    placed = _place(order, rows, quests, waits, statuses, quest.pk)
    graph.boxes = placed
    graph.width = max(_row_width(min(len(rows[r]), PER_ROW + 1)) for r in order)
    graph.height = len(order) * (BOX_H + GAP_Y) - GAP_Y + 2 * PAD
    _centre(graph)
    graph.edges = _edges(graph.boxes, waits)
    return graph


def _layers(start: int, edges: dict[int, set[int]]) -> dict[int, int]:
    """Every node reachable from `start` within DEPTH steps, with its longest distance
    (capped at DEPTH), so each edge points one way between rows."""
    depth: dict[int, int] = {}
    frontier = {start: 0}
    while frontier:
        following: dict[int, int] = {}
        for node, distance in frontier.items():
            for nxt in edges.get(node, ()):
                step = distance + 1
                if step > DEPTH or nxt == start:
                    continue
                if depth.get(nxt, 0) < step:
                    depth[nxt] = step
                    following[nxt] = step
        frontier = following
    return depth


def _row_width(count: int) -> int:
    return count * BOX_W + max(count - 1, 0) * GAP_X + 2 * PAD


def _state(pk: int, current: int, statuses: dict[int, str], waits: dict[int, set[int]]) -> str:
    if pk == current:
        return "current"
    status = statuses.get(pk, "open")
    if status in ("open", "active") and any(statuses.get(dep) != "done" for dep in waits.get(pk, ())):
        return "locked"
    return status


STATE_WORDS = {
    "open": "open", "active": "active", "done": "done", "abandoned": "abandoned",
    "locked": "locked", "current": "this quest",
}


def _place(order, rows, quests, waits, statuses, current: int) -> list[Box]:
    boxes: list[Box] = []
    for index, row in enumerate(order):
        members = sorted(rows[row], key=lambda pk: (quests[pk].title.lower(), pk) if pk in quests else ("", pk))
        members = [pk for pk in members if pk in quests]
        shown, hidden = members[:PER_ROW], members[PER_ROW:]
        y = PAD + index * (BOX_H + GAP_Y)
        for column, pk in enumerate(shown):
            quest = quests[pk]
            state = _state(pk, current, statuses, waits)
            boxes.append(Box(
                x=PAD + column * (BOX_W + GAP_X), y=y, label=_shorten(quest.title),
                title=f"{quest.title} ({STATE_WORDS[state]})", state=state, pk=pk,
                url="" if pk == current else reverse("quests:detail", args=[pk]),
            ))
        if hidden:
            more = f"+{len(hidden)} more"
            names = ", ".join(quests[pk].title for pk in hidden)
            boxes.append(Box(x=PAD + len(shown) * (BOX_W + GAP_X), y=y, label=more, title=f"{more}: {names}", state="more"))
    return boxes


def _centre(graph: Graph) -> None:
    """Centre each row in the widest one."""
    by_row: dict[int, list[Box]] = defaultdict(list)
    for box in graph.boxes:
        by_row[box.y].append(box)
    for boxes in by_row.values():
        shift = (graph.width - _row_width(len(boxes))) // 2
        for box in boxes:
            box.x += shift


def _edges(boxes: list[Box], waits: dict[int, set[int]]) -> list[str]:
    """A curve from each drawn prerequisite's bottom to its dependent's top."""
    at = {box.pk: box for box in boxes if box.pk is not None}
    paths = []
    for box in boxes:
        for dep in sorted(waits.get(box.pk, ()) if box.pk else ()):
            source = at.get(dep)
            if source is None or source.y >= box.y:
                continue
            x1, y1, x2, y2 = source.cx, source.y + BOX_H, box.cx, box.y - 3
            middle = (y1 + y2) // 2
            paths.append(f"M{x1} {y1} C{x1} {middle} {x2} {middle} {x2} {y2}")
    return paths


def _shorten(title: str) -> str:
    return title if len(title) <= LABEL_CHARS else title[: LABEL_CHARS - 1].rstrip() + "…"
