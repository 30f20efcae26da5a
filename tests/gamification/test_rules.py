"""docs/rules.md: XP per tick and the level curve."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gamification import rules


@pytest.mark.parametrize(
    ("difficulty", "streak", "xp"),
    [
        ("easy", 0, 5), ("easy", 1, 5), ("easy", 7, 6),  # 5 × (1 + 0.5 × 7/21) = 5.833 → 6
        ("medium", 1, 10),  # 10 × (1 + 0.5/21) = 10.24 → 10
        ("medium", 11, 13),  # 10 × (1 + 5.5/21) = 12.62 → 13
        ("medium", 21, 15), ("medium", 100, 15),  # the multiplier stops at 21
        ("hard", 1, 20), ("hard", 21, 30),
        ("hard", 10, 25),  # 20 × (1 + 5/21) = 24.76 → 25
        ("easy", 21, 8),  # 7.5 rounds half up to 8
    ],
)
def test_tick_xp(difficulty, streak, xp):
    assert rules.tick_xp(difficulty, streak) == xp


@pytest.mark.parametrize(("level", "xp"), [(1, 150), (2, 160), (3, 170), (10, 260), (20, 440), (50, 1260)])
def test_xp_to_next_level(level, xp):
    # round((0.25 L² + 10 L + 139.75) / 10) × 10; L=50: (625 + 500 + 139.75)/10 = 126.475 → 126 → 1260
    assert rules.xp_to_next(level) == xp


@pytest.mark.parametrize(
    ("total", "expected"),
    [(0, (1, 0, 150)), (149, (1, 149, 150)), (150, (2, 0, 160)), (309, (2, 159, 160)), (310, (3, 0, 170)), (-20, (1, 0, 150))],
)
def test_level_for(total, expected):
    assert rules.level_for(total) == expected


@given(st.integers(min_value=0, max_value=500_000))
def test_level_for_is_the_curve(total):
    level, into, need = rules.level_for(total)
    spent = sum(rules.xp_to_next(n) for n in range(1, level))
    assert spent + into == total
    assert 0 <= into < need == rules.xp_to_next(level)


def test_the_top_level_keeps_whatever_xp_is_left():
    top = sum(rules.xp_to_next(n) for n in range(1, rules.MAX_LEVEL))
    assert rules.level_for(top - 1)[0] == rules.MAX_LEVEL - 1
    assert rules.level_for(top) == (rules.MAX_LEVEL, 0, rules.xp_to_next(rules.MAX_LEVEL))
    assert rules.level_for(top + 10**9) == (rules.MAX_LEVEL, 10**9, rules.xp_to_next(rules.MAX_LEVEL))


@pytest.mark.parametrize(("level", "stage"), [(1, "egg"), (2, "hatchling"), (4, "hatchling"), (5, "young"), (10, "adult"), (19, "adult"), (20, "legendary")])
def test_pet_stages(level, stage):
    assert rules.stage_for(level) == stage


@pytest.mark.parametrize(
    ("consistency", "idle", "mood"),
    [(80, 0, "thriving"), (79, 0, "happy"), (60, 1, "happy"), (40, 2, "okay"), (39, 0, "sad"), (100, 3, "sleepy"), (None, None, "sleepy"), (None, 0, "okay")],
)
def test_pet_moods(consistency, idle, mood):
    assert rules.mood_for(consistency, idle) == mood
