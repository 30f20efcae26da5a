"""The verification API's shapes (routers/verifications.py, routers/reviews.py)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from verification.models import Submission

from .envelope import Out


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
