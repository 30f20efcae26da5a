from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.db import connection

from archetypes import content
from archetypes.models import Archetype, Choice, ChoiceWeight, House, Question, Rule, Trait
from tests.concurrency import run_together  # noqa: F401 - the archetypes tests import it from here

SEED = importlib.import_module("archetypes.migrations.0002_content")
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)


def canonical_answers(slug: str) -> dict[int, int]:
    """The seeded archetype's canonical answers as question id → choice id."""
    positions = next(row[5] for row in SEED.ARCHETYPES if row[0] == slug)
    questions = content.quiz().questions
    return {question.pk: list(question.choices.all())[position].pk for question, position in zip(questions, positions)}


@pytest.fixture
def empty_content(db):
    """No seeded content: each test builds the quiz, archetypes and rules it needs."""
    Rule.objects.all().delete()
    Archetype.objects.all().delete()
    House.objects.all().delete()
    Question.objects.all().delete()
    Trait.objects.all().delete()
    content.clear()


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_superuser("staff@example.com", "correct-horse-battery-staple")


def make_question(text: str, weights: list[dict[Trait, float]], position: int = 0) -> Question:
    """A question with one choice per entry of `weights` (trait → weight)."""
    question = Question.objects.create(text=text, position=position)
    for n, choice_weights in enumerate(weights):
        choice = Choice.objects.create(question=question, text=f"{text} {n}", position=n)
        for trait, weight in choice_weights.items():
            ChoiceWeight.objects.create(choice=choice, trait=trait, weight=weight)
    return question


def choice_at(question: Question, position: int) -> int:
    return question.choices.order_by("position", "id")[position].pk


postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL")


