"""Insights: what a user logs about their days (check-ins, life events), the models learned
from it (a registry of versions), and the nightly training's per-user state.

Check-ins and life events are the user's own data, written only through
`habitstory.insights.services`. Model versions are written by the registry
(`habitstory.insights.registry`); their artifacts are LightGBM's own text format in
Django storage, loaded only after their SHA-256 matches (never unpickled).
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from habitstory.core.text import validate_label, validate_text

NOTE_MAX = 2000
DATA_MAX_BYTES = 4096


class Mood(models.TextChoices):
    VERY_NEGATIVE = "very_negative", "Very low"
    NEGATIVE = "negative", "Low"
    NEUTRAL = "neutral", "Okay"
    POSITIVE = "positive", "Good"
    VERY_POSITIVE = "very_positive", "Great"


# The classes in order, worst to best: a mood's index is its score (0..4).
MOODS: tuple[str, ...] = tuple(Mood.values)
MOOD_SCORE: dict[str, int] = {m: i for i, m in enumerate(MOODS)}


def validate_half_step(value) -> None:
    if value is not None and (Decimal(value) * 2) % 1 != 0:
        raise ValidationError("Use steps of 0.5.", code="step")


class CheckIn(models.Model):
    """How a local day went, as the user logged it. One per user per day; every field optional."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="checkins")
    on = models.DateField("date")
    mood = models.CharField(max_length=13, choices=Mood.choices, blank=True, default="")
    energy = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10), validate_half_step],
        help_text="0 (empty) to 10 (full), in steps of 0.5.",
    )
    sleep_hours = models.DecimalField(
        "sleep (hours)", max_digits=4, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    exercise_minutes = models.PositiveSmallIntegerField(
        "exercise (minutes)", null=True, blank=True, validators=[MaxValueValidator(1440)]
    )
    social_minutes = models.PositiveSmallIntegerField(
        "time with people (minutes)", null=True, blank=True, validators=[MaxValueValidator(1440)]
    )
    work_hours = models.DecimalField(
        "work (hours)", max_digits=4, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    stress = models.DecimalField(
        max_digits=3, decimal_places=1, null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10), validate_half_step],
        help_text="0 (calm) to 10 (overwhelmed).",
    )
    note = models.TextField(blank=True, max_length=NOTE_MAX, validators=[MaxLengthValidator(NOTE_MAX), validate_text])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "on"], name="checkin_one_per_day")]
        indexes = [models.Index(fields=["user", "-on"], name="checkin_user_recent")]
        ordering = ["-on"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.on}"

    @property
    def mood_score(self) -> int | None:
        return MOOD_SCORE.get(self.mood)


DATA_MAX_DEPTH = 10


def _depth(value, level: int = 1) -> int:
    """How deep containers nest (1 for a flat object); stops counting past the limit."""
    if level > DATA_MAX_DEPTH or not isinstance(value, (dict, list)):
        return level
    children = value.values() if isinstance(value, dict) else value
    return max((_depth(child, level + 1) for child in children if isinstance(child, (dict, list))), default=level)


def validate_event_data(value) -> None:
    """A JSON object of at most 4 KB, nested at most 10 deep, with finite numbers only
    (PostgreSQL's jsonb has no NaN or infinity)."""
    if not isinstance(value, dict):
        raise ValidationError("Use a JSON object.", code="type")
    if _depth(value) > DATA_MAX_DEPTH:
        raise ValidationError(f"Nest the data at most {DATA_MAX_DEPTH} levels deep.", code="too_deep")
    try:
        text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    except ValueError:
        raise ValidationError("Use finite numbers only (no NaN or infinity).", code="not_finite") from None
    except TypeError:
        raise ValidationError("Use JSON values only.", code="type") from None
    if len(text.encode()) > DATA_MAX_BYTES:
        raise ValidationError(f"Keep the data under {DATA_MAX_BYTES // 1024} KB.", code="too_large")


class LifeEvent(models.Model):
    """Something that happened over a day or a span of days: an illness, an exam, a move."""

    class Type(models.TextChoices):
        ILLNESS = "illness", "Illness"
        TRAVEL = "travel", "Travel"
        EXAM = "exam", "Exam"
        DEADLINE = "deadline", "Deadline"
        CELEBRATION = "celebration", "Celebration"
        LOSS = "loss", "Loss"
        MOVE = "move", "Move"
        NEW_JOB = "new_job", "New job"
        OTHER = "other", "Other"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="life_events")
    type = models.CharField(max_length=12, choices=Type.choices)
    title = models.CharField(max_length=120, validators=[validate_label])
    start = models.DateField()
    end = models.DateField(null=True, blank=True, help_text="Leave empty for a single day.")
    data = models.JSONField(default=dict, blank=True, validators=[validate_event_data])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["user", "start"], name="lifeevent_user_start")]
        constraints = [
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                                   name="lifeevent_end_after_start"),
        ]
        ordering = ["-start", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def last_day(self):
        return self.end or self.start

    def clean(self) -> None:
        if self.end is not None and self.start is not None and self.end < self.start:
            raise ValidationError({"end": "The end can't be before the start."}, code="end_before_start")


class ModelVersion(models.Model):
    """One trained model: a user's own, or the pooled one (user empty), of one kind.

    At most one champion per (user or pooled, kind): the one predictions use. A challenger
    becomes champion only by beating it on the same held-out days (registry.consider)."""

    class Kind(models.TextChoices):
        MOOD = "mood", "Mood"
        ENERGY = "energy", "Energy"
        COMPLETION = "completion", "Habit completion"

    class Scope(models.TextChoices):
        USER = "user", "One user's"
        POOLED = "pooled", "Pooled"

    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"
        CHAMPION = "champion", "Champion"
        RETIRED = "retired", "Retired"
        REJECTED = "rejected", "Rejected"

    scope = models.CharField(max_length=6, choices=Scope.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="model_versions")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.CANDIDATE)
    # What it learned from.
    train_start = models.DateField()
    train_end = models.DateField()
    holdout_start = models.DateField(null=True, blank=True)
    holdout_end = models.DateField(null=True, blank=True)
    n_train = models.PositiveIntegerField(default=0)
    n_holdout = models.PositiveIntegerField(default=0)
    n_users = models.PositiveIntegerField(default=1)
    feature_version = models.CharField(max_length=20)
    features = models.JSONField(default=list)
    params = models.JSONField(default=dict, help_text="Hyper-parameters, and e.g. the energy interval's spread.")
    # Held-out results: this model's, the honest baseline's, and the champion's on the same days.
    metrics = models.JSONField(default=dict)
    baseline_metrics = models.JSONField(default=dict)
    champion_metrics = models.JSONField(default=dict, blank=True)
    training_seconds = models.FloatField(default=0.0)
    # The serving model (fitted on the whole window) and the one fitted without the held-out
    # days (what a later challenger is compared with): LightGBM text, checked by SHA-256.
    artifact = models.FileField(upload_to="insights/models/", max_length=200)
    sha256 = models.CharField(max_length=64)
    eval_artifact = models.FileField(upload_to="insights/models/", max_length=200, blank=True)
    eval_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    promoted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], condition=Q(status="champion", user__isnull=False),
                                    name="modelversion_one_user_champion"),
            models.UniqueConstraint(fields=["kind"], condition=Q(status="champion", user__isnull=True),
                                    name="modelversion_one_pooled_champion"),
            models.CheckConstraint(condition=Q(scope="pooled", user__isnull=True) | Q(scope="user", user__isnull=False),
                                   name="modelversion_scope_matches_user"),
        ]
        indexes = [models.Index(fields=["user", "kind", "status"], name="modelversion_lookup")]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        who = f"user {self.user_id}" if self.user_id else "pooled"
        return f"{self.kind} #{self.pk} ({who}, {self.status})"


class TrainingState(models.Model):
    """Per user: when their data last changed, when their models were last trained, and the
    nightly job's claim (a lease, so two runs at once never train the same user twice)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_state")
    data_changed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    trained_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"training state of {self.user_id}"
