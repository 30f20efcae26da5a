"""Pillars group habits; a habit has a schedule; an Occurrence is one habit on one local day.

The rules in ../shared/DESIGN.md §4 (streaks, consistency, strength) are computed from
occurrences alone and kept denormalised on the habit by the commit step.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class Pillar(models.Model):
    """A life area (Health, Mind, Craft, …) that groups habits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pillars")
    name = models.CharField(max_length=40)
    color = models.CharField(max_length=7, default="#6d5dfc", help_text="A hex colour, #rrggbb.")
    icon = models.CharField(max_length=32, blank=True, help_text="An icon name from static/icons.")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="pillar_unique_name_per_user"),
        ]

    def __str__(self) -> str:
        return self.name


class Habit(models.Model):
    class Schedule(models.TextChoices):
        DAILY = "daily", "Every day"
        WEEKDAYS = "weekdays", "On certain weekdays"
        PER_WEEK = "per_week", "N times per week"
        EVERY_N_DAYS = "every_n_days", "Every N days"

    class Kind(models.TextChoices):
        YES_NO = "yes_no", "Yes or no"
        AT_LEAST = "at_least", "At least a quantity"
        AT_MOST = "at_most", "At most a quantity"

    class Difficulty(models.TextChoices):
        EASY = "easy", "Easy"
        MEDIUM = "medium", "Medium"
        HARD = "hard", "Hard"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ARCHIVED = "archived", "Archived"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="habits")
    pillar = models.ForeignKey(Pillar, null=True, blank=True, on_delete=models.SET_NULL, related_name="habits")
    name = models.CharField(max_length=80)
    notes = models.TextField(blank=True)

    schedule = models.CharField(max_length=16, choices=Schedule.choices, default=Schedule.DAILY)
    # Weekdays as a list of ints, 0 = Monday (WEEKDAYS); times per week (PER_WEEK);
    # interval in days from start_date (EVERY_N_DAYS).
    weekdays = models.JSONField(default=list, blank=True)
    times_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    every_n_days = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    start_date = models.DateField()

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.YES_NO)
    target_value = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True)
    difficulty = models.CharField(max_length=6, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    priority = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1), MaxValueValidator(3)])
    reminder_time = models.TimeField(null=True, blank=True)
    timer_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    requires_verification = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    position = models.PositiveIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)

    # Denormalised statistics (DESIGN.md §4), rewritten by the commit step.
    current_streak = models.PositiveIntegerField(default=0)
    longest_streak = models.PositiveIntegerField(default=0)
    total_done = models.PositiveIntegerField(default=0)
    total_skipped = models.PositiveIntegerField(default=0)
    consistency = models.PositiveSmallIntegerField(null=True, blank=True)
    strength = models.FloatField(default=0.0)
    consecutive_misses = models.PositiveIntegerField(default=0)
    last_done_on = models.DateField(null=True, blank=True)
    at_risk = models.BooleanField(default=False)
    failure_rate = models.FloatField(null=True, blank=True)
    suggested_frequency = models.FloatField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["user", "status"], name="habit_user_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(times_per_week__isnull=True) | Q(times_per_week__gte=1, times_per_week__lte=7),
                name="habit_times_per_week_1_to_7",
            ),
            models.CheckConstraint(
                condition=Q(every_n_days__isnull=True) | Q(every_n_days__gte=1),
                name="habit_every_n_days_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_scheduled_on(self, day: dt.date) -> bool:
        """Whether `day` is an expected day. For N per week every day may be used."""
        if day < self.start_date:
            return False
        if self.schedule == self.Schedule.WEEKDAYS:
            return day.weekday() in self.weekdays
        if self.schedule == self.Schedule.EVERY_N_DAYS:
            return (day - self.start_date).days % (self.every_n_days or 1) == 0
        return True


class Occurrence(models.Model):
    """One habit on one local date: the day's log and the scheduled task instance."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        PROMPTED = "prompted", "Prompted"
        STARTED = "started", "Started"
        DONE = "done", "Done"
        SKIPPED = "skipped", "Skipped"
        MISSED = "missed", "Missed"

    class Verification(models.TextChoices):
        NONE = "", "Not required"
        PENDING = "pending", "Pending review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    habit = models.ForeignKey(Habit, on_delete=models.CASCADE, related_name="occurrences")
    on = models.DateField("date")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.SCHEDULED)
    value = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True)
    verification = models.CharField(max_length=8, choices=Verification.choices, default="", blank=True)
    prompted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["habit_id", "on"]
        constraints = [
            models.UniqueConstraint(fields=["habit", "on"], name="occurrence_one_per_habit_day"),
        ]
        indexes = [models.Index(fields=["on", "status"], name="occurrence_day_status")]

    def __str__(self) -> str:
        return f"{self.habit} on {self.on}: {self.status}"
