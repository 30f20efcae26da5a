"""The quiz pages: one question a step (progress, back and next), answers kept as you go
and resumed, htmx swaps with the step's address pushed, refusals that name the field and
keep what was chosen, the last step assigning and leading to the result, skipping, the
sign-up leading here. The result, plan and history: test_pages_result.py."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from archetypes import content, services
from archetypes.models import Archetype, Assignment, Choice, QuizProgress

from .conftest import canonical_answers, make_question

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def questions():
    return content.quiz().questions


def step_url(number: int) -> str:
    return f"/archetypes/quiz/{number}/"


def first_choice(question) -> int:
    return list(question.choices.all())[0].pk


def checked_value(html: str) -> str | None:
    found = re.search(r'<input type="radio" name="choice" value="(\d+)"[^>]* checked', html)
    return found.group(1) if found else None


# --- where the quiz starts and resumes --------------------------------------------------------------


def test_the_quiz_needs_a_login(client):
    response = client.get("/archetypes/quiz/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert "/accounts/login/" in client.get(step_url(1))["Location"]


def test_the_quiz_starts_at_the_first_question(owner_client):
    assert owner_client.get("/archetypes/quiz/")["Location"] == step_url(1)


def test_the_quiz_resumes_at_the_first_question_not_answered(owner_client, owner):
    first, second = questions()[:2]
    services.save_answer(owner, first.pk, first_choice(first))
    services.save_answer(owner, second.pk, first_choice(second))
    assert owner_client.get("/archetypes/quiz/")["Location"] == step_url(3)


def test_a_step_shows_its_question_as_the_legend_with_the_progress_and_its_choices(owner_client):
    question = questions()[2]
    html = owner_client.get(step_url(3)).content.decode()
    assert "<legend><span class=\"quiz-count\">Question 3 of 14</span>" in html
    assert f'<span class="quiz-text">{question.text}</span></legend>' in html
    for choice in question.choices.all():
        assert f'value="{choice.pk}"' in html and choice.text in html
    assert 'value="back"' in html and "Skip for now" in html
    assert 'hx-post="/archetypes/quiz/3/"' in html and 'hx-target="#quiz"' in html
    assert "autofocus" not in html  # a whole page: the reader starts at the top


def test_the_first_step_has_no_back_and_the_last_says_where_it_leads(owner_client):
    first = owner_client.get(step_url(1)).content.decode()
    assert 'value="back"' not in first and ">Next</button>" in first
    last = owner_client.get(step_url(14)).content.decode()
    assert "See my archetype" in last


def test_a_step_shows_the_answer_saved_before(owner_client, owner):
    question = questions()[0]
    chosen = list(question.choices.all())[2].pk
    services.save_answer(owner, question.pk, chosen)
    assert checked_value(owner_client.get(step_url(1)).content.decode()) == str(chosen)


@pytest.mark.parametrize("number", [0, 15, 99])
def test_a_step_that_does_not_exist_is_a_404(owner_client, number):
    assert owner_client.get(step_url(number)).status_code == 404


def test_the_wrong_method_is_refused(owner_client):
    assert owner_client.put(step_url(1)).status_code == 405
    assert owner_client.post("/archetypes/quiz/").status_code == 405
    assert owner_client.get("/archetypes/quiz/skip/").status_code == 405


def test_without_questions_the_quiz_sends_you_to_today(owner_client):
    from archetypes.models import Question

    Question.objects.update(active=False)
    content.clear()
    response = owner_client.get("/archetypes/quiz/")
    assert response["Location"] == "/"


# --- answering -----------------------------------------------------------------------------------


def test_next_saves_the_answer_and_goes_to_the_next_step(owner_client, owner):
    question = questions()[0]
    response = owner_client.post(step_url(1), {"choice": first_choice(question), "action": "next"})
    assert response.status_code == 302 and response["Location"] == step_url(2)
    assert QuizProgress.objects.get(user=owner).answers == {str(question.pk): first_choice(question)}


def test_back_keeps_an_answer_given_and_goes_back(owner_client, owner):
    question = questions()[1]
    response = owner_client.post(step_url(2), {"choice": first_choice(question), "action": "back"})
    assert response["Location"] == step_url(1)
    assert services.progress(owner) == {question.pk: first_choice(question)}


def test_back_without_an_answer_just_goes_back(owner_client, owner):
    response = owner_client.post(step_url(2), {"action": "back"})
    assert response["Location"] == step_url(1)
    assert services.progress(owner) == {}


def test_with_htmx_the_next_step_comes_back_alone_and_its_address_is_pushed(owner_client):
    question = questions()[0]
    response = owner_client.post(step_url(1), {"choice": first_choice(question), "action": "next"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and response["HX-Push-Url"] == step_url(2)
    assert html.lstrip().startswith('<section id="quiz"') and "<html" not in html
    assert "Question 2 of 14" in html
    # The first choice takes the focus, so the keyboard and a screen reader are on the new question.
    assert len(re.findall(r"\bautofocus\b", html)) == 1
    assert re.search(r'value="\d+" id="id_choice_0" autofocus', html)


def test_the_browsers_back_button_gets_the_whole_page(owner_client):
    """htmx keeps no history cache: going back asks for the pushed address again."""
    response = owner_client.get(step_url(2), HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    html = response.content.decode()
    assert html.startswith("<!doctype html>") and "Question 2 of 14" in html and "autofocus" not in html


def test_with_htmx_back_focuses_the_answer_given_before(owner_client, owner):
    first = questions()[0]
    chosen = list(first.choices.all())[1].pk
    services.save_answer(owner, first.pk, chosen)
    response = owner_client.post(step_url(2), {"action": "back"}, **HTMX)
    assert response["HX-Push-Url"] == step_url(1)
    assert re.search(rf'value="{chosen}" id="id_choice_1" checked autofocus', response.content.decode())


@pytest.mark.parametrize("sent", [{}, {"choice": ""}])
def test_no_answer_is_refused_naming_the_field(owner_client, owner, sent):
    response = owner_client.post(step_url(1), {**sent, "action": "next"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="quiz-error" role="alert">Choose one of the answers to go on.' in html
    assert 'aria-describedby="quiz-error"' in html and 'aria-invalid="true"' in html
    assert services.progress(owner) == {}


def test_a_choice_of_another_question_is_refused_and_the_saved_answer_kept(owner_client, owner):
    first, second = questions()[:2]
    saved = list(first.choices.all())[3].pk
    services.save_answer(owner, first.pk, saved)
    response = owner_client.post(step_url(1), {"choice": first_choice(second), "action": "next"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "That answer is not one of this question’s: choose one of these." in html
    assert checked_value(html) == str(saved)
    assert services.progress(owner) == {first.pk: saved}


@pytest.mark.parametrize("bad", ["999999", "abc", "-1", "1.5", "9" * 40])
def test_an_unknown_choice_is_refused(owner_client, owner, bad):
    response = owner_client.post(step_url(1), {"choice": bad, "action": "next"})
    assert response.status_code == 200
    assert "That answer is not one of this question’s" in response.content.decode()
    assert services.progress(owner) == {}


def test_with_htmx_a_refusal_comes_back_in_the_region(owner_client):
    response = owner_client.post(step_url(1), {"action": "next"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "HX-Push-Url" not in response
    assert html.lstrip().startswith('<section id="quiz"') and "Choose one of the answers" in html


def answer_all(client, answers: dict[int, int], *, htmx: bool = False):
    response = None
    for number, question in enumerate(questions(), start=1):
        extra = HTMX if htmx else {}
        response = client.post(step_url(number), {"choice": answers[question.pk], "action": "next"}, **extra)
    return response


@pytest.mark.parametrize("slug", ["sage", "bard"])
def test_the_last_step_assigns_and_leads_to_the_result(owner_client, owner, slug):
    response = answer_all(owner_client, canonical_answers(slug))
    assert response.status_code == 302 and response["Location"] == "/archetypes/result/"
    assignment = Assignment.objects.get(user=owner, active=True)
    assert assignment.archetype.slug == slug and assignment.confidence >= 0.9
    assert not QuizProgress.objects.filter(user=owner).exists()  # a retake starts afresh


def test_with_htmx_the_last_step_sends_the_browser_to_the_result(owner_client, owner):
    response = answer_all(owner_client, canonical_answers("ranger"), htmx=True)
    assert response.status_code == 200 and response["HX-Redirect"] == "/archetypes/result/"
    assert Assignment.objects.get(user=owner).archetype.slug == "ranger"


def test_a_question_left_unanswered_is_shown_at_the_end_naming_it(owner_client, owner):
    answers = canonical_answers("sage")
    quiz = questions()
    for question in quiz[:13]:
        if question.pk != quiz[4].pk:
            services.save_answer(owner, question.pk, answers[question.pk])
    response = owner_client.post(step_url(14), {"choice": answers[quiz[13].pk], "action": "next"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Question 5 of 14" in html and 'action="/archetypes/quiz/5/"' in html
    assert "This question still needs an answer: choose one to finish." in html
    assert not Assignment.objects.filter(user=owner).exists()
    assert services.progress(owner)[quiz[13].pk] == answers[quiz[13].pk]  # the last answer was kept


def test_with_htmx_the_unanswered_question_comes_back_with_its_address(owner_client, owner):
    response = owner_client.post(step_url(14), {"choice": first_choice(questions()[13]), "action": "next"}, **HTMX)
    assert response["HX-Push-Url"] == step_url(1)
    assert "Question 1 of 14" in response.content.decode()


def test_retaking_the_quiz_keeps_the_earlier_assignment_as_history(owner_client, owner):
    answer_all(owner_client, canonical_answers("sage"))
    answer_all(owner_client, canonical_answers("stoic"))
    assert [a.archetype.slug for a in Assignment.objects.filter(user=owner)] == ["stoic", "sage"]
    assert Assignment.objects.filter(user=owner, active=True).count() == 1


# --- skipping and sign-up ----------------------------------------------------------------------------


def test_skip_for_now_leads_to_today_and_is_remembered(owner_client, owner):
    response = owner_client.post("/archetypes/quiz/skip/")
    assert response.status_code == 302 and response["Location"] == "/"
    assert QuizProgress.objects.get(user=owner).skipped_at is not None
    assert services.needs_quiz(owner) is False
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["Skipped for now. Take the quiz any time from your profile."]


def test_a_new_user_is_offered_the_quiz_right_after_signing_up(client):
    response = client.post("/accounts/signup/", {
        "email": "new@example.com", "password1": "a-long-pass-phrase-91", "password2": "a-long-pass-phrase-91",
    })
    assert response.status_code == 302 and response["Location"] == "/archetypes/quiz/"
    assert client.get(response["Location"])["Location"] == step_url(1)


def test_logging_in_still_leads_to_today(client, owner):
    from tests.conftest import PASSWORD

    response = client.post("/accounts/login/", {"login": owner.email, "password": PASSWORD})
    assert response["Location"] == "/"


# --- queries ---------------------------------------------------------------------------------------


def more_content(extra: int) -> None:
    """`extra` more questions of five choices each, and as many archetypes."""
    traits = list(content.quiz().traits)
    house = Archetype.objects.first().house
    for n in range(extra):
        make_question(f"Extra question {n}", [{traits[k % len(traits)]: 1} for k in range(5)], position=100 + n)
        Archetype.objects.create(slug=f"extra-{n}", name=f"Extra {n}", tagline="More.", description="More.",
                                 illustration="archetypes/art/sage.svg", house=house, position=100 + n)
    content.clear()


def count(client, method: str, url: str, data=None, **extra) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data or {}, **extra)
    assert response.status_code in (200, 302)
    return len(queries)


def test_a_step_runs_the_same_queries_however_big_the_quiz(owner_client, owner):
    question = questions()[1]
    owner_client.get(step_url(2))  # warm: the session, the cached content
    owner_client.post(step_url(2), {"choice": first_choice(question)}, **HTMX)  # the progress row exists
    few_get = count(owner_client, "get", step_url(2))
    few_post = count(owner_client, "post", step_url(2), {"choice": first_choice(question)}, **HTMX)
    assert few_get <= 6
    more_content(10)
    owner_client.get(step_url(2))
    assert count(owner_client, "get", step_url(2)) == few_get
    assert count(owner_client, "post", step_url(2), {"choice": first_choice(question)}, **HTMX) == few_post
    assert Choice.objects.filter(question__text__startswith="Extra").count() == 50
