"""The quest forms: new and edit (the fields, the objectives' rows, the suggested XP),
bad and hostile input, another user's quest."""

from __future__ import annotations

import pytest

from gamification.models import XPEvent
from quests import services
from quests.models import Category, Objective, Quest
from quests.services import ObjectiveSpec

from .conftest import TODAY
from .test_pages import HTMX, form_data, messages_of

pytestmark = pytest.mark.django_db

# --- create and edit --------------------------------------------------------------------------------


def test_the_new_quest_form_suggests_the_xp(owner_client, now):
    html = owner_client.get("/quests/new/").content.decode()
    suggested = services.suggest_xp(None, 2)
    assert f'name="xp_reward" value="{suggested}"' in html
    assert 'name="form-TOTAL_FORMS" value="3"' in html
    assert 'value="Work"' not in html and ">Work</option>" in html  # the default categories


def test_it_creates_a_quest_with_objectives(owner_client, owner, make_habit, now):
    habit = make_habit("Run")
    data = form_data(**{
        "form-0-text": "Outline", "form-1-text": "Run 3 times", "form-1-kind": "habit_count",
        "form-1-habit": str(habit.pk), "form-1-target": "3", "form-1-weight": "2",
    })
    response = owner_client.post("/quests/new/", data)
    quest = Quest.objects.get(user=owner)
    assert response.status_code == 302 and response["Location"] == f"/quests/{quest.pk}/"
    assert (quest.title, quest.status, quest.description) == ("Write draft", "open", "The **first** pass.")
    objectives = list(quest.objectives.values_list("text", "kind", "habit_id", "target", "weight"))
    assert [row[:4] for row in objectives] == [("Outline", "manual", None, None), ("Run 3 times", "habit_count", habit.pk, 3)]
    assert objectives[1][4] == 2


def test_xp_left_as_suggested_follows_effort_and_priority(owner_client, owner, now):
    owner_client.post("/quests/new/", form_data(effort_minutes="100", priority="4"))
    assert Quest.objects.get(user=owner).xp_reward == services.suggest_xp(100, 4)


def test_xp_typed_in_is_kept(owner_client, owner, now):
    owner_client.post("/quests/new/", form_data(effort_minutes="100", priority="4", xp_reward="77"))
    assert Quest.objects.get(user=owner).xp_reward == 77


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"title": ""}, "title", "Give the quest a title"),
        ({"title": "   "}, "title", "Give the quest a title"),
        ({"xp_reward": "4"}, "xp_reward", "greater than or equal to 5"),
        ({"xp_reward": "501"}, "xp_reward", "less than or equal to 500"),
        ({"effort_minutes": "0"}, "effort_minutes", "greater than or equal to 1"),
        ({"due_time": "09:00"}, "due_time", "needs a due date"),
        ({"due_date": "soon"}, "due_date", "Enter a valid date"),
        ({"priority": "9"}, "priority", "Select a valid choice"),
        ({"category": "999999"}, "category", "Choose one of your categories"),
    ],
)
def test_bad_input_names_the_field_keeps_what_was_typed_and_saves_nothing(owner_client, now, overrides, field, message):
    data = form_data(**{"title": "Typed title", "form-0-text": "Typed step", **overrides})
    response = owner_client.post("/quests/new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    assert message in " ".join(errors[field])
    html = response.content.decode()
    assert 'value="Typed step"' in html
    if field != "title":
        assert 'value="Typed title"' in html
    assert 'aria-invalid="true"' in html
    assert not Quest.objects.exists()


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ({"form-0-kind": "habit_count", "form-0-target": "3"}, "habit", "Choose the habit"),
        ({"form-0-kind": "habit_streak", "form-0-habit": "HABIT"}, "target", "how many"),
        ({"form-0-weight": "0"}, "weight", "greater than or equal to 0.01"),
        ({"form-0-kind": "habit_count", "form-0-habit": "STRANGER", "form-0-target": "2"}, "habit", "Choose one of your habits"),
        ({"form-0-kind": "dance"}, "kind", "Select a valid choice"),
    ],
)
def test_a_bad_objective_names_its_row_and_field(owner_client, make_habit, stranger, now, row, field, message):
    mine, theirs = make_habit("Run"), make_habit("Swim", user=stranger)
    row = {key: {"HABIT": str(mine.pk), "STRANGER": str(theirs.pk)}.get(value, value) for key, value in row.items()}
    response = owner_client.post("/quests/new/", form_data(**{"form-0-text": "Typed step", **row}))
    assert response.status_code == 200
    errors = response.context["formset"].forms[0].errors
    assert list(errors) == [field] and message in " ".join(errors[field]), errors
    assert "Objective 1, " in response.content.decode()
    assert not Quest.objects.exists()


def test_the_habit_select_offers_the_users_own_alive_habits(owner_client, make_habit, stranger, now):
    from habits.services import delete_habit

    make_habit("Run")
    delete_habit(make_habit("Old habit"))
    make_habit("Their habit", user=stranger)
    html = owner_client.get("/quests/new/").content.decode()
    assert ">Run</option>" in html and "Old habit" not in html and "Their habit" not in html


def test_a_new_category_is_created_and_used(owner_client, owner, now):
    owner_client.post("/quests/new/", form_data(new_category="Garden"))
    quest = Quest.objects.get(user=owner)
    assert quest.category.name == "Garden" and Category.objects.filter(user=owner, name="Garden").count() == 1


def test_more_rows_adds_blank_objective_rows_and_saves_nothing(owner_client, now):
    response = owner_client.post("/quests/new/", form_data(**{"more_rows": "1", "form-0-text": "Typed step"}))
    assert response.status_code == 200 and not Quest.objects.exists()
    html = response.content.decode()
    assert 'name="form-TOTAL_FORMS" value="6"' in html and 'value="Typed step"' in html


def test_it_edits_a_quest_keeping_objectives_progress(owner_client, owner, make_quest, now):
    quest = make_quest(objectives=[ObjectiveSpec("Outline"), ObjectiveSpec("Write")], status="active")
    outline, write = quest.objectives.all()
    services.set_objective(quest, outline.pk, True, today=TODAY, now=now)
    html = owner_client.get(f"/quests/{quest.pk}/edit/").content.decode()
    assert 'value="Outline"' in html and 'name="form-INITIAL_FORMS" value="2"' in html
    data = form_data(**{
        "title": "Write the draft", "xp_reward": str(quest.xp_reward), "xp_suggested": str(quest.xp_reward),
        "form-TOTAL_FORMS": "3", "form-INITIAL_FORMS": "2",
        "form-0-id": str(outline.pk), "form-0-text": "Outline it",
        "form-1-id": str(write.pk), "form-1-text": "Write", "form-1-DELETE": "on",
        "form-2-text": "Proofread",
    })
    response = owner_client.post(f"/quests/{quest.pk}/edit/", data)
    assert response.status_code == 302
    quest.refresh_from_db()
    assert quest.title == "Write the draft"
    kept = list(quest.objectives.values_list("id", "text", "done"))
    assert kept[0] == (outline.pk, "Outline it", True)
    assert [(text, done) for _, text, done in kept[1:]] == [("Proofread", False)]


def test_an_edit_that_ticks_off_the_last_objective_completes_the_quest_through_the_commit_step(
    owner_client, owner, make_quest, now
):
    quest = make_quest(objectives=[ObjectiveSpec("Outline"), ObjectiveSpec("Write")], status="active", xp_reward=40)
    outline, write = quest.objectives.all()
    services.set_objective(quest, outline.pk, True, today=TODAY, now=now)
    data = form_data(**{
        "xp_reward": "40", "xp_suggested": "", "form-TOTAL_FORMS": "2", "form-INITIAL_FORMS": "2",
        "form-0-id": str(outline.pk), "form-0-text": "Outline",
        "form-1-id": str(write.pk), "form-1-text": "Write", "form-1-DELETE": "on",
    })
    response = owner_client.post(f"/quests/{quest.pk}/edit/", data)
    quest.refresh_from_db()
    assert quest.status == "done"
    assert XPEvent.objects.filter(user=owner).exists()
    assert any("Quest complete" in message for message in messages_of(response))


def test_another_users_quest_is_a_404_everywhere(owner_client, make_quest, stranger, now):
    theirs = make_quest("Theirs", user=stranger, objectives=[ObjectiveSpec("Step")])
    objective = theirs.objectives.get()
    for url in [f"/quests/{theirs.pk}/", f"/quests/{theirs.pk}/edit/", f"/quests/{theirs.pk}/delete/"]:
        assert owner_client.get(url).status_code == 404, url
    for url, data in [
        (f"/quests/{theirs.pk}/edit/", form_data()),
        (f"/quests/{theirs.pk}/delete/", {}),
        (f"/quests/{theirs.pk}/status/", {"action": "complete"}),
        (f"/quests/{theirs.pk}/move/", {"direction": "up"}),
        (f"/quests/{theirs.pk}/objectives/{objective.pk}/", {"done": "1"}),
        (f"/quests/{theirs.pk}/dependencies/", {"depends_on": "1"}),
        (f"/quests/{theirs.pk}/save-template/", {}),
    ]:
        assert owner_client.post(url, data).status_code == 404, url
    theirs.refresh_from_db()
    assert theirs.status == "open" and not theirs.objectives.get().done


def test_changes_are_post_only(owner_client, make_quest, now):
    quest = make_quest(objectives=[ObjectiveSpec("Step")])
    objective = quest.objectives.get()
    for url in [f"/quests/{quest.pk}/status/", f"/quests/{quest.pk}/move/", f"/quests/{quest.pk}/dependencies/",
                f"/quests/{quest.pk}/objectives/{objective.pk}/", f"/quests/{quest.pk}/save-template/"]:
        assert owner_client.get(url).status_code == 405, url
    assert owner_client.post(f"/quests/{quest.pk}/").status_code == 405


@pytest.mark.parametrize("overrides", [
    {"form-TOTAL_FORMS": None, "form-INITIAL_FORMS": None},  # no management form
    {"form-TOTAL_FORMS": "100000"},
    {"form-TOTAL_FORMS": "-4"},
    {"form-TOTAL_FORMS": "many"},
    {"form-0-text": "Step", "form-0-weight": "NaN"},
    {"form-0-text": "Step", "form-0-weight": "1e400"},
    {"form-0-text": "Step", "form-0-id": "99999999999999999999"},
    {"form-0-text": "Step", "form-0-kind": "habit_count", "form-0-habit": "x", "form-0-target": "-1"},
    {"xp_suggested": "lots", "xp_reward": "1e9"},
    {"due_date": "2026-02-30", "due_time": "25:99"},
    {"title": "Bad\u202etitle"},
    {"new_category": "x" * 500},
    {"more_rows": "1", "form-TOTAL_FORMS": "nope"},
])
def test_hostile_input_never_makes_a_500(owner_client, now, overrides):
    data = form_data(**{"form-0-text": "Step"})
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    response = owner_client.post("/quests/new/", data)
    assert response.status_code in (200, 302)


def test_an_objective_id_from_another_quest_makes_a_new_objective(owner_client, make_quest, now):
    mine, other = make_quest("Mine"), make_quest("Other", objectives=[ObjectiveSpec("Theirs")])
    theirs = other.objectives.get()
    data = form_data(**{"title": "Mine", "form-0-id": str(theirs.pk), "form-0-text": "Taken over?"})
    assert owner_client.post(f"/quests/{mine.pk}/edit/", data).status_code == 302
    theirs.refresh_from_db()
    assert theirs.text == "Theirs" and theirs.quest_id == other.pk
    assert list(mine.objectives.values_list("text", flat=True)) == ["Taken over?"]


@pytest.mark.parametrize(("query", "shown", "offered"), [
    ({"effort_minutes": "100", "priority": "4", "xp_reward": "13", "xp_suggested": "13"}, "SUGGESTED", "SUGGESTED"),
    ({"effort_minutes": "100", "priority": "4", "xp_reward": "", "xp_suggested": "13"}, "SUGGESTED", "SUGGESTED"),
    ({"effort_minutes": "100", "priority": "4", "xp_reward": "77", "xp_suggested": "13"}, "77", "13"),
    ({"effort_minutes": "-5", "priority": "x", "xp_reward": "13", "xp_suggested": "13"}, "SUGGESTED_DEFAULT", "SUGGESTED_DEFAULT"),
])
def test_the_xp_field_follows_effort_and_priority_unless_typed_in(owner_client, now, query, shown, offered):
    values = {"SUGGESTED": str(services.suggest_xp(100, 4)), "SUGGESTED_DEFAULT": str(services.suggest_xp(None, 2))}
    response = owner_client.get("/quests/xp-suggestion/", query, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<div id="xp-reward"')
    assert f'name="xp_reward" value="{values.get(shown, shown)}"' in html
    assert f'name="xp_suggested" value="{values.get(offered, offered)}"' in html
    assert "errorlist" not in html
