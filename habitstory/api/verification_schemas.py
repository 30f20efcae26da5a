"""The verification API's shapes (routers/verifications.py, routers/reviews.py)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field

from verification.models import Review, Submission

from .envelope import Out
from .schemas import Input


class DecisionOut(Out):
    outcome: Literal["approved", "rejected"]
    reason: str
    decided_at: dt.datetime


class SubmissionOut(Out):
    id: int
    habit: int
    on: dt.date
    kind: Literal["photo", "video", "audio"]
    claim: str
    state: Literal["pending", "escalated", "approved", "rejected", "withdrawn"]
    content_type: str
    size: int
    duration: float | None
    sha256: str
    created_at: dt.datetime
    decision: DecisionOut | None
    media: str | None


def submission_data(submission: Submission) -> dict:
    """A submission as its owner (or staff) reads it."""
    final = submission.state in Submission.FINAL and submission.decided_at is not None
    return {
        "id": submission.pk,
        "habit": submission.habit_id,
        "on": submission.on,
        "kind": submission.kind,
        "claim": submission.claim,
        "state": submission.state,
        "content_type": submission.content_type,
        "size": submission.size,
        "duration": submission.duration,
        "sha256": submission.sha256,
        "created_at": submission.created_at,
        "decision": {"outcome": submission.state, "reason": submission.decision_reason,
                     "decided_at": submission.decided_at} if final else None,
        "media": f"/api/v1/verifications/{submission.pk}/media" if submission.media else None,
    }


# --- peer review (routers/reviews.py) -----------------------------------------------------------

ReasonValue = Literal[tuple(Review.Reason.values)]  # type: ignore[valid-type]


class ReviewedSubmissionOut(Out):
    """What a reviewer sees of a proof: never who sent it, nor when."""

    id: int
    kind: Literal["photo", "video", "audio"]
    claim: str
    habit_name: str
    media: str
    content_type: str
    duration: float | None


class ReviewClaimOut(Out):
    id: int
    submission: ReviewedSubmissionOut
    lease_until: dt.datetime


class ReviewDecisionIn(Input):
    decision: Literal["approve", "reject", "flag"]
    reason: ReasonValue | None = Field(None, description="Needed to reject: " + ", ".join(
        f"`{value}` ({label.lower()})" for value, label in Review.Reason.choices) + ".")


class ReviewDecisionOut(Out):
    id: int
    decision: Literal["approve", "reject", "flag"]
    reason: str
    state: Literal["pending", "escalated", "approved", "rejected", "withdrawn"]
    final: Literal["approved", "escalated"] | None
    xp: int


class ReviewerOut(Out):
    active: bool
    why_no_work: str | None


def claim_data(review: Review) -> dict:
    submission = review.submission
    return {
        "id": review.pk,
        "submission": {
            "id": submission.pk, "kind": submission.kind, "claim": submission.claim,
            "habit_name": submission.habit.name, "media": f"/api/v1/verifications/{submission.pk}/media",
            "content_type": submission.content_type, "duration": submission.duration,
        },
        "lease_until": review.lease_until,
    }
