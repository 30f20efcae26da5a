"""Small words on the habit pages: the stepper buttons' labels and the streaks' unit."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from habits import recompute
from habits.models import Occurrence

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def labels(html: str) -> list[str]:
    return re.findall(r'class="step" aria-label="([^"]+)"', html)


def test_the_stepper_buttons_read_as_sentences(owner_client, make_habit, now):
    make_habit("Water", kind="at_least", target_value=Decimal(8), unit="glasses")
    make_habit("Stretch", kind="at_least", target_value=Decimal(5))
    html = owner_client.get("/").content.decode()
    assert labels(html) == ["Take 1 off Water (glasses)", "Add 1 to Water (glasses)", "Take 1 off Stretch", "Add 1 to Stretch"]
    assert "One less" not in html and "One more" not in html


@pytest.mark.parametrize(
    "fields,done_days,expected",
    [
        ({}, 2, ("2 days", "2 days")),
        ({}, 1, ("1 day", "1 day")),
        ({"schedule": "per_week", "times_per_week": 1}, 0, ("0 weeks", "0 weeks")),
    ],
)
def test_both_streaks_are_in_one_unit(owner_client, make_habit, now, fields, done_days, expected):
    habit = make_habit("Read", **fields)
    for days_ago in range(done_days):
        Occurrence.objects.create(habit=habit, on=TODAY - dt.timedelta(days=days_ago), status="done")
    recompute.refresh_stats(habit, TODAY)
    html = owner_client.get(f"/habits/{habit.pk}/").content.decode()
    current = re.search(r"<dt>Current streak</dt><dd>([^<]+)</dd>", html).group(1)
    longest = re.search(r"<dt>Longest streak</dt><dd>([^<]+)</dd>", html).group(1)
    assert (current, longest) == expected
