"""Assigning archetypes and keeping quiz progress: what the pages, the API and admin call
(docs/archetypes.md). Each function is one transaction; assign and reassign lock the
user's profile row, so a user's assignments happen one after another and exactly one
stays active."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from habitstory.accounts.models import Profile

from . import confidence as confidence_
from . import badge, content, houses, rules, scoring
from .models import Archetype, Assignment, Membership, QuizProgress

DIGITS = re.compile(r"^[0-9]{1,18}$")
MISSING, UNKNOWN_QUESTION = "Answer this question.", "No such question."
UNKNOWN_CHOICE, OTHER_QUESTION = "No such choice.", "That choice belongs to another question."


class AnswerError(ValidationError):
    """Answers that cannot be scored; `details` = {"answers.<question id>": [message]}."""

    def __init__(self, details: dict[str, list[str]]):
        super().__init__(details)
        self.details = details


def assign(user, answers: Mapping[Any, Any], *, now: dt.datetime | None = None) -> Assignment:
    """Score a complete set of answers (question id → choice id, ints or digit strings),
    choose the archetype (the first matching rule, else the nearest profile), store it as
    the user's active assignment (the earlier one kept as history), put a user without a
    house in the archetype's, and clear their quiz progress."""
    quiz = content.quiz()
    chosen = parse_answers(answers, quiz)
    scores = scoring.scores(chosen, quiz)
    candidates = content.archetypes()
    if not candidates:
        raise ValidationError("There are no archetypes yet.")
    rule = rules.match(scores, content.rules())
    by_id = {archetype.pk: archetype for archetype in candidates}
    archetype = by_id.get(rule.archetype_id) if rule else None
    if archetype is None:
        rule, archetype = None, rules.nearest(scores, candidates)
    profiles = {candidate.pk: rules.profile_of(candidate) for candidate in candidates}
    return _store(
        user, archetype, now=now, traits=scores,
        answers={str(question_id): choice_id for question_id, choice_id in chosen.items()},
        confidence=confidence_.confidence(scores, profiles, archetype.pk),
        source=Assignment.Source.RULE if rule else Assignment.Source.NEAREST,
        rule=rule, rule_name=rule.name if rule else "", quiz_version=quiz.version,
    )


def reassign(user, archetype: Archetype, *, staff_user, now: dt.datetime | None = None) -> Assignment:
    """Staff give the user `archetype` by hand (source "staff"); the user's last scores are
    kept, and the confidence is what they say of this archetype (1 without scores)."""
    previous = current(user)
    traits = dict(previous.traits) if previous else {}
    if traits:
        profiles = {candidate.pk: rules.profile_of(candidate) for candidate in content.archetypes()}
        profiles.setdefault(archetype.pk, {})
        score = confidence_.confidence(traits, profiles, archetype.pk)
    else:
        score = 1.0
    return _store(
        user, archetype, now=now, traits=traits, answers=dict(previous.answers) if previous else {},
        confidence=score, source=Assignment.Source.STAFF, rule=None, rule_name="",
        quiz_version=previous.quiz_version if previous else "", assigned_by=staff_user,
    )


def current(user) -> Assignment | None:
    return (
        Assignment.objects.filter(user=user, active=True).select_related("archetype", "house", "rule").first()
    )


def history(user) -> list[Assignment]:
    """Every assignment of the user, newest first (the active one among them)."""
    return list(Assignment.objects.filter(user=user).select_related("archetype", "house", "assigned_by"))


def parse_answers(answers: Mapping[Any, Any], quiz: content.Quiz, *, complete: bool = True) -> dict[int, int]:
    """Answers as question id → choice id, checked against the active quiz; AnswerError
    names each missing answer, unknown id and choice of another question."""
    if not isinstance(answers, Mapping):
        raise AnswerError({"answers": ["Send the answers as question id → choice id."]})
    owner_of = {choice_id: question.pk for question in quiz.questions for choice_id in quiz.choice_ids(question)}
    errors: dict[str, list[str]] = {}
    chosen: dict[int, int] = {}
    for key, value in answers.items():
        question_id, choice_id = _as_id(key), _as_id(value)
        question = quiz.question(question_id) if question_id is not None else None
        if question is None:
            errors[f"answers.{key}"] = [UNKNOWN_QUESTION]
        elif choice_id is None or choice_id not in owner_of:
            errors[f"answers.{key}"] = [UNKNOWN_CHOICE]
        elif owner_of[choice_id] != question.pk:
            errors[f"answers.{key}"] = [OTHER_QUESTION]
        else:
            chosen[question.pk] = choice_id
    if complete:
        for question in quiz.questions:
            if question.pk not in chosen and not any(_as_id(key) == question.pk for key in answers):
                errors[f"answers.{question.pk}"] = [MISSING]
    if errors:
        raise AnswerError(errors)
    return chosen


def save_answer(user, question_id: Any, choice_id: Any) -> QuizProgress:
    """Keep one answer of the quiz in progress (AnswerError when it does not fit)."""
    chosen = parse_answers({question_id: choice_id}, content.quiz(), complete=False)
    with transaction.atomic():
        progress_row, _ = QuizProgress.objects.select_for_update().get_or_create(user=user)
        progress_row.answers = {**progress_row.answers, **{str(key): value for key, value in chosen.items()}}
        progress_row.save(update_fields=["answers", "updated_at"])
    return progress_row


def progress(user) -> dict[int, int]:
    """The answers kept so far (question id → choice id), those that still fit the active
    quiz only."""
    row = QuizProgress.objects.filter(user=user).first()
    if row is None:
        return {}
    quiz = content.quiz()
    kept = {}
    for key, value in row.answers.items():
        question = quiz.question(_as_id(key) or 0)
        if question is not None and _as_id(value) in quiz.choice_ids(question):
            kept[question.pk] = _as_id(value)
    return kept


def skip_quiz(user, *, now: dt.datetime | None = None) -> QuizProgress:
    row, _ = QuizProgress.objects.update_or_create(user=user, defaults={"skipped_at": now or timezone.now()})
    return row


def needs_quiz(user) -> bool:
    """True until the user has an archetype or has chosen to skip the quiz."""
    if Assignment.objects.filter(user=user).exists():
        return False
    return not QuizProgress.objects.filter(user=user, skipped_at__isnull=False).exists()


def _store(user, archetype: Archetype, *, now: dt.datetime | None, **fields: Any) -> Assignment:
    now = now or timezone.now()
    with transaction.atomic():
        Profile.objects.select_for_update().get(user=user)  # the user's lock: one assignment at a time
        Assignment.objects.filter(user=user, active=True).update(active=False)
        assignment = Assignment.objects.create(user=user, archetype=archetype, house_id=archetype.house_id, **fields)
        Assignment.objects.filter(pk=assignment.pk).update(created_at=now)
        assignment.created_at = now
        if not Membership.objects.filter(user=user).exists():
            houses.join(user, archetype.house, now=now)
        QuizProgress.objects.filter(user=user).delete()
        transaction.on_commit(lambda: badge.forget(user.pk))  # the header's archetype and house
    return assignment


def _as_id(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value > 0 else None
    if isinstance(value, str) and DIGITS.match(value.strip()):
        return int(value.strip()) or None
    return None
