from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from goals.models import Goal
from habits.models import Habit
from habits.services import save_habit
from quests.models import Attachment, Category, Quest
from quests.search import search

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")

TODAY = dt.date(2026, 11, 23)


def quest(user, title, *, description="", objectives="", **fields) -> Quest:
    fields.setdefault("xp_reward", 20)
    return Quest.objects.create(user=user, title=title, description=description, objectives_text=objectives, **fields)


def titles(quests) -> list[str]:
    return [q.title for q in quests]


def attach(q: Quest) -> Attachment:
    return Attachment.objects.create(
        quest=q, user=q.user, file=f"quests/{q.user_id}/x", name="x.txt", kind="text",
        content_type="text/plain", size=1, sha256="0" * 64,
    )


# --- the search function ---------------------------------------------------------------------


@on_postgresql
def test_it_finds_a_stemmed_word_on_postgresql(owner):
    quest(owner, "Run a 5k")
    quest(owner, "Bake bread")
    assert titles(search(owner, "running")) == ["Run a 5k"]
    assert titles(search(owner, "runs")) == ["Run a 5k"]


@on_postgresql
def test_title_matches_rank_before_description_and_objective_matches(owner):
    quest(owner, "Plan the garden", description="Buy seeds and soil for the garden beds")
    quest(owner, "Seeds", description="Something else")
    quest(owner, "Spring chores", objectives="Order seeds")
    found = titles(search(owner, "seed"))
    assert found[0] == "Seeds"
    assert set(found) == {"Seeds", "Plan the garden", "Spring chores"}


@on_postgresql
def test_the_word_being_typed_matches_as_a_prefix(owner):
    quest(owner, "Finish the project report")
    assert titles(search(owner, "proj")) == ["Finish the project report"]
    assert titles(search(owner, "finish rep")) == ["Finish the project report"]
    assert titles(search(owner, '"the proj"')) == []  # in quotes: whole words


@on_postgresql
def test_websearch_syntax_and_odd_input_never_fail(owner):
    quest(owner, "Run a 5k")
    quest(owner, "Run to the shop")
    assert titles(search(owner, "run -shop")) == ["Run a 5k"]
    assert set(titles(search(owner, "run -sho"))) == {"Run a 5k", "Run to the shop"}  # negation: whole words
    for odd in ["'", "\"", "&|!:*()", "run & | !", "the", "a:*", "\\", "ü' OR 1=1 --", "x" * 500]:
        list(search(owner, odd))


@on_postgresql
def test_the_column_follows_edits_and_objectives(owner):
    q = quest(owner, "Paint the fence")
    q.title = "Paint the shed"
    q.save()
    Quest.objects.filter(pk=q.pk).update(objectives_text="Buy brushes")
    assert titles(search(owner, "shed")) == ["Paint the shed"]
    assert titles(search(owner, "fence")) == []
    assert titles(search(owner, "brush")) == ["Paint the shed"]


@on_sqlite
def test_the_sqlite_fallback_matches_every_word_in_any_field(owner):
    quest(owner, "Run a 5k", description="Slow and steady")
    quest(owner, "Bake bread", objectives="Run to the baker")
    quest(owner, "Tidy up")
    assert titles(search(owner, "run")) == ["Run a 5k", "Bake bread"]  # title matches first
    assert titles(search(owner, "RUN steady")) == ["Run a 5k"]
    assert titles(search(owner, "baker run")) == ["Bake bread"]
    assert titles(search(owner, "%")) == titles(search(owner, ""))  # no words: no text filter


def test_blank_query_lists_every_quest_newest_first(owner):
    quest(owner, "First")
    quest(owner, "Second")
    assert titles(search(owner, "  ")) == ["Second", "First"]


def test_another_users_quests_never_appear(owner, stranger):
    quest(stranger, "Run a 5k")
    quest(owner, "Run errands")
    assert titles(search(owner, "run")) == ["Run errands"]
    assert titles(search(owner, "")) == ["Run errands"]
    assert titles(search(stranger, "errands")) == []


def test_filters_narrow_the_results(owner):
    work = Category.objects.create(user=owner, name="Work")
    a = quest(owner, "Report A", category=work, due_date=TODAY, status="active")
    quest(owner, "Report B", due_date=TODAY + dt.timedelta(days=10))
    quest(owner, "Report C", status="done")
    attach(a)
    assert titles(search(owner, "report", status="active")) == ["Report A"]
    assert set(titles(search(owner, "report", status=["open", "done"]))) == {"Report B", "Report C"}
    assert titles(search(owner, "report", category=work.pk)) == ["Report A"]
    assert titles(search(owner, "report", category="work")) == ["Report A"]
    assert titles(search(owner, "report", due_before=TODAY)) == ["Report A"]
    assert titles(search(owner, "report", due_after=TODAY + dt.timedelta(days=1))) == ["Report B"]
    assert titles(search(owner, "report", has_attachments=True)) == ["Report A"]
    assert set(titles(search(owner, "report", has_attachments=False))) == {"Report B", "Report C"}
    assert [q.has_files for q in search(owner, "report", sort="due")] == [True, False, False]


def test_sorting(owner):
    quest(owner, "Low later", priority=1, due_date=TODAY + dt.timedelta(days=5))
    quest(owner, "Urgent none", priority=4)
    quest(owner, "High soon", priority=3, due_date=TODAY)
    quest(owner, "Timed soon", priority=1, due_date=TODAY, due_time=dt.time(9))
    assert titles(search(owner, "", sort="due")) == ["Timed soon", "High soon", "Low later", "Urgent none"]
    assert titles(search(owner, "", sort="priority")) == ["Urgent none", "High soon", "Timed soon", "Low later"]
    newest = ["Timed soon", "High soon", "Urgent none", "Low later"]
    assert titles(search(owner, "", sort="newest")) == newest
    assert titles(search(owner, "", sort="nonsense")) == newest


# --- the quest search page -------------------------------------------------------------------


def test_it_shows_the_page_with_results_and_filters(owner_client, owner, stranger):
    quest(owner, "Run a 5k")
    quest(stranger, "Run far")
    response = owner_client.get(reverse("quests:search"), {"q": "run"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Run a 5k" in html and "Run far" not in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html
    assert 'name="status"' in html and 'name="due_before"' in html and 'name="sort"' in html


def test_htmx_gets_only_the_results(owner_client, owner):
    quest(owner, "Run a 5k")
    response = owner_client.get(reverse("quests:search"), {"q": "run"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Run a 5k" in html
    assert "<html" not in html and "<form" not in html


def test_a_bad_filter_names_the_field_and_keeps_the_words(owner_client, owner):
    response = owner_client.get(reverse("quests:search"), {"q": "run", "due_before": "not a date", "status": "bogus"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Due by" in html and "Enter a valid date." in html
    assert 'value="run"' in html


@pytest.mark.parametrize("params", [
    {"q": "\x00"}, {"q": "x" * 1000}, {"category": "\x00"}, {"category": "abc"}, {"category": "99999999999999999999"},
    {"status": "\x00"}, {"sort": "\x00"}, {"files": "maybe"}, {"due_after": "2026-02-30"},
    {"due_after": "2026-03-02", "due_before": "2026-03-01"},
])
def test_nothing_sent_makes_the_page_fail(owner_client, owner, params):
    response = owner_client.get(reverse("quests:search"), params)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_another_users_category_is_refused(owner_client, stranger):
    theirs = Category.objects.create(user=stranger, name="Secret")
    response = owner_client.get(reverse("quests:search"), {"category": theirs.pk})
    assert "Select a valid choice" in response.content.decode()


def test_the_page_needs_a_login_and_a_get(client, owner):
    url = reverse("quests:search")
    assert client.get(url).status_code == 302
    client.force_login(owner)
    assert client.post(url).status_code == 405


@pytest.mark.parametrize("n", [5, 50])
def test_the_page_runs_a_constant_number_of_queries(owner_client, owner, n, django_assert_max_num_queries):
    work = Category.objects.create(user=owner, name="Work")
    for i in range(n):
        q = quest(owner, f"Report {i}", category=work, due_date=TODAY)
        if i % 2:
            attach(q)
    owner_client.get(reverse("quests:search"), {"q": "report"})  # warm the caches
    with django_assert_max_num_queries(6):
        response = owner_client.get(reverse("quests:search"), {"q": "report", "sort": "due"})
    assert response.content.decode().count('class="quest-result"') == n


# --- the navigation's search -----------------------------------------------------------------


def test_the_nav_search_finds_habits_goals_and_quests(owner_client, owner, stranger):
    save_habit(Habit(user=owner, name="Morning run", start_date=TODAY))
    save_habit(Habit(user=stranger, name="Evening run", start_date=TODAY))
    Goal.objects.create(user=owner, name="Run 100 km", target_value=100, start_date=TODAY)
    quest(owner, "Run a 5k")
    response = owner_client.get(reverse("search"), {"q": "run"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Morning run" in html and "Run 100 km" in html and "Run a 5k" in html
    assert "Evening run" not in html
    assert html.index("Habits") < html.index("Goals") < html.index("Quests</h2>")


def test_the_nav_search_leaves_out_deleted_habits(owner_client, owner):
    habit = save_habit(Habit(user=owner, name="Stretch", start_date=TODAY))
    Habit.objects.filter(pk=habit.pk).update(deleted_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    assert "Stretch" not in owner_client.get(reverse("search"), {"q": "stretch"}).content.decode()


def test_the_nav_search_answers_htmx_with_the_groups(owner_client, owner):
    save_habit(Habit(user=owner, name="Morning run", start_date=TODAY))
    html = owner_client.get(reverse("search"), {"q": "run"}, headers={"HX-Request": "true"}).content.decode()
    assert "Morning run" in html and "<html" not in html


def test_odd_input_to_the_nav_search_never_fails(owner_client, owner):
    quest(owner, "Run a 5k")
    for odd in ["\x00", "run\x00", "'; drop table", "&|!:*()", "x" * 5000]:
        assert owner_client.get(reverse("search"), {"q": odd}).status_code == 200
    assert "Run a 5k" in owner_client.get(reverse("search"), {"q": "run\x00"}).content.decode()


def test_every_page_has_the_search_box(owner_client):
    html = owner_client.get(reverse("goals:index")).content.decode()
    assert f'action="{reverse("search")}"' in html and 'name="q"' in html


@pytest.mark.parametrize("n", [3, 30])
def test_the_nav_search_runs_a_constant_number_of_queries(owner_client, owner, n, django_assert_max_num_queries):
    for i in range(n):
        save_habit(Habit(user=owner, name=f"Run {i}", start_date=TODAY))
        Goal.objects.create(user=owner, name=f"Run goal {i}", target_value=10, start_date=TODAY)
        quest(owner, f"Run quest {i}")
    owner_client.get(reverse("search"), {"q": "run"})
    with django_assert_max_num_queries(6):
        owner_client.get(reverse("search"), {"q": "run"})
