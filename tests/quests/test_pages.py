"""The quest pages: the board, a quest's page (objectives ticked in place, status,
dependencies and their graph), deletion, templates. The forms: test_pages_forms.py."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from gamification.models import XPEvent
from quests import graph, services
from quests.models import Dependency, Quest, QuestTemplate, TemplateObjective
from quests.services import ObjectiveSpec

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _without_ready_made_templates(db):
    """The ready-made templates (quests/migrations/0003) left out: these tests make their own."""
    from quests.models import QuestTemplate

    QuestTemplate.objects.filter(user__isnull=True).delete()

HTMX = {"HTTP_HX_REQUEST": "true"}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


def quest_xp(user) -> int:
    return XPEvent.objects.filter(user=user, source__startswith="quest:").aggregate(s=Sum("amount"))["s"] or 0


def form_data(**overrides) -> dict:
    data = {
        "title": "Write draft",
        "description": "The **first** pass.",
        "category": "",
        "new_category": "",
        "priority": "2",
        "due_date": "",
        "due_time": "",
        "effort_minutes": "",
        "xp_reward": str(services.suggest_xp(None, 2)),
        "xp_suggested": str(services.suggest_xp(None, 2)),
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "0",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "30",
    }
    for n in range(3):
        data.update({f"form-{n}-id": "", f"form-{n}-text": "", f"form-{n}-kind": "manual", f"form-{n}-habit": "",
                     f"form-{n}-target": "", f"form-{n}-weight": "1"})
    data.update(overrides)
    return data


# --- the board ----------------------------------------------------------------------------------


def test_the_board_needs_a_login(client):
    response = client.get("/quests/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_empty_board_invites_a_first_quest(owner_client, now):
    html = owner_client.get("/quests/").content.decode()
    assert "No quests yet" in html and 'href="/quests/new/"' in html


def test_the_board_has_open_active_and_done_columns_and_folds_abandoned_away(owner_client, make_quest, now):
    make_quest("Plan trip")
    make_quest("Pack bags", status="active")
    done = make_quest("Book flights")
    services.complete(done, today=TODAY, now=now)
    gone = make_quest("Learn Dutch")
    services.abandon(gone, today=TODAY, now=now)
    response = owner_client.get("/quests/")
    html = response.content.decode()
    columns = {column.status: [card.quest.title for card in column.cards] for column in response.context["columns"]}
    assert columns == {"open": ["Plan trip"], "active": ["Pack bags"], "done": ["Book flights"]}
    assert '<details class="card quest-abandoned">' in html and "Learn Dutch" in html


def test_a_locked_quest_is_greyed_with_what_it_waits_for(owner_client, make_quest, now):
    draft, edit = make_quest("Write draft"), make_quest("Edit")
    graph.add_dependency(edit, draft)
    html = owner_client.get("/quests/").content.decode()
    card = re.search(rf'<li class="quest-card is-locked is-open" id="quest-card-{edit.pk}">.*?</li>', html, re.S)
    assert card and "Waits for: Write draft" in card.group()
    assert f'id="quest-card-{draft.pk}"' in html and f'class="quest-card is-locked is-open" id="quest-card-{draft.pk}"' not in html


def test_next_up_lists_the_unlocked_quests_with_their_reasons(owner_client, make_quest, now):
    draft, edit = make_quest("Write draft", due_date=TODAY), make_quest("Edit")
    graph.add_dependency(edit, draft)
    response = owner_client.get("/quests/")
    assert [quest.title for quest, _ in response.context["next_up"]] == ["Write draft"]
    section = re.search(r'<section class="card next-up".*?</section>', response.content.decode(), re.S).group()
    assert "Write draft" in section and "due today" in section and "unlocks 1 quest" in section


def test_up_and_down_move_a_quest_within_its_column(owner_client, make_quest, now):
    first, second, third = make_quest("One"), make_quest("Two"), make_quest("Three")
    response = owner_client.post(f"/quests/{third.pk}/move/", {"direction": "up"})
    assert response.status_code == 302 and response["Location"] == f"/quests/#quest-card-{third.pk}"
    titles = lambda: list(Quest.objects.filter(status="open").order_by("position", "id").values_list("title", flat=True))  # noqa: E731
    assert titles() == ["One", "Three", "Two"]
    response = owner_client.post(f"/quests/{first.pk}/move/", {"direction": "down"}, **HTMX)
    assert titles() == ["Three", "One", "Two"]
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="board">') and "<html" not in html
    owner_client.post(f"/quests/{second.pk}/move/", {"direction": "down"})  # already last: nothing moves
    assert titles() == ["Three", "One", "Two"]


def test_the_board_runs_a_constant_number_of_queries(owner_client, owner, make_quest, make_habit, now):
    habit = make_habit()

    def add(n: int) -> None:
        previous = None
        for i in range(n):
            quest = make_quest(f"Quest {Quest.objects.count()}", status="active" if i % 3 == 0 else "open",
                               objectives=[ObjectiveSpec("Step"), ObjectiveSpec("Run", "habit_count", habit=habit, target=3)])
            if i % 5 == 4:
                services.complete(quest, today=TODAY, now=now)
            elif previous is not None and i % 2:
                graph.add_dependency(quest, previous)
            previous = quest

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get("/quests/").status_code == 200
        return len(queries)

    add(5)
    count()  # warm what is cached per user (the header's archetype badge)
    few = count()
    add(45)
    assert count() == few, "the board's queries grow with its quests"


# --- a quest's page ------------------------------------------------------------------------------------


def test_the_quest_page_shows_progress_objectives_and_the_formatted_description(
    owner_client, make_quest, make_habit, now
):
    habit = make_habit("Run")
    quest = make_quest(
        description="The **first** pass.\n<script>alert(1)</script>", status="active",
        objectives=[ObjectiveSpec("Outline"), ObjectiveSpec("Run twice", "habit_count", habit=habit, target=2)],
    )
    html = owner_client.get(f"/quests/{quest.pk}/").content.decode()
    assert "<strong>first</strong>" in html and "<script>alert" not in html
    assert 'aria-label="Outline: mark done"' in html
    assert "Run</a>: 0 of 2 done days" in html
    assert 'aria-valuenow="0"' in html


def test_ticking_an_objective_with_htmx_answers_the_region(owner_client, make_quest, now):
    quest = make_quest(status="active", objectives=[ObjectiveSpec("Outline"), ObjectiveSpec("Write")])
    outline = quest.objectives.first()
    response = owner_client.post(f"/quests/{quest.pk}/objectives/{outline.pk}/", {"done": "1"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<section class="card quest-state" id="quest-state"')
    assert 'aria-label="Outline: done. Undo"' in html and 'aria-valuenow="50"' in html
    assert 'id="xp-bar"' in html and 'hx-swap-oob' in html  # the XP bar, out-of-band
    outline.refresh_from_db()
    assert outline.done
    owner_client.post(f"/quests/{quest.pk}/objectives/{outline.pk}/", {"done": "0"}, **HTMX)
    outline.refresh_from_db()
    assert not outline.done


def test_ticking_the_last_objective_without_javascript_completes_the_quest(owner_client, owner, make_quest, now):
    quest = make_quest(status="active", xp_reward=40, objectives=[ObjectiveSpec("Outline")])
    outline = quest.objectives.get()
    response = owner_client.post(f"/quests/{quest.pk}/objectives/{outline.pk}/", {"done": "1"})
    assert response.status_code == 302 and response["Location"] == f"/quests/{quest.pk}/#objective-{outline.pk}"
    quest.refresh_from_db()
    assert quest.status == "done"
    assert XPEvent.objects.filter(user=owner, source__startswith="quest:").count() == 1
    assert any("Quest complete: Write draft" in message for message in messages_of(response))


def test_with_auto_complete_off_the_page_asks_complete(owner_client, owner, make_quest, now):
    owner.profile.quest_auto_complete = False
    owner.profile.save()
    quest = make_quest(status="active", objectives=[ObjectiveSpec("Outline")])
    outline = quest.objectives.get()
    html = owner_client.post(f"/quests/{quest.pk}/objectives/{outline.pk}/", {"done": "1"}, **HTMX).content.decode()
    quest.refresh_from_db()
    assert quest.status == "active" and quest.ready
    assert "Every objective is done." in html and 'value="complete"' in html
    owner_client.post(f"/quests/{quest.pk}/status/", {"action": "complete"})
    quest.refresh_from_db()
    assert quest.status == "done"


def test_a_habit_objective_cannot_be_ticked_by_hand(owner_client, make_quest, make_habit, now):
    quest = make_quest(status="active", objectives=[ObjectiveSpec("Run", "habit_count", habit=make_habit(), target=2)])
    objective = quest.objectives.get()
    html = owner_client.post(f"/quests/{quest.pk}/objectives/{objective.pk}/", {"done": "1"}, **HTMX).content.decode()
    assert 'role="alert"' in html and "moves when you log the habit" in html
    objective.refresh_from_db()
    assert not objective.done


def test_another_quests_objective_is_a_404(owner_client, make_quest, now):
    quest, other = make_quest(), make_quest("Other", objectives=[ObjectiveSpec("Step")])
    assert owner_client.post(f"/quests/{quest.pk}/objectives/{other.objectives.get().pk}/", {"done": "1"}).status_code == 404


@pytest.mark.parametrize(("status", "action", "after"), [
    ("open", "start", "active"), ("open", "complete", "done"), ("active", "complete", "done"),
    ("active", "abandon", "abandoned"),
])
def test_status_actions(owner_client, make_quest, now, status, action, after):
    quest = make_quest(status=status)
    response = owner_client.post(f"/quests/{quest.pk}/status/", {"action": action})
    assert response.status_code == 302 and response["Location"] == f"/quests/{quest.pk}/"
    quest.refresh_from_db()
    assert quest.status == after


def test_reopening_a_done_quest_takes_its_xp_back(owner_client, owner, make_quest, now):
    quest = make_quest(xp_reward=40)
    owner_client.post(f"/quests/{quest.pk}/status/", {"action": "complete"})
    owner_client.post(f"/quests/{quest.pk}/status/", {"action": "reopen"})
    quest.refresh_from_db()
    assert quest.status == "active" and quest_xp(owner) == 0


def test_a_locked_quest_cannot_start_or_complete_and_says_what_it_waits_for(owner_client, make_quest, now):
    draft, edit = make_quest("Write draft"), make_quest("Edit")
    graph.add_dependency(edit, draft)
    html = owner_client.get(f"/quests/{edit.pk}/").content.decode()
    assert "Locked." in html and f'href="/quests/{draft.pk}/">Write draft</a>' in html
    for action in ("start", "complete"):
        response = owner_client.post(f"/quests/{edit.pk}/status/", {"action": action})
        assert messages_of(response)[-1] == "“Edit” is locked: it waits for “Write draft”. Finish that first."
        edit.refresh_from_db()
        assert edit.status == "open"


def test_an_unknown_action_is_a_400(owner_client, make_quest, now):
    quest = make_quest()
    assert owner_client.post(f"/quests/{quest.pk}/status/", {"action": "explode"}).status_code == 400


def test_the_quest_page_runs_a_constant_number_of_queries(owner_client, make_quest, make_habit, now):
    habit = make_habit()
    middle = make_quest("Middle", status="active",
                        objectives=[ObjectiveSpec("Step"), ObjectiveSpec("Run", "habit_count", habit=habit, target=3)])

    def add(n: int) -> None:
        for i in range(n):
            quest = make_quest(f"Quest {Quest.objects.count()}", objectives=[ObjectiveSpec("Step")])
            if i % 2:
                graph.add_dependency(middle, quest)
            else:
                graph.add_dependency(quest, middle)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert owner_client.get(f"/quests/{middle.pk}/").status_code == 200
        return len(queries)

    add(4)
    count()  # warm what is cached per user (the header's archetype badge)
    few = count()
    add(46)
    assert count() == few, "the quest page's queries grow with the quests around it"


# --- dependencies --------------------------------------------------------------------------------------


def test_it_adds_and_removes_a_dependency(owner_client, make_quest, now):
    draft, edit = make_quest("Write draft"), make_quest("Edit")
    response = owner_client.post(f"/quests/{edit.pk}/dependencies/", {"depends_on": draft.pk})
    assert response.status_code == 302
    assert graph.waiting_for(edit) == [draft]
    html = owner_client.get(f"/quests/{edit.pk}/").content.decode()
    assert "<svg" in html and f'<a href="/quests/{draft.pk}/" class="quest-node quest-node-open"' in html
    assert "<title>Write draft (open)</title>" in html
    owner_client.post(f"/quests/{edit.pk}/dependencies/{draft.pk}/remove/")
    assert graph.waiting_for(edit) == []


def test_a_cycle_is_refused_naming_it_and_the_form_keeps_the_choice(owner_client, make_quest, now):
    draft, edit, publish = make_quest("Write draft"), make_quest("Edit"), make_quest("Publish")
    graph.add_dependency(edit, draft)
    graph.add_dependency(publish, edit)
    response = owner_client.post(f"/quests/{draft.pk}/dependencies/", {"depends_on": publish.pk})
    assert response.status_code == 200
    errors = response.context["dependency_form"].errors["depends_on"]
    assert errors == ["That would make a loop: Write draft → Publish → Edit → Write draft. Choose another quest."]
    html = response.content.decode()
    assert f'<option value="{publish.pk}" selected>Publish</option>' in html
    assert Dependency.objects.count() == 2


def test_another_users_quest_cannot_be_a_dependency(owner_client, make_quest, stranger, now):
    mine, theirs = make_quest("Mine"), make_quest("Theirs", user=stranger)
    response = owner_client.post(f"/quests/{mine.pk}/dependencies/", {"depends_on": theirs.pk})
    assert response.status_code == 200
    assert "Choose one of your other quests." in response.context["dependency_form"].errors["depends_on"]
    assert owner_client.post(f"/quests/{mine.pk}/dependencies/{theirs.pk}/remove/").status_code == 404
    assert not Dependency.objects.exists()


def test_the_graph_is_layered_with_links_and_titles(make_quest, now):
    from quests import svg

    draft, edit, publish, tweet = make_quest("Write draft"), make_quest("Edit"), make_quest("Publish"), make_quest("Tweet")
    graph.add_dependency(edit, draft)
    graph.add_dependency(publish, edit)
    graph.add_dependency(tweet, publish)
    drawing = svg.draw(publish)
    rows = {}
    for box in drawing.boxes:
        rows.setdefault(box.y, []).append(box.title)
    assert list(rows.values()) == [["Write draft (open)"], ["Edit (locked)"], ["Publish (this quest)"], ["Tweet (locked)"]]
    assert (drawing.waits, drawing.unlocks, len(drawing.edges)) == (2, 1, 3)
    assert [box.url for box in drawing.boxes if box.state == "current"] == [""]


# --- delete ---------------------------------------------------------------------------------------------


def test_delete_asks_first_naming_the_quests_whose_link_goes(owner_client, make_quest, now):
    draft, edit = make_quest("Write draft"), make_quest("Edit")
    graph.add_dependency(edit, draft)
    html = owner_client.get(f"/quests/{draft.pk}/delete/").content.decode()
    assert "1 quest waits for it." in html and f'href="/quests/{edit.pk}/">Edit</a>' in html
    response = owner_client.post(f"/quests/{draft.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/quests/"
    assert not Quest.objects.filter(pk=draft.pk).exists() and not Dependency.objects.exists()
    assert "“Write draft” deleted." in messages_of(response)


def test_deleting_a_done_quest_takes_its_xp_back(owner_client, owner, make_quest, now):
    quest = make_quest(xp_reward=40)
    owner_client.post(f"/quests/{quest.pk}/status/", {"action": "complete"})
    assert quest_xp(owner) == 40
    owner_client.post(f"/quests/{quest.pk}/delete/")
    assert quest_xp(owner) == 0


# --- templates ------------------------------------------------------------------------------------------


@pytest.fixture
def staff_template(db):
    template = QuestTemplate.objects.create(slug="spring-clean", title="Spring clean", xp_reward=60)
    TemplateObjective.objects.create(template=template, text="Windows", position=0)
    TemplateObjective.objects.create(template=template, text="Garage", position=1)
    return template


def test_the_templates_page_lists_staffs_and_own(owner_client, owner, stranger, staff_template, now):
    QuestTemplate.objects.create(user=owner, slug="mine", title="My plan", xp_reward=20)
    QuestTemplate.objects.create(user=stranger, slug="theirs", title="Their plan", xp_reward=20)
    QuestTemplate.objects.create(slug="retired", title="Retired plan", xp_reward=20, active=False)
    html = owner_client.get("/quests/templates/").content.decode()
    assert "Spring clean" in html and "2 objectives" in html and "My plan" in html
    assert "Their plan" not in html and "Retired plan" not in html


def test_it_starts_a_quest_from_a_template(owner_client, owner, staff_template, now):
    response = owner_client.post(f"/quests/templates/{staff_template.pk}/start/")
    quest = Quest.objects.get(user=owner)
    assert response.status_code == 302 and response["Location"] == f"/quests/{quest.pk}/"
    assert (quest.title, quest.xp_reward, list(quest.objectives.values_list("text", flat=True))) == (
        "Spring clean", 60, ["Windows", "Garage"],
    )


def test_another_users_template_is_a_404(owner_client, stranger, now):
    theirs = QuestTemplate.objects.create(user=stranger, slug="theirs", title="Their plan", xp_reward=20)
    assert owner_client.post(f"/quests/templates/{theirs.pk}/start/").status_code == 404
    assert not Quest.objects.exists()


def test_it_saves_a_quest_as_a_template(owner_client, owner, make_quest, now):
    quest = make_quest(objectives=[ObjectiveSpec("Outline")])
    response = owner_client.post(f"/quests/{quest.pk}/save-template/")
    template = QuestTemplate.objects.get(user=owner)
    assert response["Location"] == f"/quests/templates/#template-{template.pk}"
    assert list(template.objectives.values_list("text", flat=True)) == ["Outline"]


def test_no_quest_page_or_fragment_renders_a_csrf_tag_without_its_token(owner_client, make_quest, make_habit, now):
    import warnings

    from django.test import override_settings

    habit = make_habit()
    draft = make_quest(status="active", objectives=[ObjectiveSpec("Outline"), ObjectiveSpec("Run", "habit_count", habit=habit, target=2)])
    edit = make_quest("Edit")
    graph.add_dependency(edit, draft)
    QuestTemplate.objects.create(slug="spring-clean", title="Spring clean", xp_reward=60)
    outline = draft.objectives.first()
    with override_settings(DEBUG=True), warnings.catch_warnings():
        warnings.filterwarnings("error", message=r"A \{% csrf_token %\} was used")
        for url in ["/quests/", f"/quests/{draft.pk}/", f"/quests/{edit.pk}/", "/quests/new/",
                    f"/quests/{draft.pk}/edit/", f"/quests/{draft.pk}/delete/", "/quests/templates/"]:
            assert owner_client.get(url).status_code == 200, url
        assert owner_client.post(f"/quests/{draft.pk}/objectives/{outline.pk}/", {"done": "1"}, **HTMX).status_code == 200
        assert owner_client.post(f"/quests/{edit.pk}/move/", {"direction": "up"}, **HTMX).status_code == 200
        assert owner_client.post(f"/quests/{edit.pk}/dependencies/", {"depends_on": "x"}).status_code == 200


def test_the_board_and_a_quest_page_redraw_on_every_quest_event(owner_client, make_quest, now):
    """Another tab's completion, unlock or reopen reaches this page's live regions."""
    from habitstory.story.news import LIVE_EVENTS

    quest = make_quest("Write draft")
    quest_events = {event for event in LIVE_EVENTS if event.startswith("quest_")}
    assert {"quest_completed", "quest_unlocked", "quest_reopened"} <= quest_events
    for url in ("/quests/", f"/quests/{quest.pk}/"):
        html = owner_client.get(url).content.decode()
        listened = set(" ".join(re.findall(r'data-live-on="([^"]*)"', html)).split())
        assert quest_events <= listened, url


def test_a_long_column_shows_its_first_quests_and_opens_whole(owner_client, make_quest, now):
    from quests.board import WORKING_SHOWN

    quests = [make_quest(f"Errand {n}") for n in range(WORKING_SHOWN + 3)]
    html = owner_client.get("/quests/").content.decode()
    assert html.count('<li class="quest-card') == WORKING_SHOWN  # (the rest counted, one link away)
    assert f'href="?column=open#column-open">Show all {WORKING_SHOWN + 3} open quests</a>' in html
    # The last card shown is not the column's last: it can still move down.
    last = quests[WORKING_SHOWN - 1]
    assert re.search(rf'id="move-down-{last.pk}" aria-label="[^"]*">', html)
    whole = owner_client.get("/quests/?column=open").content.decode()
    assert whole.count('<li class="quest-card') == WORKING_SHOWN + 3
    assert 'name="column" value="open"' in whole
    # A move keeps the whole column open, with htmx and without.
    response = owner_client.post(f"/quests/{last.pk}/move/", {"direction": "down", "column": "open"})
    assert response["Location"] == f"/quests/?column=open#quest-card-{last.pk}"
    answer = owner_client.post(f"/quests/{last.pk}/move/", {"direction": "up", "column": "open"}, HTTP_HX_REQUEST="true")
    assert answer.content.decode().count('<li class="quest-card') == WORKING_SHOWN + 3
    # Anything else in ?column= is the usual board.
    assert owner_client.get("/quests/?column=done").content.decode().count('<li class="quest-card') == WORKING_SHOWN


def test_you_delete_your_own_template_from_the_templates_page(owner_client, owner, stranger, staff_template, now):
    mine = QuestTemplate.objects.create(user=owner, slug="mine", title="My plan", xp_reward=20)
    theirs = QuestTemplate.objects.create(user=stranger, slug="theirs", title="Their plan", xp_reward=20)
    html = owner_client.get("/quests/templates/").content.decode()
    assert f'action="/quests/templates/{mine.pk}/delete/"' in html
    assert f'action="/quests/templates/{staff_template.pk}/delete/"' not in html  # ready-made: no button
    for other in (staff_template, theirs):
        assert owner_client.post(f"/quests/templates/{other.pk}/delete/").status_code == 404
    assert owner_client.get(f"/quests/templates/{mine.pk}/delete/").status_code == 405
    response = owner_client.post(f"/quests/templates/{mine.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/quests/templates/"
    assert "Deleted the template “My plan”. Quests made from it stay." in messages_of(response)
    assert set(QuestTemplate.objects.values_list("slug", flat=True)) == {"spring-clean", "theirs"}
