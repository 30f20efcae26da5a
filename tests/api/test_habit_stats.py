"""The statistics the habits endpoints answer with come from each habit's stored fold and
today's row (habits.current), and are those of the whole history."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from habits import recompute
from habits.models import Habit, Occurrence
from habitstory.api.schemas import stats_data

from .conftest import TODAY, make_habit

pytestmark = pytest.mark.django_db

URL = "/api/v1/habits"
ONE = dt.timedelta(days=1)
START = TODAY - 60 * ONE


def whole_history(habit: Habit) -> dict:
    """recompute.compute on the habit's whole history, as the API writes it."""
    habit = Habit.objects.select_related("user__profile").get(pk=habit.pk)
    rows = Occurrence.objects.filter(habit=habit).values_list("on", "status", "value")
    result = stats_data(recompute.compute(habit, TODAY, recompute.entries_of(rows)))
    return json.loads(json.dumps(result, cls=DjangoJSONEncoder))


@pytest.fixture
def history(owner, frozen) -> Habit:
    """60 days before today, folded through yesterday (as the day close leaves them)."""
    habit = make_habit(owner, start=START)
    Occurrence.objects.bulk_create(
        Occurrence(habit=habit, on=START + n * ONE, status="done" if n % 5 else "skipped") for n in range(60)
    )
    recompute.recompute_stats(Habit.objects.filter(pk=habit.pk))
    habit.refresh_from_db()
    assert habit.stats_through == TODAY - ONE
    return habit


def test_the_list_detail_and_stats_are_the_whole_historys(api, history):
    expected = whole_history(history)
    assert api.get(URL).json()["data"][0]["stats"] == expected
    assert api.get(f"{URL}/{history.pk}").json()["data"]["stats"] == expected
    assert api.get(f"{URL}/{history.pk}/stats").json()["data"] == expected


def test_a_folded_habit_is_read_with_todays_row_only(api, history):
    api.get(URL)  # the token's use is written once a minute
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"{URL}/{history.pk}/stats").status_code == 200
    rows = [q["sql"] for q in queries if "habits_occurrence" in q["sql"]]
    assert len(rows) == 1
    assert f"\"on\" > '{(TODAY - ONE).isoformat()}'" in rows[0]  # the days after the fold: today's


def test_a_fold_from_before_yesterday_is_carried_over_the_days_after_it(api, history, time_machine):
    """The next day, before the day close has carried the fold on: the fold and the two
    days after it, not the whole history."""
    time_machine.move_to(dt.datetime(2026, 3, 5, 12, tzinfo=dt.UTC), tick=False)
    inside = Occurrence.objects.get(habit=history, on=TODAY - 3 * ONE)
    assert inside.status == "done"
    with CaptureQueriesContext(connection) as queries:
        data = api.get(f"{URL}/{history.pk}/stats").json()["data"]
    rows = [q["sql"] for q in queries if "habits_occurrence" in q["sql"]]
    assert f"\"on\" > '{(TODAY - ONE).isoformat()}'" in rows[0]
    assert data["total_done"] == 48 and data["current_streak"] == 0  # yesterday was left open
    Occurrence.objects.filter(pk=inside.pk).update(status="skipped")  # a day inside the fold, behind its back
    assert api.get(f"{URL}/{history.pk}/stats").json()["data"] == data  # not read again


def test_todays_log_is_counted(api, history):
    api.put(f"{URL}/{history.pk}/log/{TODAY}", {"status": "done"})
    stats = api.get(f"{URL}/{history.pk}/stats").json()["data"]
    assert stats == whole_history(history)
    assert stats["last_done_on"] == TODAY.isoformat()


def test_logging_a_past_day_answers_with_the_new_statistics(api, history):
    """The day changed is inside the fold read before the commit: the answer is from the
    fold the commit wrote."""
    before = api.get(f"{URL}/{history.pk}/stats").json()["data"]
    answer = api.put(f"{URL}/{history.pk}/log/{TODAY - 2 * ONE}", {"status": "skipped"}).json()["data"]["stats"]
    assert answer == whole_history(history) != before
    assert api.get(f"{URL}/{history.pk}/stats").json()["data"] == answer
    undone = api.delete(f"{URL}/{history.pk}/log/{TODAY - 2 * ONE}").json()["data"]["stats"]
    assert undone == whole_history(history)


def test_paused_habits_are_computed_from_their_history(api, history):
    api.patch(f"{URL}/{history.pk}", {"status": "paused"})
    Occurrence.objects.filter(habit=history).update(status="done")  # behind the services' back
    assert api.get(URL).json()["data"][0]["stats"] == whole_history(history)
