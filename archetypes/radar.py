"""The result page's radar chart: the user's trait scores drawn over the archetype's
profile, as plain numbers for a server-drawn SVG (archetypes/templates/archetypes/
_radar.html). No queries; colours are CSS classes.

Like the other charts (habits/charts.py, goals/charts.py) it carries a <title>, a <desc>
in words and its numbers again in a table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 400, 300
CENTRE_X, CENTRE_Y = 200, 150
RADIUS = 100
LABEL_RADIUS = 114
RINGS = (25, 50, 75, 100)
NEUTRAL = 50.0  # a trait the quiz or the profile does not mention (archetypes.scoring)


@dataclass(frozen=True)
class Axis:
    name: str
    x: float  # the spoke's outer end
    y: float
    label_x: float
    label_y: float
    anchor: str  # SVG text-anchor: start, middle or end
    baseline: float  # dy, so labels above the centre sit above their spoke's end


@dataclass(frozen=True)
class Row:
    name: str
    yours: int
    theirs: int


@dataclass(frozen=True)
class Radar:
    width: int
    height: int
    centre_x: int
    centre_y: int
    rings: list[str]  # polygon points, innermost first
    axes: list[Axis]
    yours: str  # polygon points
    theirs: str
    dots: list[tuple[float, float]]  # the user's scores, one dot per trait
    title: str
    desc: str
    rows: list[Row]


def _clamp(score: float | None) -> float:
    if score is None:
        return NEUTRAL
    return min(100.0, max(0.0, float(score)))


def _angle(index: int, count: int) -> float:
    """Clockwise from twelve o'clock."""
    return -math.pi / 2 + 2 * math.pi * index / count


def _point(index: int, count: int, score: float) -> tuple[float, float]:
    angle = _angle(index, count)
    distance = RADIUS * score / 100
    return round(CENTRE_X + distance * math.cos(angle), 1), round(CENTRE_Y + distance * math.sin(angle), 1)


def _points(values: Sequence[float]) -> str:
    count = len(values)
    return " ".join(f"{x},{y}" for x, y in (_point(i, count, value) for i, value in enumerate(values)))


def _axis(index: int, count: int, name: str) -> Axis:
    angle = _angle(index, count)
    cos, sin = math.cos(angle), math.sin(angle)
    x, y = _point(index, count, 100)
    anchor = "middle" if abs(cos) < 0.2 else ("start" if cos > 0 else "end")
    baseline = -2 if sin < -0.2 else (12 if sin > 0.2 else 4)
    return Axis(
        name=name, x=x, y=y,
        label_x=round(CENTRE_X + LABEL_RADIUS * cos, 1), label_y=round(CENTRE_Y + LABEL_RADIUS * sin, 1),
        anchor=anchor, baseline=baseline,
    )


def _listing(rows: Sequence[Row], attribute: str) -> str:
    return ", ".join(f"{row.name} {getattr(row, attribute)}" for row in rows)


def draw(
    traits: Sequence[tuple[str, str]], scores: Mapping[str, float], profile: Mapping[str, float], *, archetype: str
) -> Radar:
    """`traits`: (slug, name) in the quiz's order; `scores` and `profile`: slug → 0-100
    (a trait missing from either counts as 50, as in scoring)."""
    yours = [_clamp(scores.get(slug)) for slug, _ in traits]
    theirs = [_clamp(profile.get(slug)) for slug, _ in traits]
    rows = [Row(name, round(mine), round(target)) for (_, name), mine, target in zip(traits, yours, theirs)]
    count = len(traits)
    title = f"Your traits next to the {archetype}’s profile"
    if count == 0:
        desc = "No traits to show."
    else:
        desc = (f"Scores from 0 to 100. Yours: {_listing(rows, 'yours')}. "
                f"The {archetype}’s: {_listing(rows, 'theirs')}.")
    return Radar(
        width=WIDTH, height=HEIGHT, centre_x=CENTRE_X, centre_y=CENTRE_Y,
        rings=[_points([ring] * count) for ring in RINGS] if count else [],
        axes=[_axis(i, count, name) for i, (_, name) in enumerate(traits)],
        yours=_points(yours), theirs=_points(theirs),
        dots=[_point(i, count, value) for i, value in enumerate(yours)],
        title=title, desc=desc, rows=rows,
    )
