"""The result page's radar chart (archetypes/radar.py): pure geometry and words."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archetypes import radar

TRAITS = [("discipline", "Discipline"), ("curiosity", "Curiosity"), ("vitality", "Vitality"),
          ("sociability", "Sociability"), ("creativity", "Creativity")]


def points(text: str) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in text.split()]


def distance_from_centre(point: tuple[float, float]) -> float:
    return math.hypot(point[0] - radar.CENTRE_X, point[1] - radar.CENTRE_Y)


def test_the_first_trait_points_straight_up_and_the_rest_go_clockwise():
    chart = radar.draw(TRAITS, {slug: 100 for slug, _ in TRAITS}, {}, archetype="Sage")
    first, second = points(chart.yours)[:2]
    assert first == (radar.CENTRE_X, radar.CENTRE_Y - radar.RADIUS)
    assert second[0] > radar.CENTRE_X  # to the right: clockwise
    assert [axis.anchor for axis in chart.axes] == ["middle", "start", "start", "end", "end"]


def test_scores_are_distances_from_the_centre_and_a_missing_trait_is_50():
    chart = radar.draw(TRAITS, {"discipline": 25, "curiosity": 0}, {"discipline": 80}, archetype="Sage")
    yours = [round(distance_from_centre(p)) for p in points(chart.yours)]
    theirs = [round(distance_from_centre(p)) for p in points(chart.theirs)]
    assert yours == [25, 0, 50, 50, 50]
    assert theirs == [80, 50, 50, 50, 50]
    rows = [(row.name, row.yours, row.theirs) for row in chart.rows]
    assert rows[:2] == [("Discipline", 25, 80), ("Curiosity", 0, 50)]


def test_the_rings_mark_25_50_75_and_100():
    chart = radar.draw(TRAITS, {}, {}, archetype="Sage")
    assert [round(distance_from_centre(points(ring)[0])) for ring in chart.rings] == [25, 50, 75, 100]


def test_the_words_say_every_number():
    chart = radar.draw(TRAITS[:3], {"discipline": 72.4, "curiosity": 40, "vitality": 9.5}, {"discipline": 80},
                       archetype="Ranger")
    assert chart.title == "Your traits next to the Ranger’s profile"
    assert chart.desc == ("Scores from 0 to 100. Yours: Discipline 72, Curiosity 40, Vitality 10. "
                          "The Ranger’s: Discipline 80, Curiosity 50, Vitality 50.")


def test_no_traits_draws_an_empty_chart():
    chart = radar.draw([], {}, {}, archetype="Sage")
    assert chart.rings == [] and chart.yours == "" and chart.desc == "No traits to show."


@given(st.dictionaries(st.sampled_from([slug for slug, _ in TRAITS]),
                       st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)))
def test_any_score_stays_inside_the_chart(scores):
    chart = radar.draw(TRAITS, scores, scores, archetype="Sage")
    for point in points(chart.yours) + points(chart.theirs):
        assert distance_from_centre(point) <= radar.RADIUS + 0.2
    assert all(0 <= row.yours <= 100 for row in chart.rows)


@pytest.mark.parametrize("count", [3, 4, 5, 6, 8])
def test_labels_stay_inside_the_view_box(count):
    traits = [(f"t{n}", "Sociability") for n in range(count)]  # the longest seeded name
    chart = radar.draw(traits, {}, {}, archetype="Sage")
    width = 11 * 7  # "Sociability" at 12 px, generously
    for axis in chart.axes:
        left = axis.label_x - (width if axis.anchor == "end" else width / 2 if axis.anchor == "middle" else 0)
        assert 0 <= left and left + width <= radar.WIDTH
        assert 0 <= axis.label_y + axis.baseline - 12 and axis.label_y + axis.baseline <= radar.HEIGHT
