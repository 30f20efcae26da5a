"""The new-habit page's "Start from a template": the searchable library (htmx results as
you type, a plain GET form without JavaScript), a template pre-filling the form, saving
it keeping the template, and a bad or retired slug answered with the plain form."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from habits.models import Habit, HabitTemplate, Pillar

from .test_habit_pages import form_data

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def content(response) -> str:
    return response.content.decode()


def prefilled(client, slug: str) -> dict:
    """The form's values as the pre-filled page has them (what a browser would send)."""
    form = client.get(f"/habits/new/?template={slug}").context["form"]
    data = {name: form[name].value() for name in form.fields}
    return {name: ("" if value is None else value) for name, value in data.items() if value is not False}


# --- the library on the page -----------------------------------------------------------------


def test_it_offers_every_template_grouped_by_pillar(owner_client):
    page = content(owner_client.get("/habits/new/"))
    assert "Start from a template" in page and 'role="search"' in page
    assert page.index(">Health</h2>") < page.index(">Mind</h2>") < page.index(">Craft</h2>") < page.index(">Work</h2>")
    assert page.count("?template=") == HabitTemplate.objects.count()
    assert 'href="/habits/new/?template=drink-water"' in page
    assert "every day · at least 8 glasses · easy" in page
    assert "<details class=\"card template-library\">" in page  # closed until searched


def test_a_search_without_javascript_is_a_get_that_shows_the_matches(owner_client):
    page = content(owner_client.get("/habits/new/", {"q": "Water"}))
    assert "?template=drink-water" in page and "?template=water-plants" in page
    assert "?template=run\"" not in page
    assert 'value="Water"' in page and "template-library\" open" in page
    assert 'name="name"' in page  # the blank form is still there


def test_htmx_asks_for_the_results_alone(owner_client):
    response = owner_client.get("/habits/new/", {"q": "read"}, **HTMX)
    page = content(response)
    assert response.status_code == 200
    assert "<html" not in page and 'name="name"' not in page
    assert "?template=read-20-pages" in page and ">Mind</h2>" in page
    assert "1 template matching “read”, in 1 pillar." in page


def test_no_match_says_so(owner_client):
    page = content(owner_client.get("/habits/new/", {"q": "zzzz"}, **HTMX))
    assert "No template matches “zzzz”" in page and 'role="status"' in page


def test_the_search_input_asks_htmx_after_a_pause(owner_client):
    page = content(owner_client.get("/habits/new/"))
    assert 'hx-trigger="input changed delay:300ms, search"' in page
    assert 'hx-target="#template-results"' in page and 'id="template-results"' in page


def test_a_retired_template_is_not_offered(owner_client):
    HabitTemplate.objects.filter(slug="run").update(active=False)
    page = content(owner_client.get("/habits/new/"))
    assert "?template=run\"" not in page


def test_the_edit_page_has_no_library(owner_client, make_habit, now):
    habit = make_habit()
    assert "Start from a template" not in content(owner_client.get(f"/habits/{habit.pk}/edit/"))


def test_anonymous_is_sent_to_log_in(client):
    response = client.get("/habits/new/?template=run")
    assert response.status_code == 302 and "login" in response["Location"]


def test_other_methods_are_refused(owner_client):
    assert owner_client.put("/habits/new/").status_code == 405
    assert owner_client.delete("/habits/new/?template=run").status_code == 405


# --- pre-filling and saving ------------------------------------------------------------------


def test_a_template_prefills_the_form_in_the_users_pillar(owner_client, owner, now):
    health = Pillar.objects.create(user=owner, name="Health")
    response = owner_client.get("/habits/new/?template=drink-water")
    form, page = response.context["form"], content(response)
    assert form["name"].value() == "Drink water" and form["kind"].value() == "at_least"
    assert (str(form["target_value"].value()), form["unit"].value()) == ("8.00", "glasses")
    assert form["pillar"].value() == health.pk and form["start_date"].value().isoformat() == "2026-11-23"
    assert 'name="template" value="drink-water"' in page
    assert "From the library: <strong>Drink water</strong> (Health)" in page
    assert 'name="new_pillar"' not in page


def test_saving_the_prefilled_form_keeps_the_template_and_what_the_user_changed(owner_client, owner, now):
    Pillar.objects.create(user=owner, name="Mind")
    data = prefilled(owner_client, "read-20-pages") | {"name": "Read fiction", "target_value": "30"}
    response = owner_client.post("/habits/new/", data)
    assert response.status_code == 302
    habit = Habit.objects.get(user=owner)
    assert habit.template.slug == "read-20-pages" and habit.pillar.name == "Mind"
    assert (habit.name, habit.target_value, habit.unit) == ("Read fiction", 30, "pages")


def test_without_the_pillar_it_offers_to_make_it_and_does(owner_client, owner, now):
    page = content(owner_client.get("/habits/new/?template=call-a-friend"))
    assert "Put it in a new pillar, “Social”" in page
    data = prefilled(owner_client, "call-a-friend") | {"new_pillar": "on"}
    assert owner_client.post("/habits/new/", data).status_code == 302
    habit = Habit.objects.get(user=owner)
    assert habit.pillar.name == "Social" and habit.template.slug == "call-a-friend"
    assert (habit.schedule, habit.times_per_week) == ("per_week", 1)


def test_unticked_the_habit_goes_where_the_user_chose(owner_client, owner, now):
    craft = Pillar.objects.create(user=owner, name="Craft")
    data = prefilled(owner_client, "call-a-friend") | {"pillar": str(craft.pk)}
    data.pop("new_pillar", None)
    assert owner_client.post("/habits/new/", data).status_code == 302
    habit = Habit.objects.get(user=owner)
    assert habit.pillar == craft and habit.template.slug == "call-a-friend"
    assert not Pillar.objects.filter(user=owner, name="Social").exists()


def test_bad_input_keeps_the_template_and_what_was_typed(owner_client, owner, now):
    data = prefilled(owner_client, "drink-water") | {"target_value": "", "name": "Water!"}
    response = owner_client.post("/habits/new/", data)
    page = content(response)
    assert response.status_code == 200 and "needs a target" in page
    assert 'name="template" value="drink-water"' in page and 'value="Water!"' in page
    assert not Habit.objects.filter(user=owner).exists()


def test_a_plain_habit_has_no_template(owner_client, owner, now):
    assert owner_client.post("/habits/new/", form_data()).status_code == 302
    assert Habit.objects.get(user=owner).template is None


# --- a bad or retired slug, another user -----------------------------------------------------


@pytest.mark.parametrize("slug", ["no-such-template", "x" * 300, "%00", "<script>", "run/../x"])
def test_a_bad_slug_shows_the_plain_form_with_a_message(owner_client, slug):
    response = owner_client.get("/habits/new/", {"template": slug})
    page = content(response)
    assert response.status_code == 200
    assert "That template is not in the library" in page
    assert response.context["form"]["name"].value() in (None, "")
    assert 'name="template"' not in page and "<script>" not in page


def test_a_retired_template_is_refused_on_the_page_and_when_posted(owner_client, owner, now):
    data = prefilled(owner_client, "journal")
    HabitTemplate.objects.filter(slug="journal").update(active=False)
    page = content(owner_client.get("/habits/new/?template=journal"))
    assert "That template is not in the library" in page and 'value="Journal"' not in page
    response = owner_client.post("/habits/new/", data)
    assert response.status_code == 200 and "That template is not in the library" in content(response)
    assert not Habit.objects.filter(user=owner).exists()
    assert 'value="Journal"' in content(response)  # what was typed stays; sent again, it saves plain
    assert 'name="template"' not in content(response)


def test_another_users_pillar_of_that_name_is_not_used(owner_client, owner, stranger, now):
    theirs = Pillar.objects.create(user=stranger, name="Health")
    form = owner_client.get("/habits/new/?template=run").context["form"]
    assert form["pillar"].value() is None and "new_pillar" in form.fields
    data = prefilled(owner_client, "run") | {"pillar": str(theirs.pk)}
    data.pop("new_pillar", None)
    response = owner_client.post("/habits/new/", data)
    assert response.status_code == 200 and "Select a valid choice" in content(response)
    assert not Habit.objects.exists()


# --- query budget ----------------------------------------------------------------------------


def add_templates(count: int) -> None:
    HabitTemplate.objects.bulk_create(
        HabitTemplate(slug=f"extra-{n}", name=f"Extra {n}", pillar_name=f"Pillar {n % 7}", why="Why not.",
                      schedule="per_week", times_per_week=2, kind="at_least", target_value=3, unit="sets")
        for n in range(count)
    )


@pytest.mark.parametrize(
    "url", ["/habits/new/", "/habits/new/?q=e", "/habits/new/?template=drink-water"]
)
def test_the_page_runs_the_same_queries_however_many_templates(owner_client, owner, url):
    Pillar.objects.create(user=owner, name="Health")
    owner_client.get(url)  # warm the session and the profile
    with CaptureQueriesContext(connection) as few:
        owner_client.get(url)
    add_templates(60)
    with CaptureQueriesContext(connection) as many:
        owner_client.get(url)
    assert len(few) == len(many)


def test_the_htmx_results_are_one_query_besides_the_session(owner_client):
    owner_client.get("/habits/new/?q=a", **HTMX)
    with CaptureQueriesContext(connection) as few:
        owner_client.get("/habits/new/?q=a", **HTMX)
    add_templates(60)
    with CaptureQueriesContext(connection) as many:
        response = owner_client.get("/habits/new/?q=a", **HTMX)
    assert len(few) == len(many)
    assert content(response).count("?template=extra-") == 60
