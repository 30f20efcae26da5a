"""Verified habits across domains (docs/verification.md): a proof submitted makes the day
done with its proof pending (the commit step: stats, the tick's XP, goals, quests at once);
peer reviews decide it; an approval adds half the tick's XP; a staff-confirmed rejection
takes the day back (stats recomputed, the tick's XP and any bonus compensated), all in one
transaction through the commit step. Reviewers earn a little XP per review.

Locks: the owner's profile first (the commit step's one lock), and for a review also the
reviewer's, both taken in user-id order so that two users reviewing each other never
deadlock."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from gamification import services as gamification
from gamification.proofs import Proof, ReviewCredit
from habits.models import Habit, Occurrence
from habits.services import DayChange
from habitstory import live
from habitstory.accounts.models import Profile
from habitstory.billing import limits
from habitstory.billing.models import Kind
from verification import crypto, media
from verification import services as verification
from verification.models import Review, Submission

from . import news as news_
from .commit import Outcome, ProofStep, commit_proof


class Unavailable(Exception):
    """Verification is not configured here (no VERIFICATION_KEYS)."""


def claim_of(habit: Habit, occurrence: Occurrence | None = None) -> str:
    """What reviewers are asked to confirm: the habit, with its amount when it has one
    ("Run: 5 km"), never who did it."""
    value = occurrence.value if occurrence is not None else None
    if habit.is_measurable and value is None:
        value = habit.target_value
    if habit.is_measurable and value is not None:
        return f"{habit.name}: {value.normalize():f} {habit.unit}".strip()[:200]
    return habit.name[:200]


# --- submitting --------------------------------------------------------------------------------

def submit(user, habit_id: int, on: dt.date, kind: str, upload: UploadedFile, sha256: str, *,
           faces: int | None = None, now: dt.datetime | None = None) -> Submission:
    """The proof of `user`'s habit on `on`: checked, stripped and encrypted (media.prepare,
    before any lock), then the day done with its proof pending, in one commit. Raises
    Habit.DoesNotExist (not theirs, or deleted), media.MediaError, Unavailable,
    limits.PlanLimitReached (the Free plan's uploads this month: refused before the file
    is read or stored, and again under the commit's lock, which discards it), or a
    ValidationError (the day; already_submitted)."""
    habit = Habit.objects.select_related("user__profile").get(pk=habit_id, user_id=user.pk, deleted_at__isnull=True)
    if kind not in Submission.Kind.values:
        raise media.MediaError("unsupported_file", "Choose a photo, a video or a voice clip.", field="kind")
    try:
        crypto.current_key_id()
    except crypto.MediaKeyError:
        raise Unavailable("Proofs cannot be stored here yet: no encryption key is set up.") from None
    limits.ensure_can_add(user, Kind.UPLOADS)
    prepared = media.prepare(upload, kind, sha256)
    stored = verification.store_media(prepared)
    created: list[Submission] = []

    def proving(change: DayChange) -> ProofStep:
        limits.ensure_can_add(user, Kind.UPLOADS)  # two uploads at once: one takes the last place
        claim = claim_of(change.habit, change.occurrence)
        created.append(verification.create_submission(change.occurrence, prepared, stored, claim=claim, faces=faces))
        return ProofStep()

    try:
        commit_proof(habit, on, Occurrence.Verification.PENDING, now=now, proving=proving)
    except BaseException:
        verification.discard_media(stored[0])
        raise
    return created[0]


# --- deciding ----------------------------------------------------------------------------------

@dataclass
class ReviewResult:
    submission: Submission
    final: str | None  # "approved", "escalated" or None (more reviews needed)
    xp: int  # the reviewer's XP for it


def lock_profiles(user_ids: list[int]) -> dict[int, Profile]:
    """Several users' profile locks, always in user-id order."""
    profiles = Profile.objects.select_for_update(of=("self",)).select_related("user").filter(
        user_id__in=sorted(set(user_ids))).order_by("user_id")
    return {profile.user_id: profile for profile in profiles}


def review(reviewer, review_id: int, decision: str, reason: str = "", *,
           now: dt.datetime | None = None) -> ReviewResult:
    """A reviewer's decision on their claim (Review.DoesNotExist when it is not theirs).
    Two approvals approve the proof (its bonus, the owner's news) in the same transaction."""
    now = now or timezone.now()
    claimed = Review.objects.select_related("submission").get(pk=review_id, reviewer_id=reviewer.pk)
    submission = claimed.submission
    with transaction.atomic():
        profiles = lock_profiles([submission.user_id, reviewer.pk])
        decided = verification.decide(claimed, decision, reason, now)
        mine = profiles[reviewer.pk]
        rewards = gamification.settle(mine, mine.local_today(now), reviews=[ReviewCredit(claimed.pk)])
        if decided.final == "approved":
            _approve(decided.submission, now)
    if rewards.xp:
        transaction.on_commit(lambda: live.publish(
            reviewer.pk, "xp_gained", amount=rewards.xp, html=gamification.xp_bar_html(mine, oob=True)))
    return ReviewResult(decided.submission, decided.final, rewards.xp)


def staff_decide(submission_id: int, staff, decision: str, reason: str = "", note: str = "", *,
                 now: dt.datetime | None = None) -> Submission:
    """Staff's decision on a proof (from admin): approve, or reject, which takes the day
    back. Logged as a StaffDecision."""
    now = now or timezone.now()
    submission = Submission.objects.get(pk=submission_id)
    with transaction.atomic():
        lock_profiles([submission.user_id])
        decided = verification.staff_decide(submission, staff, decision, reason, note, now)
        if decided.final == "approved":
            _approve(decided.submission, now)
        else:
            _reject(decided.submission, decided.was_approved, now)
    return decided.submission


def _approve(submission: Submission, now: dt.datetime) -> Outcome | None:
    proof = Proof(submission.pk, submission.occurrence_id, submission.cycle, approved=True)
    news = news_.proof_approved(submission.pk, submission.habit_id, submission.habit.name, submission.on)
    return _commit(submission, Occurrence.Verification.APPROVED, ProofStep([proof], [news]), now)


def _reject(submission: Submission, was_approved: bool, now: dt.datetime) -> Outcome | None:
    taken = [Proof(submission.pk, submission.occurrence_id, submission.cycle, approved=False)] if was_approved else []
    news = news_.proof_rejected(submission.pk, submission.habit_id, submission.habit.name, submission.on)
    return _commit(submission, Occurrence.Verification.REJECTED, ProofStep(taken, [news]), now)


def _commit(submission: Submission, state: str, step: ProofStep, now: dt.datetime) -> Outcome | None:
    """The decision on the day, through the commit step. A habit deleted since (it waits
    in the bin, or is gone) keeps its day as it is: the decision still stands."""
    habit = Habit(pk=submission.habit_id, user_id=submission.user_id)
    try:
        return commit_proof(habit, submission.on, state, now=now, proving=lambda change: step)
    except Habit.DoesNotExist:
        return None
