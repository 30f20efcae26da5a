"""Verification's rules (docs/verification.md): submissions, who may review, the claimed
queue, decisions and trust, who may see the media, and how long it is kept. The only
writer of verification's tables. The story layer (habitstory.story.verification) calls it
under the owner's profile lock and turns its results into the day's state, XP and news.

- **Reviewers** opt in; they need an account at least ELIGIBLE_ACCOUNT_DAYS old and level
  ELIGIBLE_LEVEL or more, never see their own submissions, and stop getting work when
  their trust falls far below the others' (`benched`).
- **The queue** hands a reviewer one submission at a time, claimed with
  `select_for_update(skip_locked=True)` for LEASE: reviewers asking at once get
  different ones. A lapsed claim frees the submission for the next reviewer.
- **Decisions**: APPROVALS_NEEDED approvals approve; REJECTIONS_TO_STAFF rejections, or
  any flag, send it to staff, whose decision is logged (StaffDecision).
- **Media** is seen by the owner, staff and the reviewer holding the claim; it is deleted
  RETENTION after the decision, at once when the tick is taken back, and with the row.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from habits.models import Occurrence
from habitstory.accounts.models import Profile

from . import storage
from .media import Prepared
from .models import Review, Reviewer, StaffDecision, Submission

logger = logging.getLogger(__name__)

ELIGIBLE_ACCOUNT_DAYS = 7
ELIGIBLE_LEVEL = 5
LEASE = dt.timedelta(minutes=15)
APPROVALS_NEEDED = 2
REJECTIONS_TO_STAFF = 2
RETENTION = dt.timedelta(days=30)
TRUST_MIN_DECIDED = 5  # reviews with a final outcome before trust can bench a reviewer
TRUST_GAP = 0.3  # benched below the median trust of the established reviewers by this much
PURGE_BATCH = 500


class VerificationError(ValidationError):
    """A refusal the user can act on; `code` names it for the API (e.g. already_submitted),
    also when the message is a dict naming fields (Django's own keeps no code then)."""

    def __init__(self, message, code: str = "validation_error", params=None) -> None:
        super().__init__(message, code=code, params=params)
        self.code = code


@dataclass
class Decided:
    """What a decision did: the submission after it, and its outcome when that is now final
    or with staff ("approved", "rejected", "escalated"), else None. `was_approved`: it had
    been approved before (a staff rejection takes the bonus back)."""

    submission: Submission
    final: str | None = None
    was_approved: bool = False
    reviewers: list[int] = field(default_factory=list)


# --- reviewers ---------------------------------------------------------------------------------

def eligibility(user, now: dt.datetime | None = None) -> str | None:
    """None when `user` may review; otherwise why not, as a sentence."""
    now = now or timezone.now()
    old_enough = user.date_joined + dt.timedelta(days=ELIGIBLE_ACCOUNT_DAYS)
    if old_enough > now:
        days = (old_enough - now).days + 1
        return f"Reviewing opens once your account is {ELIGIBLE_ACCOUNT_DAYS} days old (in {days} day{'s' * (days != 1)})."
    level = Profile.objects.filter(user_id=user.pk).values_list("level", flat=True).first() or 1
    if level < ELIGIBLE_LEVEL:
        return f"Reviewing opens at level {ELIGIBLE_LEVEL}; you are level {level}."
    return None


def reviewer_of(user) -> Reviewer | None:
    return Reviewer.objects.filter(user_id=user.pk).first()


def opt_in(user, now: dt.datetime | None = None) -> Reviewer:
    now = now or timezone.now()
    why_not = eligibility(user, now)
    if why_not:
        raise VerificationError(why_not, code="not_eligible")
    reviewer, created = Reviewer.objects.get_or_create(user_id=user.pk, defaults={"opted_in_at": now})
    if not created and not reviewer.active:
        reviewer.active, reviewer.opted_in_at = True, now
        reviewer.save(update_fields=["active", "opted_in_at"])
    return reviewer


def opt_out(user) -> None:
    """No more work; an open claim is released at once."""
    Reviewer.objects.filter(user_id=user.pk).update(active=False)
    Submission.objects.filter(claimed_by_id=user.pk, state=Submission.State.PENDING).update(
        claimed_by=None, lease_until=None)
    Review.objects.filter(reviewer_id=user.pk, decision="").delete()


def median_trust() -> float | None:
    """The median trust of reviewers with at least TRUST_MIN_DECIDED final reviews."""
    established = Reviewer.objects.filter(decided__gte=TRUST_MIN_DECIDED).order_by("trust")
    count = established.count()
    if not count:
        return None
    return established.values_list("trust", flat=True)[count // 2]


def benched(reviewer: Reviewer) -> bool:
    """Far below the others: established, and TRUST_GAP under the established median."""
    if reviewer.decided < TRUST_MIN_DECIDED:
        return False
    median = median_trust()
    return median is not None and reviewer.trust < median - TRUST_GAP


def why_no_work(user, now: dt.datetime | None = None) -> str | None:
    """None when `user` can be given work now, else why not."""
    why_not = eligibility(user, now)
    if why_not:
        return why_not
    reviewer = reviewer_of(user)
    if reviewer is None or not reviewer.active:
        return "Opt in to review others' proofs."
    if benched(reviewer):
        return ("Your recent decisions often differed from the final ones, so reviewing is paused "
                "for you for now.")
    return None


# --- submissions -------------------------------------------------------------------------------

def store_media(prepared: Prepared) -> tuple[str, str]:
    """Write the encrypted media (before the submission's transaction: the caller deletes
    it with `discard_media` when that transaction fails)."""
    return storage.save(prepared)


def discard_media(name: str) -> None:
    storage.delete(name)


def live_submission(occurrence: Occurrence) -> Submission | None:
    return Submission.objects.filter(occurrence=occurrence, cycle=occurrence.xp_cycle,
                                     state__in=Submission.LIVE).first()


def create_submission(occurrence: Occurrence, prepared: Prepared, stored: tuple[str, str], *, claim: str,
                      faces: int | None = None) -> Submission:
    """The proof of the day's current tick, with its stored media. Inside the commit step
    (the owner's profile lock held); a tick already proven is refused (already_submitted)."""
    if live_submission(occurrence) is not None:
        raise VerificationError("This day already has a proof.", code="already_submitted")
    name, key_id = stored
    try:
        with transaction.atomic():
            return Submission.objects.create(
                user_id=occurrence.habit.user_id, occurrence=occurrence, habit_id=occurrence.habit_id,
                on=occurrence.on, cycle=occurrence.xp_cycle, kind=prepared.kind, claim=claim[:200], media=name,
                content_type=prepared.content_type, size=len(prepared.content), duration=prepared.duration,
                sha256=prepared.uploaded_sha256, stored_sha256=prepared.sha256, key_id=key_id, faces_blurred=faces,
            )
    except IntegrityError:
        raise VerificationError("This day already has a proof.", code="already_submitted") from None


def withdraw(occurrence: Occurrence, now: dt.datetime | None = None) -> list[Submission]:
    """The tick was taken back: its live proofs are withdrawn (claims dropped, media
    deleted once this commits). Returns them as they were (state before withdrawal)."""
    now = now or timezone.now()
    found = list(Submission.objects.select_for_update().filter(occurrence=occurrence, state__in=Submission.LIVE))
    for submission in found:
        Submission.objects.filter(pk=submission.pk).update(
            state=Submission.State.WITHDRAWN, claimed_by=None, lease_until=None, media="",
            media_deleted_at=now if submission.media else None, updated_at=now,
        )
        _delete_on_commit(submission.media)
    return found


def _delete_on_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name), robust=True)


# --- the queue ---------------------------------------------------------------------------------

def current_review(user, now: dt.datetime | None = None) -> Review | None:
    """The reviewer's open claim, if its lease still runs."""
    now = now or timezone.now()
    return (Review.objects.select_related("submission", "submission__habit")
            .filter(reviewer_id=user.pk, decision="", lease_until__gt=now,
                    submission__state=Submission.State.PENDING, submission__claimed_by_id=user.pk)
            .first())


def claim_next(user, now: dt.datetime | None = None) -> Review | None:
    """The reviewer's open claim, or the oldest free submission (not theirs, not one they
    decided), claimed for LEASE; None when there is none or they may not review now."""
    now = now or timezone.now()
    current = current_review(user, now)
    if current is not None:
        return current
    if why_no_work(user, now):
        return None
    with transaction.atomic():
        seen = Review.objects.filter(reviewer_id=user.pk).filter(~Q(decision="") | Q(passed=True))
        decided = seen.values("submission_id")
        submission = (
            Submission.objects.select_for_update(skip_locked=True)
            .filter(state=Submission.State.PENDING)
            .filter(Q(lease_until__isnull=True) | Q(lease_until__lte=now))
            .exclude(user_id=user.pk).exclude(pk__in=decided)
            .order_by("created_at", "id").first()
        )
        if submission is None:
            return None
        lease = now + LEASE
        Submission.objects.filter(pk=submission.pk).update(claimed_by_id=user.pk, lease_until=lease)
        review, _ = Review.objects.update_or_create(
            submission=submission, reviewer_id=user.pk,
            defaults={"claimed_at": now, "lease_until": lease, "decision": "", "reason": "", "passed": False},
        )
    return Review.objects.select_related("submission", "submission__habit").get(pk=review.pk)


def release(review: Review, now: dt.datetime | None = None) -> None:
    """The reviewer passes on their claim: it goes back to the queue for the others, and
    is not offered to them again."""
    now = now or timezone.now()
    Submission.objects.filter(pk=review.submission_id, claimed_by_id=review.reviewer_id).update(
        claimed_by=None, lease_until=None)
    Review.objects.filter(pk=review.pk, decision="").update(passed=True, lease_until=now)


# --- decisions ---------------------------------------------------------------------------------

def _clean_decision(decision: str, reason: str) -> tuple[str, str]:
    if decision not in (Review.Decision.APPROVE, Review.Decision.REJECT, Review.Decision.FLAG):
        raise VerificationError({"decision": "Choose approve, reject or flag."}, code="validation_error")
    if reason and reason not in Review.Reason.values:
        raise VerificationError({"reason": "Choose a reason from the list."}, code="validation_error")
    if decision == Review.Decision.REJECT and not reason:
        raise VerificationError({"reason": "Say why you reject it."}, code="validation_error")
    return decision, reason if decision != Review.Decision.APPROVE else ""


def decide(review: Review, decision: str, reason: str = "", now: dt.datetime | None = None) -> Decided:
    """A reviewer's decision on their claim. The caller holds the owner's profile lock (the
    story layer), so two decisions on one submission run one after the other."""
    now = now or timezone.now()
    decision, reason = _clean_decision(decision, reason)
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=review.submission_id)
        review = Review.objects.select_for_update().get(pk=review.pk)
        if review.decision:
            raise VerificationError("You already decided on this proof.", code="already_decided")
        if submission.state != Submission.State.PENDING:
            raise VerificationError("This proof is no longer waiting for review.", code="not_pending")
        holds = (submission.claimed_by_id == review.reviewer_id and submission.lease_until is not None
                 and submission.lease_until > now)
        if not holds:
            raise VerificationError("Your 15 minutes with this proof ran out; ask for the next one.",
                                    code="claim_expired")
        review.decision, review.reason, review.decided_at = decision, reason, now
        review.save(update_fields=["decision", "reason", "decided_at"])
        _count(submission, decision)
        final = _peer_outcome(submission, now)
        submission.save()
        if final == Submission.State.APPROVED:
            _settle_trust(submission)
    return Decided(submission, final)


def _count(submission: Submission, decision: str) -> None:
    if decision == Review.Decision.APPROVE:
        submission.approvals += 1
    elif decision == Review.Decision.REJECT:
        submission.rejections += 1
    else:
        submission.flags += 1
    submission.claimed_by, submission.lease_until = None, None


def _peer_outcome(submission: Submission, now: dt.datetime) -> str | None:
    if submission.flags or submission.rejections >= REJECTIONS_TO_STAFF:
        submission.state = Submission.State.ESCALATED
        submission.decision_reason = "flagged" if submission.flags else "rejected_twice"
        return "escalated"
    if submission.approvals >= APPROVALS_NEEDED:
        submission.state, submission.decided_at = Submission.State.APPROVED, now
        submission.decision_reason = "peers"
        return "approved"
    return None


def staff_decide(submission: Submission, staff, decision: str, reason: str = "", note: str = "",
                 now: dt.datetime | None = None) -> Decided:
    """Staff's decision, logged: approve (pending or escalated) or reject (also after an
    approval: the bonus is then taken back). The caller holds the owner's profile lock."""
    now = now or timezone.now()
    if decision not in StaffDecision.Decision.values:
        raise VerificationError({"decision": "Choose approve or reject."}, code="validation_error")
    if reason and reason not in Review.Reason.values:
        raise VerificationError({"reason": "Choose a reason from the list."}, code="validation_error")
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        allowed = (Submission.State.PENDING, Submission.State.ESCALATED)
        if decision == StaffDecision.Decision.REJECT:
            allowed += (Submission.State.APPROVED,)
        if submission.state not in allowed:
            raise VerificationError(f"This proof is {submission.get_state_display().lower()}; it cannot be "
                                    f"{'approved' if decision == 'approve' else 'rejected'} now.", code="not_pending")
        was_approved = submission.state == Submission.State.APPROVED
        submission.state = Submission.State.APPROVED if decision == "approve" else Submission.State.REJECTED
        submission.decided_at, submission.decision_reason = now, reason or f"staff_{decision}"
        submission.claimed_by, submission.lease_until = None, None
        submission.save()
        StaffDecision.objects.create(submission=submission, staff=staff, decision=decision, reason=reason,
                                     note=note[:2000], at=now)
        reviewers = _settle_trust(submission)
    return Decided(submission, submission.state, was_approved, reviewers)


def _settle_trust(submission: Submission) -> list[int]:
    """Each decided review now agrees or not with the final outcome (a flag counts as a
    rejection); the reviewers' counts and trust follow. Returns their user ids."""
    approved = submission.state == Submission.State.APPROVED
    ids = []
    for review in Review.objects.select_for_update().filter(submission=submission).exclude(decision=""):
        agrees = (review.decision == Review.Decision.APPROVE) == approved
        if review.agreed == agrees:
            continue
        reviewer, _ = Reviewer.objects.select_for_update().get_or_create(
            user_id=review.reviewer_id, defaults={"opted_in_at": review.claimed_at, "active": False})
        if review.agreed is None:
            reviewer.decided += 1
        reviewer.agreed += (1 if agrees else 0) - (1 if review.agreed else 0)
        reviewer.trust = (reviewer.agreed + 1) / (reviewer.decided + 2)
        reviewer.save(update_fields=["decided", "agreed", "trust"])
        review.agreed = agrees
        review.save(update_fields=["agreed"])
        ids.append(review.reviewer_id)
    return ids


# --- media -------------------------------------------------------------------------------------

def can_view_media(user, submission: Submission, now: dt.datetime | None = None) -> bool:
    """The owner, staff, and the reviewer holding the claim; nobody once it is deleted."""
    if not submission.media or not user.is_authenticated:
        return False
    if user.is_staff or submission.user_id == user.pk:
        return True
    now = now or timezone.now()
    return (submission.state == Submission.State.PENDING and submission.claimed_by_id == user.pk
            and submission.lease_until is not None and submission.lease_until > now)


def media_bytes(submission: Submission) -> bytes:
    return storage.read(submission.media)


def purge_media(now: dt.datetime | None = None) -> int:
    """Delete the media of submissions decided more than RETENTION ago (the beat job);
    idempotent. Returns how many files went."""
    now = now or timezone.now()
    purged = 0
    while True:
        batch = list(Submission.objects.filter(decided_at__lte=now - RETENTION, state__in=Submission.FINAL)
                     .exclude(media="").values_list("pk", "media")[:PURGE_BATCH])
        if not batch:
            return purged
        for pk, name in batch:
            storage.delete(name)
            Submission.objects.filter(pk=pk, media=name).update(media="", media_deleted_at=now)
        purged += len(batch)


def remove_media(sender, instance: Submission, **kwargs) -> None:
    """post_delete of Submission (connected in VerificationConfig.ready): however the row
    goes (its day, habit or user deleted), its media goes when the deletion commits."""
    _delete_on_commit(instance.media)


def owner_of(submission: Submission):
    return get_user_model().objects.get(pk=submission.user_id)
