"""XP for verified habits (docs/verification.md): an approved proof adds half of its tick's
XP (rounded up; a backfilled tick earned none, so its proof earns none), once; a proof
taken back (the tick undone, or staff rejecting it after approval) loses it again. A peer
review earns REVIEW_XP, up to REVIEW_XP_DAILY_CAP a (local) day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Sum

from . import rules
from .ledger import award, compensate
from .models import XPEvent


@dataclass(frozen=True)
class Proof:
    """A proof of one tick (the occurrence and its XP cycle) approved, or taken back."""

    submission_id: int
    occurrence_id: int
    cycle: int
    approved: bool


@dataclass(frozen=True)
class ReviewCredit:
    """One peer review decided by the user."""

    review_id: int


def proof_source(submission_id: int) -> str:
    return f"verification:{submission_id}"


def proof_xp(user, proof: Proof, today: dt.date) -> int:
    source = proof_source(proof.submission_id)
    if not proof.approved:
        return compensate(user, source, XPEvent.Reason.VERIFICATION, XPEvent.Reason.VERIFICATION_REVOKED, today)
    if XPEvent.objects.filter(source=source, reason=XPEvent.Reason.VERIFICATION).exists():
        return 0
    tick = XPEvent.objects.filter(
        source=f"occurrence:{proof.occurrence_id}:{proof.cycle}", reason=XPEvent.Reason.HABIT_DONE,
    ).values_list("amount", flat=True).first()
    return award(user, rules.verification_bonus(tick or 0), XPEvent.Reason.VERIFICATION, source, today)


def review_xp(user, credit: ReviewCredit, today: dt.date) -> int:
    earned = XPEvent.objects.filter(user=user, on=today, reason=XPEvent.Reason.REVIEW).aggregate(
        total=Sum("amount"))["total"] or 0
    amount = max(0, min(rules.REVIEW_XP, rules.REVIEW_XP_DAILY_CAP - earned))
    return award(user, amount, XPEvent.Reason.REVIEW, f"review:{credit.review_id}", today)
