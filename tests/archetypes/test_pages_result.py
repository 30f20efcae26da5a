"""The result page (art, house, radar chart, confidence in words, the starter plan to
accept), accepting the plan (once: a second time makes nothing twice), the history, and
the archetype on the profile page and in the header."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archetypes import content, services
from archetypes.models import Archetype, Assignment, StarterHabit, StarterQuest
from habits.models import Habit, HabitTemplate
from quests.models import Quest

from .conftest import canonical_answers

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


@pytest.fixture
def sage(owner) -> Assignment:
    return services.assign(owner, canonical_answers("sage"))


def plan_of(slug: str):
    archetype = Archetype.objects.get(slug=slug)
    habits = StarterHabit.objects.filter(archetype=archetype)
    return list(habits), list(StarterQuest.objects.filter(archetype=archetype))


# --- the result -----------------------------------------------------------------------------------


def test_the_result_needs_a_login(client):
    assert "/accounts/login/" in client.get("/archetypes/result/")["Location"]


def test_before_the_quiz_the_result_leads_to_the_quiz(owner_client):
    response = owner_client.get("/archetypes/result/")
    assert response["Location"] == "/archetypes/quiz/"
    assert messages_of(response) == ["Take the quiz first: your archetype comes from your answers."]


def test_the_result_shows_the_archetype_the_house_and_the_confidence_in_words(owner_client, sage):
    html = owner_client.get("/archetypes/result/").content.decode()
    assert "<h1>You are a clear Sage</h1>" in html
    assert 'src="/static/archetypes/art/sage.svg"' in html and "Every question is a door." in html
    assert "You learn for the joy of it" in html
    assert 'src="/static/archetypes/crests/grove.svg"' in html and "House Grove" in html
    assert "“Grow by asking.”" in html and 'href="/archetypes/houses/grove/"' in html
    assert f"Confidence {round(sage.confidence * 100)}%" in html


def test_the_radar_chart_draws_the_users_traits_over_the_archetypes_profile(owner_client, sage):
    html = owner_client.get("/archetypes/result/").content.decode()
    assert '<svg viewBox="0 0 400 300" role="img" aria-labelledby="radar-title radar-desc">' in html
    assert '<title id="radar-title">Your traits next to the Sage’s profile</title>' in html
    desc = re.search(r'<desc id="radar-desc">(.*?)</desc>', html).group(1)
    assert desc.startswith("Scores from 0 to 100. Yours: Discipline ")
    assert html.count('class="radar-yours"') == 1 and html.count('class="radar-theirs"') == 1
    # The numbers again, in a table: a row per trait.
    table = re.search(r'<table class="radar-table">(.*?)</table>', html, re.S).group(1)
    assert len(re.findall(r'<th scope="row">', table)) == len(content.quiz().traits)
    discipline = round(sage.traits["discipline"])
    assert f'<th scope="row">Discipline</th><td class="num">{discipline}</td>' in table


def test_a_close_call_is_described_as_part_one_part_another(owner_client, owner):
    assignment = services.assign(owner, canonical_answers("sage"))
    Assignment.objects.filter(pk=assignment.pk).update(confidence=0.4)
    html = owner_client.get("/archetypes/result/").content.decode()
    assert re.search(r"<h1>You are part Sage, part \w+</h1>", html)


def test_the_starter_plan_is_offered_as_checkboxes_ticked_as_staff_set_them(owner_client, sage):
    habits, quests = plan_of("sage")
    StarterHabit.objects.filter(pk=habits[0].pk).update(checked=False)
    content.clear()
    html = owner_client.get("/archetypes/result/").content.decode()
    assert 'action="/archetypes/result/accept/"' in html and "Start with these" in html
    for item in habits:
        box = re.search(rf'<input type="checkbox" name="habits" value="{item.pk}"[^>]*>', html).group(0)
        assert ("checked" in box) == (item.pk != habits[0].pk)
        assert item.template.name in html
    for item in quests:
        assert re.search(rf'<input type="checkbox" name="quests" value="{item.pk}"[^>]* checked', html)
        assert item.template.title in html


# --- accepting the plan ----------------------------------------------------------------------------------


def accept_all(client, slug="sage"):
    habits, quests = plan_of(slug)
    return client.post("/archetypes/result/accept/", {
        "habits": [item.pk for item in habits], "quests": [item.pk for item in quests],
    })


def test_accepting_makes_the_ticked_habits_and_quests_and_says_which(owner_client, owner, sage):
    habits, quests = plan_of("sage")
    response = owner_client.post("/archetypes/result/accept/", {
        "habits": [habits[0].pk, habits[1].pk], "quests": [quests[0].pk],
    })
    assert response.status_code == 302 and response["Location"] == "/"
    made = Habit.objects.filter(user=owner, template__isnull=False)
    wanted = sorted([habits[0].template_id, habits[1].template_id])
    assert sorted(made.values_list("template_id", flat=True)) == wanted
    assert list(Quest.objects.filter(user=owner).values_list("template_id", flat=True)) == [quests[0].template_id]
    assert messages_of(response) == [
        f"On Today: “{habits[0].template.name}” and “{habits[1].template.name}”. "
        f"On your quest board: “{quests[0].template.title}”."
    ]


def test_accepting_twice_makes_nothing_twice_and_says_already_yours(owner_client, owner, sage):
    accept_all(owner_client)
    before = (Habit.objects.filter(user=owner).count(), Quest.objects.filter(user=owner).count())
    response = accept_all(owner_client)
    assert (Habit.objects.filter(user=owner).count(), Quest.objects.filter(user=owner).count()) == before
    message = messages_of(response)[-1]  # the first accept's message was never shown
    assert message.startswith("Nothing new to add. Already yours: ")
    # The page says so too, and leaves those unticked.
    html = owner_client.get("/archetypes/result/").content.decode()
    habits, _ = plan_of("sage")
    assert html.count(">Already yours</span>") == len(habits) + len(plan_of("sage")[1])
    assert not re.search(rf'name="habits" value="{habits[0].pk}"[^>]* checked', html)


def test_nothing_ticked_is_refused_on_the_page(owner_client, owner, sage):
    response = owner_client.post("/archetypes/result/accept/", {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tick at least one habit or quest to start with" in html and 'role="alert"' in html
    assert not Habit.objects.filter(user=owner, template__isnull=False).exists()
    assert not re.search(r'type="checkbox"[^>]* checked', html)  # what was sent (nothing) is kept


@pytest.mark.parametrize("bad", ["999999", "abc", "-3"])
def test_an_item_of_no_plan_is_refused_keeping_what_was_ticked(owner_client, owner, sage, bad):
    habits, _ = plan_of("sage")
    response = owner_client.post("/archetypes/result/accept/", {"habits": [habits[0].pk, bad]})
    html = response.content.decode()
    assert response.status_code == 200 and "That habit is not in this plan." in html
    assert re.search(rf'name="habits" value="{habits[0].pk}"[^>]* checked', html)
    assert not Habit.objects.filter(user=owner, template__isnull=False).exists()


def test_another_archetypes_plan_item_is_refused(owner_client, owner, sage):
    other, _ = plan_of("stoic")
    response = owner_client.post("/archetypes/result/accept/", {"habits": [other[0].pk]})
    assert response.status_code == 200 and "That habit is not in this plan." in response.content.decode()


def test_accepting_before_the_quiz_leads_to_the_quiz(owner_client):
    assert owner_client.post("/archetypes/result/accept/", {})["Location"] == "/archetypes/quiz/"


def test_the_result_pages_refuse_the_wrong_method(owner_client, sage):
    assert owner_client.post("/archetypes/result/").status_code == 405
    assert owner_client.get("/archetypes/result/accept/").status_code == 405
    assert owner_client.post("/archetypes/history/").status_code == 405


def test_the_plan_appears_on_today_and_on_the_quest_board(owner_client, owner, sage):
    accept_all(owner_client)
    today = owner_client.get("/").content.decode()
    for habit in Habit.objects.filter(user=owner, template__isnull=False):
        assert habit.name in today
    board = owner_client.get("/quests/").content.decode()
    for quest in Quest.objects.filter(user=owner):
        assert quest.title in board


# --- history -----------------------------------------------------------------------------------------


def test_the_history_lists_assignments_newest_first_with_how_each_was_chosen(owner_client, owner, staff):
    services.assign(owner, canonical_answers("sage"))  # a rule: "Student of everything"
    services.reassign(owner, Archetype.objects.get(slug="bard"), staff_user=staff)
    services.assign(owner, canonical_answers("healer"))  # no rule: the nearest profile
    html = owner_client.get("/archetypes/history/").content.decode()
    rows = re.findall(r'<li class="history-item.*?</li>', html, re.S)
    assert len(rows) == 3
    assert "Healer" in rows[0] and "Nearest profile" in rows[0] and "is-current" in rows[0] and ">Now<" in rows[0]
    assert "Bard" in rows[1] and "Chosen by staff" in rows[1] and "is-current" not in rows[1]
    assert "<strong>Sage</strong>" in rows[2] and "Rule “Student of everything”" in rows[2]
    assert "House Grove" in rows[2] and "(a clear Sage)" in rows[2] and "crests/grove.svg" in rows[2]


def test_the_history_before_the_quiz_invites_to_take_it(owner_client):
    html = owner_client.get("/archetypes/history/").content.decode()
    assert "No archetype yet." in html and 'href="/archetypes/quiz/"' in html


def test_the_history_is_the_users_own(owner_client, stranger):
    services.assign(stranger, canonical_answers("bard"))
    html = owner_client.get("/archetypes/history/").content.decode()
    assert "Bard" not in html and "No archetype yet." in html


# --- the profile and the header --------------------------------------------------------------------


def test_the_profile_offers_the_quiz_before_it_is_taken(owner_client):
    html = owner_client.get("/profile/").content.decode()
    assert "Your archetype" in html and ">Take the quiz</a>" in html


def test_the_profile_shows_the_archetype_house_and_crest_and_offers_a_retake(owner_client, sage):
    html = owner_client.get("/profile/").content.decode()
    assert '<p class="archetype-card-name">Sage</p>' in html
    assert 'src="/static/archetypes/crests/grove.svg"' in html and "House Grove" in html
    assert ">Retake the quiz</a>" in html and 'href="/archetypes/result/"' in html


def test_the_header_shows_the_crest_in_the_profile_link(owner_client, sage):
    html = owner_client.get("/").content.decode()
    link = re.search(r'<a href="/profile/" class="nav-link nav-profile".*?</a>', html, re.S).group(0)
    assert 'src="/static/archetypes/crests/grove.svg"' in link
    hidden = '<span class="visually-hidden"> (Sage, House Grove)</span>'
    assert f'<span class="nav-label">Profile</span>{hidden}' in link


def test_the_header_costs_no_query_once_cached(owner_client, owner, sage):
    owner_client.get("/habits/")
    with CaptureQueriesContext(connection) as queries:
        owner_client.get("/habits/")
    assert not [q for q in queries if "archetypes_" in q["sql"]]


def test_the_header_follows_a_retake(owner_client, owner, sage):
    owner_client.get("/")
    for number, question in enumerate(content.quiz().questions, start=1):
        owner_client.post(f"/archetypes/quiz/{number}/", {"choice": canonical_answers("bard")[question.pk]})
    html = owner_client.get("/").content.decode()
    assert " (Bard, House Grove)</span>" in html  # the house stays the one joined first


# --- queries ---------------------------------------------------------------------------------------------


def test_the_result_page_runs_the_same_queries_however_big_the_plan(owner_client, owner, sage):
    owner_client.get("/archetypes/result/")  # warm: the session, the cached content
    with CaptureQueriesContext(connection) as few:
        owner_client.get("/archetypes/result/")
    archetype = Archetype.objects.get(slug="sage")
    used = set(StarterHabit.objects.filter(archetype=archetype).values_list("template_id", flat=True))
    for n, template in enumerate(HabitTemplate.objects.exclude(pk__in=used)[:10]):
        StarterHabit.objects.create(archetype=archetype, template=template, position=50 + n)
    content.clear()
    owner_client.get("/archetypes/result/")
    with CaptureQueriesContext(connection) as many:
        response = owner_client.get("/archetypes/result/")
    assert len(many) == len(few) and len(few) <= 8
    assert response.content.decode().count('name="habits"') >= 14


def test_the_history_runs_the_same_queries_however_long(owner_client, owner):
    services.assign(owner, canonical_answers("sage"))
    owner_client.get("/archetypes/history/")
    with CaptureQueriesContext(connection) as few:
        owner_client.get("/archetypes/history/")
    for slug in ("bard", "stoic", "healer", "ranger"):
        services.assign(owner, canonical_answers(slug))
    with CaptureQueriesContext(connection) as many:
        owner_client.get("/archetypes/history/")
    assert len(many) == len(few)


def test_the_header_follows_a_change_of_house_and_a_staff_reassignment(
    owner_client, owner, sage, staff, django_capture_on_commit_callbacks,
):
    from archetypes import houses
    from archetypes.models import House, Membership

    Membership.objects.filter(user=owner).update(joined_at=sage.created_at - dt.timedelta(days=8))
    assert " (Sage, House Grove)</span>" in owner_client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        houses.change_house(owner, House.objects.get(slug="tide"))
    assert " (Sage, House Tide)</span>" in owner_client.get("/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.reassign(owner, Archetype.objects.get(slug="artisan"), staff_user=staff)
    html = owner_client.get("/").content.decode()
    assert " (Artisan, House Tide)</span>" in html and "crests/tide.svg" in html
