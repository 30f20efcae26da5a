"""/quiz, /archetypes, /archetypes/assign, /users/me/archetype, /houses: the shapes, the
answers' errors (each named, never a 500), the hour's cache of the content, the house cup.

Most tests run on a small quiz of their own (`small`: two traits, two questions, two
archetypes, one rule), so every score is known; the last ones take the seeded content's
quiz with answers that reproduce each archetype's profile."""

from __future__ import annotations

import datetime as dt
import importlib
import json

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archetypes import content, services
from archetypes.models import Archetype, Assignment, Membership, ProfileScore, Question
from gamification.models import XPEvent
from habits.models import HabitTemplate

from .archetype_content import Small
from .conftest import TODAY

pytestmark = pytest.mark.django_db

SEED = importlib.import_module("archetypes.migrations.0002_content")

ASSIGN = "/api/v1/archetypes/assign"
ME = "/api/v1/users/me/archetype"
ARCHETYPE_KEYS = {"id", "slug", "name", "tagline", "description", "illustration_url", "house", "profile",
                  "starter_plan"}
ASSIGNMENT_KEYS = {"id", "archetype", "house", "confidence", "confidence_text", "traits", "source", "matched_rule",
                   "quiz_version", "created_at"}
HOUSE_KEYS = {"id", "slug", "name", "motto", "color", "crest_url", "description", "members", "cup", "yours"}


def details(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]["details"]


def content_queries(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "archetypes_" in query["sql"]]


@pytest.fixture
def small(db) -> Small:
    return Small()


# --- the quiz -------------------------------------------------------------------------------


def test_it_gives_the_quiz(api, small):
    response = api.get("/api/v1/quiz")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["version"] == content.quiz().version and data["version"]
    assert data["traits"] == [
        {"slug": "grit", "name": "Grit", "description": "Keeps going"},
        {"slug": "spark", "name": "Spark", "description": ""},
    ]
    assert [question["id"] for question in data["questions"]] == [q.pk for q in small.questions]  # active only
    first = data["questions"][0]
    assert first["text"] == "Question 0"
    assert first["choices"] == [
        {"id": small.grit_choice[first["id"]].pk, "text": "Push on"},
        {"id": small.spark_choice[first["id"]].pk, "text": "Try something new"},
    ]
    assert "weight" not in json.dumps(data)  # what is asked, not how it is scored


def test_the_quiz_is_cached_until_content_is_cleared(api, small):
    assert api.get("/api/v1/quiz").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        again = api.get("/api/v1/quiz")
    assert again.status_code == 200 and content_queries(captured) == []
    Question.objects.filter(pk=small.questions[0].pk).update(text="Edited")
    assert api.get("/api/v1/quiz").json()["data"]["questions"][0]["text"] == "Question 0"  # within the hour
    content.clear()
    with CaptureQueriesContext(connection) as captured:
        fresh = api.get("/api/v1/quiz")
    assert content_queries(captured)
    assert fresh.json()["data"]["questions"][0]["text"] == "Edited"


# --- archetypes -----------------------------------------------------------------------------


def test_it_lists_the_archetypes(api, small):
    response = api.get("/api/v1/archetypes")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert [archetype["slug"] for archetype in data] == ["sage", "bard"]
    sage = data[0]
    assert set(sage) == ARCHETYPE_KEYS
    assert (sage["id"], sage["name"], sage["tagline"]) == (small.sage.pk, "Sage", "The sage")
    assert sage["description"] == "All about the Sage."
    assert sage["illustration_url"] == "/static/archetypes/art/sage.svg"
    assert sage["house"] == {"id": small.ember.pk, "slug": "ember", "name": "Ember", "motto": "Burn bright",
                             "color": "#cc3300", "crest_url": "/static/archetypes/crests/ember.svg"}
    assert sage["profile"] == {"grit": 100.0, "spark": 0.0}
    assert sage["starter_plan"] == {
        "habits": [{
            "slug": "test-read", "name": "Read 10 pages", "pillar": "Mind", "why": "A page a day.",
            "schedule": {"kind": "weekdays", "days": [0, 2, 4], "times": None, "n": None},
            "type": "at_least", "target": 10.0, "unit": "pages", "difficulty": "easy", "checked": True,
        }],
        "quests": [{"slug": "test-library", "title": "Join the library", "description": "", "xp_reward": 30,
                    "effort_minutes": 20, "checked": False}],
    }
    assert data[1]["starter_plan"] == {"habits": [], "quests": []}


def test_a_profile_gives_every_trait(api, small):
    ProfileScore.objects.filter(archetype=small.bard, trait=small.spark).delete()
    content.clear()
    bard = api.get(f"/api/v1/archetypes/{small.bard.pk}").json()["data"]
    assert bard["profile"] == {"grit": 0.0, "spark": 50.0}  # a trait without a target counts 50


def test_inactive_templates_leave_the_starter_plan(api, small):
    HabitTemplate.objects.filter(pk=small.habit_template.pk).update(active=False)
    content.clear()
    assert api.get(f"/api/v1/archetypes/{small.sage.pk}").json()["data"]["starter_plan"]["habits"] == []


def test_the_archetypes_are_cached_until_content_is_cleared(api, small):
    assert api.get("/api/v1/archetypes").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        listed = api.get("/api/v1/archetypes")
        one = api.get(f"/api/v1/archetypes/{small.bard.pk}")
    assert listed.status_code == one.status_code == 200
    assert content_queries(captured) == []
    Archetype.objects.filter(pk=small.bard.pk).update(name="Minstrel")
    assert api.get(f"/api/v1/archetypes/{small.bard.pk}").json()["data"]["name"] == "Bard"
    content.clear()
    assert api.get(f"/api/v1/archetypes/{small.bard.pk}").json()["data"]["name"] == "Minstrel"


def test_it_reads_an_archetype(api, small):
    response = api.get(f"/api/v1/archetypes/{small.bard.pk}")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert set(data) == ARCHETYPE_KEYS and data["slug"] == "bard" and data["house"]["slug"] == "tide"


@pytest.mark.parametrize("path", ["0", "999999", "99999999999999999999999999", "sage", "-1"])
def test_an_unknown_archetype_is_a_404(api, small, path):
    response = api.get(f"/api/v1/archetypes/{path}")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


# --- assign ---------------------------------------------------------------------------------


def test_assigning_by_a_rule(api, owner, small, frozen):
    response = api.post(ASSIGN, {"answers": small.answers("grit")})
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert set(data) == ASSIGNMENT_KEYS
    assignment = Assignment.objects.get(user=owner, active=True)
    assert data["id"] == assignment.pk
    assert data["archetype"] == {"id": small.sage.pk, "slug": "sage", "name": "Sage", "tagline": "The sage",
                                 "illustration_url": "/static/archetypes/art/sage.svg"}
    assert data["house"]["slug"] == "ember" and data["house"]["crest_url"] == "/static/archetypes/crests/ember.svg"
    assert data["traits"] == {"grit": 100.0, "spark": 0.0}
    assert (data["source"], data["matched_rule"]) == ("rule", "Gritty")
    assert data["confidence"] >= 0.9 and data["confidence_text"] == "a clear Sage"
    assert data["quiz_version"] == content.quiz().version
    assert data["created_at"] == "2026-03-04T12:00:00Z"
    assert assignment.rule_id == small.rule.pk
    assert Membership.objects.get(user=owner).house_id == small.ember.pk


def test_assigning_the_nearest_profile_with_ids_as_text(api, owner, small):
    response = api.post(ASSIGN, {"answers": small.answers("spark", as_text=True)})
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["archetype"]["slug"] == "bard" and data["house"]["slug"] == "tide"
    assert (data["source"], data["matched_rule"]) == ("nearest", "nearest profile")
    assert data["traits"] == {"grit": 0.0, "spark": 100.0}


def test_halfway_answers_are_not_confident(api, small):
    first, second = small.questions
    answers = {str(first.pk): small.grit_choice[first.pk].pk, str(second.pk): small.spark_choice[second.pk].pk}
    data = api.post(ASSIGN, {"answers": answers}).json()["data"]
    assert data["traits"] == {"grit": 50.0, "spark": 50.0}
    assert data["source"] == "nearest" and data["confidence"] <= 0.55
    assert data["confidence_text"].startswith("part ")


def test_retaking_keeps_the_history_and_one_active(api, owner, small):
    first = api.post(ASSIGN, {"answers": small.answers("grit")}).json()["data"]
    second = api.post(ASSIGN, {"answers": small.answers("spark")}).json()["data"]
    assert Assignment.objects.filter(user=owner).count() == 2
    assert list(Assignment.objects.filter(user=owner, active=True).values_list("pk", flat=True)) == [second["id"]]
    assert first["id"] != second["id"]
    assert api.get(ME).json()["data"]["id"] == second["id"]
    assert Membership.objects.get(user=owner).house_id == small.ember.pk  # the first house stays


def test_every_wrong_answer_is_named(api, owner, small):
    first, second = small.questions
    response = api.post(ASSIGN, {"answers": {
        str(first.pk): small.spark_choice[second.pk].pk,  # another question's choice
        str(small.inactive.pk): small.grit_choice[small.inactive.pk].pk,  # not asked
        "987654": small.grit_choice[first.pk].pk,  # no such question
    }})
    found = details(response)
    assert response.json()["error"]["code"] == "validation_error"
    assert set(found) == {f"answers.{first.pk}", f"answers.{small.inactive.pk}", "answers.987654",
                          f"answers.{second.pk}"}
    assert found[f"answers.{second.pk}"] == ["Answer this question."]
    assert found[f"answers.{first.pk}"] == ["That choice belongs to another question."]
    assert found["answers.987654"] == ["No such question."]
    assert not Assignment.objects.exists()


def test_an_unknown_choice_is_named(api, small):
    answers = small.answers("grit")
    key = next(iter(answers))
    answers[key] = 999999999999
    assert details(api.post(ASSIGN, {"answers": answers})) == {f"answers.{key}": ["No such choice."]}


def test_no_answers_names_every_question(api, small):
    found = details(api.post(ASSIGN, {"answers": {}}))
    assert set(found) == {f"answers.{q.pk}" for q in small.questions}


@pytest.mark.parametrize("raw,field", [
    ("[]", "body"),
    ('"answers"', "body"),
    ("null", "body"),
    ("17", "body"),
    ("{}", "answers"),
    ('{"answers": null}', "answers"),
    ('{"answers": []}', "answers"),
    ('{"answers": [[1, 2]]}', "answers"),
    ('{"answers": "1=2"}', "answers"),
    ('{"answers": {}, "user": 1}', "user"),
    ('{"answers": {"1": {"id": 2}}}', "answers.1"),
    ('{"answers": {"1": [2]}}', "answers.1"),
    ('{"answers": {"1": null}}', "answers.1"),
    ('{"answers": {"1": true}}', "answers.1"),
    ('{"answers": {"1": 2.5}}', "answers.1"),
    ('{"answers": {"1": 1e400}}', "answers.1"),
    ('{"answers": {"1": -3}}', "answers.1"),
    ('{"answers": {"1": 0}}', "answers.1"),
    ('{"answers": {"1": "0"}}', "answers.1"),
    ('{"answers": {"1": " 2"}}', "answers.1"),
    ('{"answers": {"1": "2x"}}', "answers.1"),
    ('{"answers": {"1": "007"}}', "answers.1"),
    ('{"answers": {"1": 1000000000000000000}}', "answers.1"),
    ('{"answers": {"1": 123456789012345678901234567890}}', "answers.1"),
    ('{"answers": {"1": "123456789012345678901234567890"}}', "answers.1"),
    ('{"answers": {"123456789012345678901234567890": 1}}', "answers.123456789012345678901234567890"),
    ('{"answers": {"-1": 1}}', "answers.-1"),
    ('{"answers": {"one": 1}}', "answers.one"),
    ('{"answers": {"": 1}}', "answers."),
])
def test_a_malformed_body_is_a_400_naming_it(api, small, raw, field):
    response = api.post(ASSIGN, raw=raw)
    found = details(response)
    assert field in found, found
    assert response.json()["error"]["code"] == "validation_error"
    assert not Assignment.objects.exists()


@pytest.mark.parametrize("raw", [
    "{", '{"answers": {"1": NaN}}', '{"answers": {"1": "\\u0000"}}', '{"answers": {"\\ud800": 1}}',
    '{"answers": ' + "[" * 5000 + "]" * 5000 + "}",
    '{"answers": {"1": ' + "9" * 5000 + "}}",
])
def test_a_body_that_is_not_json_is_a_400(api, small, raw):
    response = api.post(ASSIGN, raw=raw)
    assert response.status_code == 400, response.content
    assert not Assignment.objects.exists()


def test_too_many_answers_is_a_400(api, small):
    answers = {str(key): 1 for key in range(1, 102)}
    assert "answers" in details(api.post(ASSIGN, {"answers": answers}))


def test_a_body_not_sent_as_json_is_a_415(api, small):
    response = api.client.post(ASSIGN, "answers=1", content_type="text/plain",
                               HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert response.status_code == 415


def test_the_browser_needs_the_csrf_header(session_api, small):
    assert session_api.post(ASSIGN, {"answers": small.answers()}).status_code == 403
    assert not Assignment.objects.exists()


# --- your archetype -------------------------------------------------------------------------


def test_before_the_quiz_there_is_no_assignment(api, small):
    response = api.get(ME)
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "no_assignment" and "quiz" in error["message"]


def test_your_archetype_is_the_active_assignment(api, small, frozen):
    assigned = api.post(ASSIGN, {"answers": small.answers("grit")}).json()["data"]
    response = api.get(ME)
    assert response.status_code == 200, response.content
    assert response.json()["data"] == assigned


def test_another_users_assignment_is_not_yours(api, stranger_api, small):
    assert stranger_api.post(ASSIGN, {"answers": small.answers()}).status_code == 201
    assert api.get(ME).status_code == 404


def test_a_staff_assignment_names_no_rule(api, owner, small):
    services.reassign(owner, small.bard, staff_user=None)
    data = api.get(ME).json()["data"]
    assert (data["source"], data["matched_rule"], data["archetype"]["slug"]) == ("staff", "", "bard")


# --- houses ---------------------------------------------------------------------------------


def _xp(user, amount: int, on: dt.date, source: str) -> None:
    XPEvent.objects.create(user=user, amount=amount, reason="habit_done", source=source, on=on)


def test_the_houses_in_this_weeks_cup(api, owner, stranger, make_user, small, frozen):
    assert api.post(ASSIGN, {"answers": small.answers("grit")}).status_code == 201  # owner: Ember
    services.assign(stranger, small.answers("spark"))  # Tide
    third = make_user("third@example.com")
    services.assign(third, small.answers("spark"))  # Tide
    _xp(owner, 40, TODAY, "t:1")
    _xp(stranger, 25, TODAY, "t:2")
    _xp(third, 10, TODAY - dt.timedelta(days=1), "t:3")
    _xp(third, 500, TODAY - dt.timedelta(days=14), "t:4")  # an earlier week
    response = api.get("/api/v1/houses")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert [house["slug"] for house in data] == ["ember", "tide"]
    ember, tide = data
    assert set(ember) == HOUSE_KEYS
    assert ember == {
        "id": small.ember.pk, "slug": "ember", "name": "Ember", "motto": "Burn bright", "color": "#cc3300",
        "crest_url": "/static/archetypes/crests/ember.svg", "description": "The hearth.", "members": 1,
        "cup": {"rank": 1, "xp": 40}, "yours": True,
    }
    assert (tide["members"], tide["cup"], tide["yours"]) == (2, {"rank": 2, "xp": 35}, False)


def test_houses_before_the_quiz(api, small, frozen):
    data = api.get("/api/v1/houses").json()["data"]
    assert [(house["slug"], house["cup"], house["members"], house["yours"]) for house in data] == [
        ("ember", {"rank": 1, "xp": 0}, 0, False), ("tide", {"rank": 1, "xp": 0}, 0, False),
    ]


def test_the_houses_run_the_same_queries_however_many_members(api, make_user, small, frozen):
    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/houses").status_code == 200
        return len(captured)

    services.assign(make_user("first@example.com"), small.answers("grit"))
    count()  # the token's first use is recorded
    few = count()
    for n in range(10):
        member = make_user(f"member{n}@example.com")
        services.assign(member, small.answers("grit" if n % 2 else "spark"))
        _xp(member, 5, TODAY, f"m:{n}")
    assert count() == few


# --- every endpoint -------------------------------------------------------------------------

ENDPOINTS = [("GET", "/api/v1/quiz"), ("GET", "/api/v1/archetypes"), ("GET", "/api/v1/archetypes/1"),
             ("POST", ASSIGN), ("GET", ME), ("GET", "/api/v1/houses")]


@pytest.mark.parametrize("method,url", ENDPOINTS)
def test_every_endpoint_needs_a_token(anon, small, method, url):
    response = anon.request(method, url, {"answers": {}} if method == "POST" else None)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("method,url", [("DELETE", "/api/v1/quiz"), ("PUT", "/api/v1/archetypes"),
                                        ("GET", ASSIGN), ("POST", ME), ("POST", "/api/v1/houses")])
def test_a_wrong_method_is_a_405(api, small, method, url):
    response = api.request(method, url)
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_assigning_runs_a_bounded_number_of_queries(api, small):
    api.get("/api/v1/quiz")  # the content cached, as it is within the hour
    api.get("/api/v1/archetypes")
    content.rules()
    with CaptureQueriesContext(connection) as captured:
        assert api.post(ASSIGN, {"answers": small.answers()}).status_code == 201
    assert len(captured) <= 16, "\n".join(query["sql"][:100] for query in captured.captured_queries)
    content_tables = ("question", "choice", "trait", "archetype\"", "profilescore", "rule", "condition", "starter")
    assert [sql for sql in content_queries(captured)
            if any(f'"archetypes_{table}' in sql for table in content_tables)] == []


# --- the seeded content ---------------------------------------------------------------------


@pytest.fixture
def seeded(db):
    """The content a fresh install has (put back if an earlier test emptied the tables)."""
    SEED.add(apps, None)
    content.clear()


def canonical_answers(slug: str) -> dict[str, int | str]:
    """The seeded archetype's canonical answer set (a choice's position per question, in
    the migration), as a client would send it: ids as numbers and as strings, mixed."""
    positions = next(row[5] for row in SEED.ARCHETYPES if row[0] == slug)
    questions = content.quiz().questions
    assert len(questions) == len(positions)
    chosen = [list(question.choices.all())[position].pk for question, position in zip(questions, positions)]
    return {str(question.pk): (choice if n % 2 else str(choice))
            for n, (question, choice) in enumerate(zip(questions, chosen))}


def test_the_seeded_quiz(api, seeded):
    data = api.get("/api/v1/quiz").json()["data"]
    assert [trait["slug"] for trait in data["traits"]] == [row[1] for row in SEED.TRAITS]
    assert [question["text"] for question in data["questions"]] == [row[0] for row in SEED.QUESTIONS]
    assert all(3 <= len(question["choices"]) <= 5 for question in data["questions"])
    houses = api.get("/api/v1/houses").json()["data"]
    assert sorted(house["crest_url"] for house in houses) == sorted(
        f"/static/archetypes/crests/{slug}.svg" for slug in ("ember", "tide", "grove", "summit"))


@pytest.mark.parametrize("slug", [row[0] for row in SEED.ARCHETYPES])
def test_answers_reproducing_a_profile_assign_it_confidently(api, owner, seeded, slug):
    response = api.post(ASSIGN, {"answers": canonical_answers(slug)})
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    archetype = api.get(f"/api/v1/archetypes/{data['archetype']['id']}").json()["data"]
    assert data["archetype"]["slug"] == archetype["slug"] == slug
    assert data["traits"] == archetype["profile"]
    assert data["confidence"] >= 0.9
    assert data["confidence_text"] == f"a clear {archetype['name']}"
    assert data["house"] == archetype["house"]
    assert data["matched_rule"] == (Assignment.objects.get(user=owner, active=True).rule_name or "nearest profile")
