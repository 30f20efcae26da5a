"""/reviews: peer review of others' proofs (docs/verification.md). Opt in (an account at
least 7 days old, level 5 or more) or out; claim the next proof (one at a time, for 15
minutes; its media at /verifications/{id}/media while the claim runs), and decide on it.
Reviewers never see who sent a proof. The rules are verification's and the story layer's."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from ninja import Router
from ninja.responses import Status

from habitstory.story import verification as story
from verification import services
from verification.models import Review

from ..auth import user_of
from ..envelope import ERROR_STATUSES, ApiError, Envelope, ErrorEnvelope, model_error_details, ok, responses
from ..verification_schemas import ReviewClaimOut, ReviewDecisionIn, ReviewDecisionOut, ReviewerOut, claim_data

router = Router(tags=["reviews"])


def _refusal(error: services.VerificationError, status: int = 400) -> ApiError:
    code = getattr(error, "code", None) or "validation_error"  # a dict of fields carries no code
    return ApiError(status, error.messages[0], model_error_details(error), code=code)


def _reviewer_data(user) -> dict:
    reviewer = services.reviewer_of(user)
    return {"active": bool(reviewer and reviewer.active), "why_no_work": services.why_no_work(user)}


@router.post("/reviews/opt-in", response=responses(ReviewerOut), summary="Start reviewing others' proofs")
def opt_in_reviews(request: HttpRequest):
    """Needs an account at least 7 days old and level 5 or more: otherwise a 403
    `not_eligible` whose message says why (the request is right; you may not yet)."""
    user = user_of(request)
    try:
        services.opt_in(user)
    except services.VerificationError as error:
        raise _refusal(error, 403) from None
    return ok(_reviewer_data(user))


@router.post("/reviews/opt-out", response=responses(ReviewerOut), summary="Stop reviewing")
def opt_out_reviews(request: HttpRequest):
    """No more work; a claim you hold goes back to the queue."""
    user = user_of(request)
    services.opt_out(user)
    return ok(_reviewer_data(user))


@router.post("/reviews/claim", response={200: Envelope[ReviewClaimOut], 204: None, ERROR_STATUSES: ErrorEnvelope},
             summary="Claim the next proof to review")
def claim_review(request: HttpRequest):
    """The proof you hold, or the oldest one waiting (never yours, never one you decided),
    claimed for 15 minutes: `lease_until`. Only its anonymised media, the habit's name and
    the claim. 204 when there is none, or you may not review now (not opted in, not
    eligible, or paused)."""
    review = services.claim_next(user_of(request))
    if review is None:
        return Status(204, None)
    return ok(claim_data(review))


@router.post("/reviews/{int:review_id}/decision", response=responses(ReviewDecisionOut, body=True),
             summary="Decide on a claimed proof")
def decide_review(request: HttpRequest, review_id: int, payload: ReviewDecisionIn):
    """`approve`, `reject` (with a `reason`) or `flag` (inappropriate: staff look at it).
    Two approvals approve the proof; two rejections or a flag send it to staff. `xp` is
    what the review earned you. 400 `validation_error` (naming `reason` or `decision`),
    `claim_expired` (your 15 minutes ran out), `not_pending`, `already_decided`;
    404 for a review that is not yours."""
    user = user_of(request)
    if not (review_id < 2**63 and Review.objects.filter(pk=review_id, reviewer_id=user.pk).exists()):
        raise Http404("No such review")
    try:
        result = story.review(user, review_id, payload.decision, payload.reason or "")
    except Review.DoesNotExist:
        raise Http404("No such review") from None
    except services.VerificationError as error:
        raise _refusal(error) from None
    reason = "" if payload.decision == Review.Decision.APPROVE else payload.reason or ""
    return ok({"id": review_id, "decision": payload.decision, "reason": reason,
               "state": result.submission.state, "final": result.final, "xp": result.xp})


@router.post("/reviews/{int:review_id}/pass", response=responses(None), summary="Pass on a claimed proof")
def pass_review(request: HttpRequest, review_id: int):
    """Not sure? The proof goes back to the queue for the others and is not offered to you
    again. Answers 200 with `data: null`; 404 for a review that is not yours."""
    user = user_of(request)
    review = Review.objects.filter(pk=review_id, reviewer_id=user.pk).first() if review_id < 2**63 else None
    if review is None:
        raise Http404("No such review")
    services.release(review)
    return ok(None)

