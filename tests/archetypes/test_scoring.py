from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archetypes import content, scoring
from archetypes.models import ChoiceWeight, Trait

from .conftest import choice_at, make_question


@pytest.fixture
def traits(empty_content):
    return {slug: Trait.objects.create(slug=slug, name=slug.title(), position=n)
            for n, slug in enumerate(["grit", "wonder", "still"])}


def test_it_scales_each_trait_by_the_range_the_quiz_can_reach(traits):
    grit, wonder = traits["grit"], traits["wonder"]
    first = make_question("One", [{grit: 3}, {grit: -1, wonder: 2}, {}])
    second = make_question("Two", [{grit: 2}, {wonder: 4}], position=1)
    quiz = content.quiz()
    # grit reaches -1 .. 5, wonder 0 .. 6; "still" no choice moves
    assert scoring.trait_range(quiz, "grit") == (-1.0, 5.0)
    assert scoring.scores({first.pk: choice_at(first, 0), second.pk: choice_at(second, 0)}, quiz) == {
        "grit": 100.0, "wonder": 0.0, "still": 50.0,
    }
    assert scoring.scores({first.pk: choice_at(first, 1), second.pk: choice_at(second, 1)}, quiz) == {
        "grit": 0.0, "wonder": 100.0, "still": 50.0,
    }
    assert scoring.scores({first.pk: choice_at(first, 2), second.pk: choice_at(second, 0)}, quiz)["grit"] == 50.0


def test_editing_the_quiz_rescales_the_scores(traits):
    grit = traits["grit"]
    first = make_question("One", [{grit: 4}, {}])
    second = make_question("Two", [{grit: 4}, {}], position=1)
    answers = {first.pk: choice_at(first, 0), second.pk: choice_at(second, 1)}
    assert scoring.scores(answers, content.quiz())["grit"] == 50.0
    second.active = False
    second.save()
    content.clear()
    assert scoring.scores({first.pk: choice_at(first, 0)}, content.quiz())["grit"] == 100.0
    ChoiceWeight.objects.filter(choice_id=choice_at(first, 1)).delete()
    ChoiceWeight.objects.create(choice_id=choice_at(first, 1), trait=grit, weight=-4)
    content.clear()
    assert scoring.scores({first.pk: choice_at(first, 0)}, content.quiz())["grit"] == 100.0
    assert scoring.scores({first.pk: choice_at(first, 1)}, content.quiz())["grit"] == 0.0


def test_the_version_changes_with_questions_choices_and_weights(traits):
    grit = traits["grit"]
    question = make_question("One", [{grit: 1}, {}])
    before = content.quiz().version
    assert len(before) == 12
    content.clear()
    assert content.quiz().version == before
    ChoiceWeight.objects.filter(choice__question=question).update(weight=2)
    content.clear()
    changed = content.quiz().version
    assert changed != before
    question.choices.create(text="A third", position=2)
    content.clear()
    assert content.quiz().version != changed


def test_a_quiz_without_questions_scores_every_trait_50(traits):
    assert scoring.scores({}, content.quiz()) == {"grit": 50.0, "wonder": 50.0, "still": 50.0}


def _fake_quiz(table: list[list[float]]):
    """A one-trait quiz: table[q][c] is choice c of question q's weight."""
    questions, weights, next_id = [], {}, 1
    for n, row in enumerate(table):
        choices = []
        for weight in row:
            choices.append(SimpleNamespace(pk=next_id))
            weights[next_id] = {"t": weight}
            next_id += 1
        questions.append(SimpleNamespace(pk=1000 + n, choices=SimpleNamespace(all=lambda c=choices: c)))
    return SimpleNamespace(questions=questions, weights=weights, trait_slugs=["t"])


weights = st.integers(min_value=-10, max_value=10).map(float)
tables = st.lists(st.lists(weights, min_size=1, max_size=5), min_size=1, max_size=16)


@settings(max_examples=200, deadline=None)
@given(tables, st.data())
def test_scores_stay_in_0_100_and_reach_both_ends(table, data):
    quiz = _fake_quiz(table)
    picks = {question.pk: data.draw(st.sampled_from([c.pk for c in question.choices.all()]))
             for question in quiz.questions}
    assert 0.0 <= scoring.scores(picks, quiz)["t"] <= 100.0
    lowest = {q.pk: min(q.choices.all(), key=lambda c: quiz.weights[c.pk]["t"]).pk for q in quiz.questions}
    highest = {q.pk: max(q.choices.all(), key=lambda c: quiz.weights[c.pk]["t"]).pk for q in quiz.questions}
    low, high = scoring.trait_range(quiz, "t")
    if low == high:
        assert scoring.scores(picks, quiz)["t"] == 50.0
    else:
        assert scoring.scores(lowest, quiz)["t"] == 0.0
        assert scoring.scores(highest, quiz)["t"] == 100.0
