"""The Goals pages: list, create, edit, delete, the goal page, links and entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from habitstory.story.commit import commit
from habitstory.story.goals import commit_goal_entry
from goals.models import Goal, GoalEntry, GoalHabit

from .conftest import TODAY, days_ago

pytestmark = pytest.mark.django_db


def form_data(**overrides):
    data = {
        "name": "Run 100 km",
        "description": "Before the spring race.",
        "target_value": "100",
        "unit": "km",
        "start_date": TODAY.isoformat(),
        "deadline": (TODAY + dt.timedelta(days=60)).isoformat(),
    }
    data.update(overrides)
    return data


# --- create, edit, delete -----------------------------------------------------------------------


def test_the_new_goal_form_starts_today_in_the_users_time_zone(owner_client, owner, now):
    owner.profile.timezone = "Pacific/Auckland"  # already 24 Nov there
    owner.profile.save()
    response = owner_client.get("/goals/new/")
    assert response.status_code == 200
    assert 'value="2026-11-24"' in response.content.decode()


def test_it_creates_a_goal(owner_client, owner, now):
    response = owner_client.post("/goals/new/", form_data(start_date=days_ago(3).isoformat()))
    goal = Goal.objects.get(user=owner)
    assert response.status_code == 302 and response["Location"] == f"/goals/{goal.pk}/"
    assert (goal.name, goal.target_value, goal.unit, goal.start_date, goal.deadline) == (
        "Run 100 km", Decimal(100), "km", days_ago(3), TODAY + dt.timedelta(days=60),
    )
    assert goal.current_value == 0 and goal.completed_at is None


def test_a_goal_needs_no_deadline(owner_client, owner, now):
    owner_client.post("/goals/new/", form_data(deadline="", unit=""))
    assert Goal.objects.get(user=owner).deadline is None


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "   "}, "name", "required"),
        ({"target_value": "0"}, "target_value", "more than 0"),
        ({"target_value": "-5"}, "target_value", "more than 0"),
        ({"target_value": ""}, "target_value", "required"),
        ({"target_value": "lots"}, "target_value", "Enter a number"),
        ({"deadline": days_ago(1).isoformat()}, "deadline", "on or after the start date"),
        ({"start_date": ""}, "start_date", "required"),
        ({"start_date": "1999-12-31"}, "start_date", "between 1 January 2000"),
        ({"deadline": "soon"}, "deadline", "Enter a valid date"),
    ],
)
def test_bad_input_names_the_field_keeps_what_was_typed_and_saves_nothing(
    owner_client, now, overrides, field, message
):
    data = form_data(**{"name": "Typed name", "unit": "typed-unit", **overrides})
    response = owner_client.post("/goals/new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    assert message in " ".join(errors[field])
    html = response.content.decode()
    assert 'value="typed-unit"' in html
    if field != "name":
        assert 'value="Typed name"' in html
    label = str(response.context["form"][field].label)
    assert f'">{label}</a>:' in html  # the summary names the field
    assert 'aria-invalid="true"' in html
    assert not Goal.objects.exists()


def test_a_deadline_on_the_start_day_is_fine(owner_client, owner, now):
    owner_client.post("/goals/new/", form_data(deadline=TODAY.isoformat()))
    assert Goal.objects.get(user=owner).deadline == TODAY


def test_it_edits_a_goal(owner_client, make_goal, now):
    goal = make_goal()
    response = owner_client.get(f"/goals/{goal.pk}/edit/")
    assert 'value="Run 100 km"' in response.content.decode()
    response = owner_client.post(f"/goals/{goal.pk}/edit/", form_data(name="Run 200 km", target_value="200"))
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.name, goal.target_value) == ("Run 200 km", Decimal(200))


def test_a_bad_edit_saves_nothing(owner_client, make_goal, now):
    goal = make_goal()
    response = owner_client.post(f"/goals/{goal.pk}/edit/", form_data(name="", target_value="0"))
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "target_value"}
    assert "Edit “Run 100 km”" in response.content.decode()
    goal.refresh_from_db()
    assert (goal.name, goal.target_value) == ("Run 100 km", Decimal(100))


def test_it_deletes_a_goal(owner_client, owner, make_goal, make_habit, link, now):
    goal = make_goal()
    habit = make_habit()
    link(goal, habit)
    commit_goal_entry(goal, 5)
    page = owner_client.get(f"/goals/{goal.pk}/").content.decode()
    assert f'action="/goals/{goal.pk}/delete/"' in page and "data-confirm=" in page
    response = owner_client.post(f"/goals/{goal.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/goals/"
    assert not Goal.objects.exists() and not GoalHabit.objects.exists() and not GoalEntry.objects.exists()
    habit.refresh_from_db()
    assert habit.deleted_at is None


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_is_empty_at_first(owner_client, now):
    response = owner_client.get("/goals/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "No goals yet" in html and 'href="/goals/new/"' in html


def test_the_list_shows_open_goals_first_with_progress_and_pace(owner_client, owner, stranger, make_goal, now):
    done = make_goal("Read 3 books", target_value=Decimal(3))
    commit_goal_entry(done, 3)
    later = make_goal("Save 500", target_value=Decimal(500), unit="€", deadline=TODAY + dt.timedelta(days=50))
    soon = make_goal("Run 100 km", unit="km", start_date=days_ago(9), deadline=days_ago(9) + dt.timedelta(days=19))
    commit_goal_entry(soon, 50)  # 50 by day 10 of 20, the plan is 50
    loose = make_goal("Meditate", target_value=Decimal(30))
    make_goal("Not mine", user=stranger)

    response = owner_client.get("/goals/")
    html = response.content.decode()
    assert [s.goal.pk for s in response.context["open_goals"]] == [soon.pk, later.pk, loose.pk]
    assert [s.goal.pk for s in response.context["completed_goals"]] == [done.pk]
    positions = [html.index(name) for name in ("Run 100 km", "Save 500", "Meditate", "Read 3 books")]
    assert positions == sorted(positions)
    assert "Not mine" not in html
    assert "<strong>50</strong> / 100 km · 50%" in html
    assert 'aria-valuenow="50"' in html and 'width="50"' in html
    assert "On track" in html and "No deadline" in html
    assert "Completed <time" in html
    assert f'href="/goals/{soon.pk}/"' in html


# --- the goal page -------------------------------------------------------------------------------


def test_the_goal_page_shows_progress_links_entries_pace_and_chart(
    owner_client, make_goal, make_habit, link, now
):
    goal = make_goal(start_date=days_ago(9), deadline=days_ago(9) + dt.timedelta(days=19), unit="km")
    run = make_habit("Run", kind="at_least", target_value=Decimal(3), unit="km")
    link(goal, run, 1)
    commit(run, days_ago(2), "value", value="5")
    commit_goal_entry(goal, Decimal(20), "Trail race")
    html = owner_client.get(f"/goals/{goal.pk}/").content.decode()
    assert "In progress" in html
    assert '<strong class="big-number">25</strong>' in html and "/ 100 km" in html
    assert "Weight 1 · <strong>5</strong> km so far" in html
    assert "+20" in html and "Trail race" in html
    assert "Behind" in html  # 25 by day 10 of 20, the plan is 50
    assert 'role="img"' in html and "<title id=\"goal-chart-title\">" in html and "<desc" in html
    assert 'class="goal-chart-target"' in html and 'class="goal-chart-deadline"' in html
    assert "<caption>" in html
    assert "style=" not in html and "<script>" not in html


def test_the_goal_page_offers_only_the_users_live_habits(owner_client, stranger, make_goal, make_habit, now):
    goal = make_goal()
    make_habit("Mine")
    gone = make_habit("Gone")
    owner_client.post(f"/habits/{gone.pk}/delete/")
    make_habit("Theirs", user=stranger)
    html = owner_client.get(f"/goals/{goal.pk}/").content.decode()
    assert ">Mine</option>" in html
    assert ">Gone</option>" not in html and ">Theirs</option>" not in html


def test_link_errors_show_on_the_goal_page(owner_client, make_goal, make_habit, now):
    goal, habit = make_goal(), make_habit()
    for weight, message in (("0", "more than 0"), ("-1", "more than 0"), ("", "required")):
        response = owner_client.post(f"/goals/{goal.pk}/links/", {"habit": habit.pk, "weight": weight})
        assert response.status_code == 200
        assert message in " ".join(response.context["link_form"].errors["weight"])
    response = owner_client.post(f"/goals/{goal.pk}/links/", {"habit": "", "weight": "1"})
    assert "habit" in response.context["link_form"].errors
    assert not GoalHabit.objects.exists()


def test_entry_errors_keep_what_was_typed(owner_client, make_goal, now):
    goal = make_goal()
    response = owner_client.post(f"/goals/{goal.pk}/entries/", {"amount": "0", "note": "typed note"})
    assert response.status_code == 200
    assert "other than 0" in " ".join(response.context["entry_form"].errors["amount"])  # the service's rule
    assert 'value="typed note"' in response.content.decode()
    response = owner_client.post(f"/goals/{goal.pk}/entries/", {"amount": "many", "note": ""})
    assert "amount" in response.context["entry_form"].errors
    assert not GoalEntry.objects.exists()


def goal_with_habits(make_goal, make_habit, link, habits: int) -> Goal:
    """A goal fed by `habits` habits (yes/no and measurable), each done 5 times, and entries."""
    goal = make_goal(f"Goal with {habits}", deadline=TODAY + dt.timedelta(days=30))
    for i in range(habits):
        measurable = {"kind": "at_least", "target_value": Decimal(2), "unit": "km"} if i % 2 else {}
        habit = make_habit(f"H{habits}-{i}", **measurable)
        link(goal, habit, i + 1)
        for n in range(1, 6):
            commit(habit, days_ago(n), "done")
        GoalEntry.objects.create(goal=goal, amount=Decimal(i + 1), on=days_ago(i))
    return goal


def test_the_goal_page_runs_a_constant_number_of_queries(
    owner_client, make_goal, make_habit, link, now, django_assert_max_num_queries
):
    one = goal_with_habits(make_goal, make_habit, link, 1)
    five = goal_with_habits(make_goal, make_habit, link, 5)
    owner_client.get(f"/goals/{one.pk}/")  # warm: the session, the profile
    with CaptureQueriesContext(connection) as queries:
        assert owner_client.get(f"/goals/{one.pk}/").status_code == 200
    assert len(queries) <= 10
    with django_assert_max_num_queries(len(queries)):
        response = owner_client.get(f"/goals/{five.pk}/")
    assert response.status_code == 200 and len(response.context["links"]) == 5


# --- another user's goal or habit, and the wrong method ---------------------------------------------


def goal_urls(pk: int, habit_pk: int):
    return [
        ("get", f"/goals/{pk}/"),
        ("get", f"/goals/{pk}/edit/"),
        ("post", f"/goals/{pk}/edit/"),
        ("post", f"/goals/{pk}/delete/"),
        ("post", f"/goals/{pk}/links/"),
        ("post", f"/goals/{pk}/links/{habit_pk}/remove/"),
        ("post", f"/goals/{pk}/entries/"),
    ]


def test_another_users_goal_is_a_404_everywhere(owner_client, stranger, make_goal, make_habit, link, now):
    theirs = make_goal("Theirs", user=stranger)
    their_habit = make_habit("Their habit", user=stranger)
    link(theirs, their_habit)
    for method, url in goal_urls(theirs.pk, their_habit.pk):
        data = {"habit": their_habit.pk, "weight": "1", "amount": "5", **form_data()}
        response = owner_client.post(url, data) if method == "post" else owner_client.get(url)
        assert response.status_code == 404, (method, url)
    theirs.refresh_from_db()
    assert (theirs.name, theirs.current_value) == ("Theirs", 0)
    assert GoalHabit.objects.filter(goal=theirs).count() == 1 and not GoalEntry.objects.exists()


def test_linking_another_users_habit_is_a_404(owner_client, stranger, make_goal, make_habit, now):
    goal = make_goal()
    theirs = make_habit("Their habit", user=stranger)
    response = owner_client.post(f"/goals/{goal.pk}/links/", {"habit": theirs.pk, "weight": "1"})
    assert response.status_code == 404
    assert not GoalHabit.objects.exists()


def test_linking_a_deleted_habit_is_a_404(owner_client, make_goal, make_habit, now):
    goal, habit = make_goal(), make_habit()
    owner_client.post(f"/habits/{habit.pk}/delete/")
    assert owner_client.post(f"/goals/{goal.pk}/links/", {"habit": habit.pk, "weight": "1"}).status_code == 404


def test_removing_a_habit_that_is_not_linked_is_a_404(owner_client, make_goal, make_habit, now):
    goal, habit = make_goal(), make_habit()
    assert owner_client.post(f"/goals/{goal.pk}/links/{habit.pk}/remove/").status_code == 404


def test_changes_are_post_only(owner_client, make_goal, make_habit, link, now):
    goal, habit = make_goal(), make_habit()
    link(goal, habit)
    base = f"/goals/{goal.pk}"
    for url in (f"{base}/delete/", f"{base}/links/", f"{base}/links/{habit.pk}/remove/", f"{base}/entries/"):
        assert owner_client.get(url).status_code == 405, url
    for url in ("/goals/", f"/goals/{goal.pk}/"):
        assert owner_client.post(url).status_code == 405, url
    assert Goal.objects.filter(pk=goal.pk).exists() and goal.links.count() == 1


def test_the_pages_need_a_login(client, make_goal, now):
    goal = make_goal()
    for url in ("/goals/", "/goals/new/", f"/goals/{goal.pk}/", f"/goals/{goal.pk}/edit/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_forms_carry_a_csrf_token(owner_client, make_goal, make_habit, link, now):
    goal = make_goal()
    link(goal, make_habit())
    html = owner_client.get(f"/goals/{goal.pk}/").content.decode()
    assert html.count('name="csrfmiddlewaretoken"') == html.count('method="post"') >= 5


@pytest.mark.parametrize(
    "fields",
    [
        {"start_date": TODAY + dt.timedelta(days=10)},  # not started yet
        {"start_date": TODAY},  # started today, a single point
        {"start_date": dt.date(2000, 1, 1), "deadline": TODAY + dt.timedelta(days=3650)},  # a long one
        {"start_date": days_ago(40), "deadline": days_ago(5)},  # overdue
        {"target_value": Decimal("0.01")},
    ],
)
def test_the_goal_page_draws_any_shape_of_goal(owner_client, make_goal, fields, now):
    goal = make_goal(**fields)
    commit_goal_entry(goal, Decimal("-3"))
    response = owner_client.get(f"/goals/{goal.pk}/")
    assert response.status_code == 200
    chart = response.context["chart"]
    points = [tuple(map(float, pair.split(","))) for pair in chart.line.split()]
    points.append((chart.dot["x"], chart.dot["y"]))
    for x, y in points:  # everything inside the plot, however long, short, late or negative
        assert chart.plot_left <= x <= chart.plot_right and chart.plot_top <= y <= chart.plot_bottom
    assert len(chart.line.split()) <= 320


def test_the_edit_form_does_not_write_progress(owner_client, make_goal, now):
    goal = make_goal(target_value=Decimal(10))
    commit_goal_entry(goal, Decimal(4))
    data = form_data(target_value="10", start_date=goal.start_date.isoformat())
    owner_client.post(f"/goals/{goal.pk}/edit/", data)
    goal.refresh_from_db()
    assert goal.current_value == 4 and goal.name == "Run 100 km"
