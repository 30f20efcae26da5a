"""The peer-review page (/verify/review/): opting in and out, the reviewer's one claimed
proof (only its anonymised media, the habit's name and the claim: never who sent it), and
the decisions. Work is claimed by a POST ("Review a proof", and after each decision the
next one), never by opening the page: a reload, a prefetch or a tab left open must not
hold someone's proof away from the other reviewers for the lease. Every change is a plain
POST that redirects back here; a refusal re-renders the page with the choice kept."""

from __future__ import annotations

import math

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from habitstory.story import verification as story

from . import services
from .models import Review

DECIDED = {
    "approved": "Thank you: that was the second approval, so the proof is approved.",
    "escalated": "Thank you: the proof now goes to staff.",
    None: "Thank you: your decision is in.",
}
DECISIONS = [
    (Review.Decision.APPROVE, "Approve", "It shows the claim."),
    (Review.Decision.REJECT, "Reject", "It does not; say why below."),
    (Review.Decision.FLAG, "Flag as inappropriate", "Offensive, or not a proof at all: staff look at it."),
]


def _get_review_for_user(request: HttpRequest, review_id: int) -> Review:
    """The requester's own review; anyone else's (or none) is a 404."""
    return get_object_or_404(Review, pk=review_id, reviewer=request.user)


def _minutes_left(review: Review) -> int:
    return max(0, math.ceil((review.lease_until - timezone.now()).total_seconds() / 60))


def _context(request: HttpRequest, *, error: str = "", field_errors: dict | None = None,
             chosen: dict | None = None) -> dict:
    user = request.user
    why_not = services.eligibility(user)
    reviewer = services.reviewer_of(user)
    opted_in = why_not is None and reviewer is not None and reviewer.active
    current = services.current_review(user) if opted_in else None
    return {
        "why_not": why_not,
        "opted_in": opted_in,
        "why_no_work": services.why_no_work(user) if opted_in else None,
        "current": current,
        "submission": current.submission if current else None,
        "media_url": reverse("verification:media", args=[current.submission_id]) if current else "",
        "minutes_left": _minutes_left(current) if current else 0,
        "decisions": DECISIONS,
        "reasons": Review.Reason.choices,
        "error": error,
        "field_errors": field_errors or {},
        "chosen": chosen or {},
    }


@login_required
@require_safe
def review(request: HttpRequest) -> HttpResponse:
    return render(request, "verification/review.html", _context(request))


@login_required
@require_POST
def opt_in(request: HttpRequest) -> HttpResponse:
    try:
        services.opt_in(request.user)
    except services.VerificationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "You review others' proofs now. Thank you!")
    return redirect("verification:review")


@login_required
@require_POST
def opt_out(request: HttpRequest) -> HttpResponse:
    services.opt_out(request.user)
    messages.success(request, "You no longer review proofs. Opt in again any time.")
    return redirect("verification:review")


@login_required
@require_POST
def claim(request: HttpRequest) -> HttpResponse:
    """The next proof to review (or the one already claimed)."""
    if services.claim_next(request.user) is None:
        messages.info(request, services.why_no_work(request.user) or "Nothing to review right now.")
    return redirect("verification:review")


@login_required
@require_POST
def decide(request: HttpRequest, review_id: int) -> HttpResponse:
    """Approve, reject (with a reason) or flag the claimed proof, then claim the next."""
    claimed = _get_review_for_user(request, review_id)
    decision = request.POST.get("decision", "")
    reason = request.POST.get("reason", "") if decision == Review.Decision.REJECT else ""
    try:
        result = story.review(request.user, claimed.pk, decision, reason)
    except services.VerificationError as error:
        return _refused(request, error, {"decision": decision, "reason": request.POST.get("reason", "")})
    messages.success(request, DECIDED.get(result.final, DECIDED[None]))
    if services.claim_next(request.user) is None:
        messages.info(request, "Nothing to review right now.")
    return redirect("verification:review")


def _refused(request: HttpRequest, error: services.VerificationError, chosen: dict) -> HttpResponse:
    """The page again, saying why; a choice still open keeps what was picked."""
    if hasattr(error, "error_dict"):  # a field's refusal (it carries no .code: Django drops it for dicts)
        fields = {name: " ".join(texts) for name, texts in error.message_dict.items()}
        context = _context(request, error="Your decision needs another look.", field_errors=fields, chosen=chosen)
    else:
        context = _context(request, error=" ".join(error.messages), chosen=chosen)
    return render(request, "verification/review.html", context, status=400)


@login_required
@require_POST
def pass_review(request: HttpRequest, review_id: int) -> HttpResponse:
    """Give the claimed proof back to the queue, undecided."""
    claimed = _get_review_for_user(request, review_id)
    if claimed.decision:
        messages.error(request, "You already decided on this proof.")
    else:
        services.release(claimed)
        messages.info(request, "Passed: the proof went back to the queue for someone else.")
    return redirect("verification:review")
