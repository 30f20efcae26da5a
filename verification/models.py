"""Verified habits: a proof (photo, video or voice clip, anonymised in the browser, checked,
stripped and encrypted on the server) of one tick, and its peer review.

A `Submission` is one proof of one tick of a habit's day (the occurrence and its XP
cycle). Peer `Review`s decide it: two approvals approve it; two rejections, or any flag,
send it to staff (`StaffDecision`, logged). `Reviewer` is a user's opt-in and trust score.

Written only by verification.services (and the modules it uses: media, crypto, storage);
the story layer (habitstory.story.verification) calls it under the owner's profile lock
and turns its results into the day's state, XP and news (docs/verification.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Submission(models.Model):
    class Kind(models.TextChoices):
        PHOTO = "photo", "Photo"
        VIDEO = "video", "Video"
        AUDIO = "audio", "Voice clip"

    class State(models.TextChoices):
        PENDING = "pending", "In peer review"
        ESCALATED = "escalated", "Waiting for staff"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"  # the tick was undone or the day deleted

    LIVE = (State.PENDING, State.ESCALATED, State.APPROVED)  # a tick has at most one of these
    FINAL = (State.APPROVED, State.REJECTED)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verification_submissions")
    occurrence = models.ForeignKey("habits.Occurrence", on_delete=models.CASCADE, related_name="submissions")
    habit = models.ForeignKey("habits.Habit", on_delete=models.CASCADE, related_name="submissions")
    on = models.DateField("date")
    cycle = models.PositiveIntegerField(help_text="The tick (Occurrence.xp_cycle) this proves.")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    claim = models.CharField(max_length=200, help_text="What reviewers are asked to confirm, e.g. “Ran 5 km”.")
    # The encrypted file in Django storage ("" once deleted); its name says nothing of its owner.
    media = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField(help_text="Bytes of the stored media (before encryption).")
    duration = models.FloatField(null=True, blank=True, help_text="Seconds (video and voice).")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the bytes the browser uploaded (checked).")
    stored_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the stored media, metadata stripped.")
    key_id = models.CharField(max_length=32, help_text="The VERIFICATION_KEYS key the file is encrypted with.")
    faces_blurred = models.PositiveSmallIntegerField(null=True, blank=True, help_text="As the browser reported.")
    state = models.CharField(max_length=9, choices=State.choices, default=State.PENDING)
    approvals = models.PositiveSmallIntegerField(default=0)
    rejections = models.PositiveSmallIntegerField(default=0)
    flags = models.PositiveSmallIntegerField(default=0)
    # The one open claim: a reviewer holds it until lease_until (15 minutes), then it is free.
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    lease_until = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=20, blank=True)
    media_deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["occurrence", "cycle"], condition=~Q(state="withdrawn"),
                                    name="submission_one_live_per_tick"),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="submission_queue"),
            models.Index(fields=["decided_at"], name="submission_decided"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} for {self.claim} ({self.state})"

    @property
    def is_live(self) -> bool:
        return self.state in self.LIVE

    @property
    def has_media(self) -> bool:
        return bool(self.media)


class Review(models.Model):
    """One reviewer's claim on a submission, then their decision."""

    class Decision(models.TextChoices):
        NONE = "", "Not decided"
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"
        FLAG = "flag", "Flag as inappropriate"

    class Reason(models.TextChoices):
        NOT_SHOWN = "not_shown", "It does not show the habit"
        UNCLEAR = "unclear", "Too dark, blurred or short to tell"
        MISMATCH = "mismatch", "It shows something else than the claim"
        STAGED = "staged", "It looks staged or reused"
        OTHER = "other", "Another reason"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verification_reviews")
    decision = models.CharField(max_length=7, choices=Decision.choices, default="", blank=True)
    reason = models.CharField(max_length=10, choices=Reason.choices, default="", blank=True)
    claimed_at = models.DateTimeField()
    lease_until = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    passed = models.BooleanField(default=False, help_text="The reviewer passed on it: not offered to them again.")
    # Once the submission's outcome is final: did this decision agree with it (trust score)?
    agreed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["submission", "reviewer"], name="review_once_per_reviewer")]
        indexes = [models.Index(fields=["reviewer", "decided_at"], name="review_reviewer_decided")]

    def __str__(self) -> str:
        return f"Review of #{self.submission_id} by {self.reviewer_id}: {self.decision or 'claimed'}"


class Reviewer(models.Model):
    """A user who opted in to review others' proofs, and how often they agreed with the
    final decisions (trust = (agreed + 1) ÷ (decided + 2))."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True,
                                related_name="reviewer")
    active = models.BooleanField(default=True, help_text="Opted in (they can opt out at any time).")
    opted_in_at = models.DateTimeField()
    decided = models.PositiveIntegerField(default=0, help_text="Reviews whose submission has a final decision.")
    agreed = models.PositiveIntegerField(default=0, help_text="Of those, decisions that matched it.")
    trust = models.FloatField(default=0.5)

    def __str__(self) -> str:
        return f"Reviewer {self.user_id} (trust {self.trust:.2f})"


class StaffDecision(models.Model):
    """The log of staff's decisions (escalated submissions, or an override)."""

    class Decision(models.TextChoices):
        APPROVE = "approve", "Approve"
        REJECT = "reject", "Reject"

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="staff_decisions")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    decision = models.CharField(max_length=7, choices=Decision.choices)
    reason = models.CharField(max_length=10, choices=Review.Reason.choices, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.decision} #{self.submission_id} by {self.staff_id}"
