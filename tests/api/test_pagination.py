"""Cursor pagination (habitstory.api.pagination) on the habits and goals lists: pages in
order with nothing skipped or repeated, `meta.next` null on the last page, a limit and
its bounds, a cursor that was altered or made for another list refused, and keyset
filters that hold across empty (null) sort columns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import F
from django.utils import timezone

from goals.models import Goal
from habits.models import Habit
from habitstory.api import pagination
from habitstory.api.pagination import Key, Order, paginate
from habitstory.api.routers.goals import GOAL_ORDER

from .conftest import make_habit

pytestmark = pytest.mark.django_db


def pages(api, url: str) -> list[list[dict]]:
    """Every page of a list, following meta.next."""
    result, cursor = [], None
    while True:
        separator = "&" if "?" in url else "?"
        response = api.get(url + (f"{separator}cursor={cursor}" if cursor else ""))
        assert response.status_code == 200, response.content
        body = response.json()
        result.append(body["data"])
        cursor = body["meta"]["next"]
        if cursor is None:
            return result


def error_fields(response) -> set[str]:
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    return set(response.json()["error"]["details"])


# --- habits -----------------------------------------------------------------------------------


def test_it_pages_the_habits_in_their_order(api, owner, frozen):
    made = [make_habit(owner, name=f"Habit {i}") for i in range(7)]
    Habit.objects.filter(pk=made[0].pk).update(position=99)  # moved to the end
    found = pages(api, "/api/v1/habits?limit=3")
    assert [len(page) for page in found] == [3, 3, 1]
    names = [habit["name"] for page in found for habit in page]
    assert names == [f"Habit {i}" for i in range(1, 7)] + ["Habit 0"]


def test_one_page_has_no_next(api, owner, frozen):
    make_habit(owner)
    body = api.get("/api/v1/habits").json()
    assert body["meta"]["next"] is None
    assert set(body["meta"]) == {"timestamp", "version", "next"}


def test_a_page_exactly_full_has_no_next(api, owner, frozen):
    for i in range(3):
        make_habit(owner, name=f"Habit {i}")
    assert pages(api, "/api/v1/habits?limit=3") == [api.get("/api/v1/habits").json()["data"]]


def test_the_default_limit_is_50(api, owner, frozen):
    Habit.objects.bulk_create(
        [Habit(user=owner, name=f"Habit {i}", start_date=dt.date(2026, 2, 1), position=i) for i in range(51)]
    )
    body = api.get("/api/v1/habits").json()
    assert len(body["data"]) == pagination.DEFAULT_LIMIT == 50
    assert body["meta"]["next"]
    last = api.get(f"/api/v1/habits?cursor={body['meta']['next']}").json()
    assert [habit["name"] for habit in last["data"]] == ["Habit 50"] and last["meta"]["next"] is None


def test_a_filter_keeps_with_the_cursor(api, owner, frozen):
    for i in range(4):
        make_habit(owner, name=f"Active {i}")
        make_habit(owner, name=f"Paused {i}", status="paused")
    names = [h["name"] for page in pages(api, "/api/v1/habits?status=paused&limit=3") for h in page]
    assert names == [f"Paused {i}" for i in range(4)]


def test_a_habit_added_between_pages_is_neither_skipped_nor_repeated(api, owner, frozen):
    for i in range(4):
        make_habit(owner, name=f"Habit {i}")
    first = api.get("/api/v1/habits?limit=2").json()
    make_habit(owner, name="Late")  # at the end of the order
    Habit.objects.filter(name="Habit 0").delete()  # on the page already read
    rest = [h["name"] for h in api.get(f"/api/v1/habits?limit=10&cursor={first['meta']['next']}").json()["data"]]
    assert [h["name"] for h in first["data"]] + rest == ["Habit 0", "Habit 1", "Habit 2", "Habit 3", "Late"]


@pytest.mark.parametrize("limit", ["0", "201", "-1", "ten"])
def test_a_limit_out_of_bounds_is_refused(api, frozen, limit):
    assert error_fields(api.get(f"/api/v1/habits?limit={limit}")) == {"limit"}


def test_the_largest_limit_is_taken(api, owner, frozen):
    make_habit(owner)
    assert api.get(f"/api/v1/habits?limit={pagination.MAX_LIMIT}").status_code == 200


def test_an_altered_cursor_is_refused(api, owner, frozen):
    for i in range(3):
        make_habit(owner, name=f"Habit {i}")
    cursor = api.get("/api/v1/habits?limit=1").json()["meta"]["next"]
    tampered = ("A" if cursor[0] != "A" else "B") + cursor[1:]
    response = api.get(f"/api/v1/habits?cursor={tampered}")
    assert error_fields(response) == {"cursor"}
    assert "meta.next" in response.json()["error"]["details"]["cursor"][0]


@pytest.mark.parametrize("cursor", ["x", "abc:def", "a" * 501, "%00", "..:.."])
def test_a_made_up_cursor_is_refused(api, frozen, cursor):
    assert error_fields(api.get(f"/api/v1/habits?cursor={cursor}")) == {"cursor"}


def test_a_goals_cursor_does_not_page_the_habits(api, owner, frozen):
    for i in range(2):
        Goal.objects.create(user=owner, name=f"Goal {i}", target_value=10, start_date=dt.date(2026, 3, 1))
    cursor = api.get("/api/v1/goals?limit=1").json()["meta"]["next"]
    assert error_fields(api.get(f"/api/v1/habits?cursor={cursor}")) == {"cursor"}


def test_paging_takes_a_fixed_number_of_queries(api, owner, frozen, django_assert_max_num_queries):
    for i in range(12):
        make_habit(owner, name=f"Habit {i}")
    cursor = api.get("/api/v1/habits?limit=5").json()["meta"]["next"]
    with django_assert_max_num_queries(4):
        assert len(api.get(f"/api/v1/habits?limit=5&cursor={cursor}").json()["data"]) == 5


# --- goals: an order over columns that can be empty -------------------------------------------


def test_it_pages_the_goals_open_first_then_by_deadline(api, owner, frozen):
    start = dt.date(2026, 3, 1)
    done_at = timezone.now()

    def goal(name, deadline=None, completed_at=None):
        return Goal.objects.create(user=owner, name=name, target_value=Decimal(10), start_date=start,
                                   deadline=deadline, completed_at=completed_at)

    goal("Open, no deadline")
    goal("Open, May", dt.date(2026, 5, 1))
    goal("Open, April", dt.date(2026, 4, 1))
    goal("Open, April too", dt.date(2026, 4, 1))
    goal("Done, no deadline", completed_at=done_at)
    goal("Done, June", dt.date(2026, 6, 1), completed_at=done_at - dt.timedelta(days=1))
    everything = [g["name"] for g in api.get("/api/v1/goals?limit=200").json()["data"]]
    assert everything == ["Open, April", "Open, April too", "Open, May", "Open, no deadline",
                          "Done, June", "Done, no deadline"]
    for limit in (1, 2, 4):
        found = pages(api, f"/api/v1/goals?limit={limit}")
        assert [g["name"] for page in found for g in page] == everything


def test_the_goals_status_filter_pages_too(api, owner, frozen):
    for i in range(3):
        Goal.objects.create(user=owner, name=f"Goal {i}", target_value=10, start_date=dt.date(2026, 3, 1))
    found = pages(api, "/api/v1/goals?status=open&limit=2")
    assert [g["name"] for page in found for g in page] == ["Goal 0", "Goal 1", "Goal 2"]


# --- the keyset itself ------------------------------------------------------------------------


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("nulls", ["first", "last"])
def test_every_split_of_a_nullable_order_gives_the_rest(owner, descending, nulls):
    """Each page boundary over a column with empty values and ties continues exactly
    with what the full ordering has after it."""
    start = dt.date(2026, 3, 1)
    for index, deadline in enumerate([None, 5, None, 3, 5, 1, None, 3]):
        Goal.objects.create(user=owner, name=f"Goal {index}", target_value=1, start_date=start,
                            deadline=start + dt.timedelta(days=deadline) if deadline is not None else None)
    order = Order("test", Key("deadline", descending=descending, nulls=nulls), Key("id", descending=descending))
    everything = [goal.pk for goal in paginate(Goal.objects.all(), order, None, 100).items]
    assert len(everything) == 8
    for size in range(1, 8):
        seen, cursor = [], None
        while True:
            page = paginate(Goal.objects.all(), order, cursor, size)
            seen += [goal.pk for goal in page.items]
            if page.next is None:
                break
            cursor = page.next
        assert seen == everything


def test_the_goals_order_is_the_one_the_list_used(owner):
    assert [key.field for key in GOAL_ORDER.keys] == ["completed_at", "deadline", "id"]


def test_an_order_is_read_from_a_sorted_queryset(owner):
    sorted_goals = Goal.objects.order_by(F("deadline").asc(nulls_last=True), "-id")
    order = Order.of(sorted_goals, "test", casts={"id": "bigint"})
    assert order.keys == (Key("deadline", nulls="last"), Key("id", descending=True, cast="bigint"))
    with pytest.raises(ValueError):
        Order.of(Goal.objects.order_by(F("deadline") + 1), "test")
