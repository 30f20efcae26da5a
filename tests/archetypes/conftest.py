from __future__ import annotations

import datetime as dt
import importlib
import threading

import pytest
from django.db import close_old_connections, connection

from archetypes import content
from archetypes.models import Archetype, Choice, ChoiceWeight, House, Question, Rule, Trait

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


def run_together(calls) -> list[BaseException]:
    """Start every call at once (a barrier), each in its own thread and connection."""
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def worker(call):
        try:
            barrier.wait()
            call()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors
