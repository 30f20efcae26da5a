"""Pillars group habits; a habit has a schedule; an Occurrence is one habit on one local day.

The rules in docs/rules.md (streaks, consistency, strength) are computed from
occurrences alone and kept denormalised on the habit by the commit step.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q

from habitstory.core.text import validate_label, validate_text

from . import stats
from .today_cache import touch

DELETED_KEPT_DAYS = 30
# The statistics kept on each habit (habits.recompute writes them, from habits.stats).
STAT_FIELDS = [
    "current_streak", "longest_streak", "total_done", "total_skipped", "consistency", "strength",
    "consecutive_misses", "last_done_on", "at_risk", "failure_rate", "suggested_frequency",
]
EARLIEST_START = dt.date(2000, 1, 1)  # statistics walk every day from the start
TIMES_MESSAGE = "Choose between 1 and 7 times per week."
EVERY_MESSAGE = "Repeat every 1 day or more."
TARGET_MESSAGE = "A measurable habit needs a target, such as 8 (glasses)."
NOTE_MAX = 2000  # a habit's notes, a day's note (a TextField's max_length is the forms' only)


class Pillar(models.Model):
    """A life area (Health, Mind, Craft, …) that groups habits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pillars")
    name = models.CharField(max_length=40, validators=[validate_label])
    color = models.CharField(
        max_length=7,
        default="#5b4bdb",
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a hex colour such as #5b4bdb.")],
        help_text="A hex colour, #rrggbb.",
    )
    class Icon(models.TextChoices):
        HEART = "heart", "Heart"
        BRAIN = "brain", "Mind"
        HAMMER = "hammer", "Craft"
        LEAF = "leaf", "Nature"
        BOOK = "book", "Learning"
        STAR = "star", "Star"
        PEOPLE = "people", "People"
        COIN = "coin", "Money"
        SUN = "sun", "Energy"
        MUSIC = "music", "Music"

    icon = models.CharField(max_length=32, blank=True, choices=Icon.choices, help_text="Shown beside the name.")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="pillar_unique_name_per_user"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        touch(self.user_id)

    def delete(self, *args, **kwargs):
        touch(self.user_id)
        return super().delete(*args, **kwargs)


class HabitQuerySet(models.QuerySet):
    def alive(self) -> HabitQuerySet:
        """Not deleted (deleted habits wait in "Recently deleted" for 30 days)."""
        return self.filter(deleted_at__isnull=True)

    def for_user(self, user) -> HabitQuerySet:
        return self.filter(user=user).alive()


class HabitTemplate(models.Model):
    """The habit template library (staff's, in admin; seeded by a data migration): what a
    new habit starts from ("start from a template"), and what the archetypes' starter plans
    are made of. A habit made from one keeps it in Habit.template."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80, validators=[validate_label])
    pillar_name = models.CharField(
        max_length=40, validators=[validate_label],
        help_text="Grouped by it; the user's pillar of that name is used (made when missing).",
    )
    why = models.CharField(max_length=160, validators=[validate_label], help_text="One line: why it helps.")
    schedule = models.CharField(max_length=16, choices=[
        ("daily", "Every day"), ("weekdays", "On certain weekdays"), ("per_week", "N times per week"),
        ("every_n_days", "Every N days"),
    ], default="daily")
    weekdays = models.JSONField(default=list, blank=True)
    times_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    every_n_days = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MinValueValidator(1)])
    kind = models.CharField(max_length=10, choices=[
        ("yes_no", "Yes or no"), ("at_least", "At least a quantity"), ("at_most", "At most a quantity"),
    ], default="yes_no")
    target_value = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True, validators=[validate_label])
    difficulty = models.CharField(max_length=6, choices=[("easy", "Easy"), ("medium", "Medium"), ("hard", "Hard")],
                                  default="medium")
    timer_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["pillar_name", "position", "name"]

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
    name = models.CharField(max_length=80, validators=[validate_label])
    notes = models.TextField(
        blank=True, max_length=NOTE_MAX, validators=[MaxLengthValidator(NOTE_MAX), validate_text]
    )

    schedule = models.CharField(max_length=16, choices=Schedule.choices, default=Schedule.DAILY)
    # Weekdays as a list of ints, 0 = Monday (WEEKDAYS); times per week (PER_WEEK);
    # interval in days from start_date (EVERY_N_DAYS).
    weekdays = models.JSONField(default=list, blank=True)
    # The range is checked by the validators (their messages are the errors shown), that a
    # schedule has what it needs by clean(): one error for one mistake.
    times_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1, TIMES_MESSAGE), MaxValueValidator(7, TIMES_MESSAGE)]
    )
    every_n_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1, EVERY_MESSAGE)]
    )
    start_date = models.DateField()
    # The library template it was made from (a starter plan never makes a second from one).
    template = models.ForeignKey(
        HabitTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="habits"
    )

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.YES_NO)
    target_value = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    unit = models.CharField(max_length=20, blank=True, validators=[validate_label])
    difficulty = models.CharField(max_length=6, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    priority = models.PositiveSmallIntegerField(default=2, validators=[MinValueValidator(1), MaxValueValidator(3)])
    reminder_time = models.TimeField(null=True, blank=True)
    timer_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    requires_verification = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    # Pause periods as [start, end] ISO dates (end null while paused): paused days are not
    # expected, so they neither break streaks nor count against consistency.
    pauses = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)

    # Denormalised statistics (docs/rules.md), rewritten by the commit step.
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
    # The statistics' fold (habits.fold, JSON text) through stats_through, the day before
    # they were computed: the day close carries it forward instead of reading the whole
    # history again. Text, not jsonb: it is rewritten daily, and half the size.
    stats_state = models.TextField(null=True, blank=True, editable=False)
    stats_through = models.DateField(null=True, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = HabitQuerySet.as_manager()

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

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        touch(self.user_id)

    def delete(self, *args, **kwargs):
        touch(self.user_id)
        return super().delete(*args, **kwargs)

    # --- rules -------------------------------------------------------------------------

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.start_date and not EARLIEST_START <= self.start_date <= dt.date.today() + dt.timedelta(days=366):
            errors["start_date"] = (
                f"Choose a start date between {EARLIEST_START:%-d %B %Y} and a year from now."
            )
        if self.schedule == self.Schedule.WEEKDAYS:
            days = self.weekdays or []
            if not days:
                errors["weekdays"] = "Pick at least one day of the week."
            elif any(not isinstance(d, int) or not 0 <= d <= 6 for d in days):
                errors["weekdays"] = "Days are numbers from 0 (Monday) to 6 (Sunday)."
        # A value out of range is the field validators' error; here only what is missing.
        if self.schedule == self.Schedule.PER_WEEK and self.times_per_week is None:
            errors["times_per_week"] = TIMES_MESSAGE
        if self.schedule == self.Schedule.EVERY_N_DAYS and self.every_n_days is None:
            errors["every_n_days"] = EVERY_MESSAGE
        if self.kind != self.Kind.YES_NO:
            if self.target_value is None:
                errors["target_value"] = TARGET_MESSAGE
            elif self.target_value <= 0:
                errors["target_value"] = "The target must be more than 0."
        if errors:
            raise ValidationError(errors)
        # Keep only the fields the chosen schedule uses.
        if self.schedule != self.Schedule.WEEKDAYS:
            self.weekdays = []
        else:
            self.weekdays = sorted(set(self.weekdays))
        if self.schedule != self.Schedule.PER_WEEK:
            self.times_per_week = None
        if self.schedule != self.Schedule.EVERY_N_DAYS:
            self.every_n_days = None
        if self.kind == self.Kind.YES_NO:
            self.target_value = None
            self.unit = ""

    @property
    def is_measurable(self) -> bool:
        return self.kind != self.Kind.YES_NO

    @property
    def is_per_week(self) -> bool:
        return self.schedule == self.Schedule.PER_WEEK

    def schedule_spec(self, week_start: int = 0) -> stats.Schedule:
        return stats.Schedule(
            kind=self.schedule,
            start_date=self.start_date,
            weekdays=tuple(self.weekdays or ()),
            times_per_week=self.times_per_week,
            every_n_days=self.every_n_days,
            week_start=week_start,
            pauses=tuple(
                (dt.date.fromisoformat(start), dt.date.fromisoformat(end) if end else None)
                for start, end in (self.pauses or [])
            ),
        )

    @property
    def measure(self) -> stats.Measure | None:
        if not self.is_measurable or self.target_value is None:
            return None
        return stats.Measure(kind=self.kind, target=self.target_value)

    def is_scheduled_on(self, day: dt.date) -> bool:
        """Whether `day` is an expected day. For N per week every day may be used."""
        return self.schedule_spec().is_expected(day)

    def meets_target(self, value) -> bool:
        """Whether a measured value counts the day as done."""
        if value is None or self.target_value is None:
            return False
        if self.kind == self.Kind.AT_MOST:
            return value <= self.target_value
        return value >= self.target_value

    def schedule_label(self) -> str:
        if self.schedule == self.Schedule.WEEKDAYS:
            names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            return ", ".join(names[d] for d in sorted(self.weekdays))
        if self.schedule == self.Schedule.PER_WEEK:
            return f"{self.times_per_week}× a week"
        if self.schedule == self.Schedule.EVERY_N_DAYS:
            return "every other day" if self.every_n_days == 2 else f"every {self.every_n_days} days"
        return "every day"

    def target_label(self) -> str:
        if not self.is_measurable:
            return ""
        amount = f"{self.target_value.normalize():f}"
        prefix = "at least" if self.kind == self.Kind.AT_LEAST else "at most"
        return f"{prefix} {amount} {self.unit}".strip()


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

    # No index of its own: the unique (habit, on) constraint's index serves every lookup by
    # habit, and one index fewer is less to write for each of the day close's rows.
    habit = models.ForeignKey(Habit, on_delete=models.CASCADE, related_name="occurrences", db_index=False)
    on = models.DateField("date")
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.SCHEDULED)
    value = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    note = models.TextField(blank=True, max_length=NOTE_MAX, validators=[MaxLengthValidator(NOTE_MAX), validate_text])
    verification = models.CharField(max_length=8, choices=Verification.choices, default="", blank=True)
    # How many times this day has been ticked done: each tick's XP is keyed on it, so an
    # undo and a new tick award again while a repeated tick never does.
    xp_cycle = models.PositiveIntegerField(default=0)
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

    @classmethod
    def clean_note(cls, note: str | None) -> str:
        """A day's note as stored: stripped, within its limit, without control characters
        (a ValidationError on "note" otherwise)."""
        note = (note or "").strip()
        try:
            cls._meta.get_field("note").run_validators(note)
        except ValidationError as error:
            raise ValidationError({"note": error.messages}) from None
        return note

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        touch(self.habit.user_id)

    def delete(self, *args, **kwargs):
        touch(self.habit.user_id)
        return super().delete(*args, **kwargs)


# A day still open: not yet done, skipped or missed.
OPEN = (Occurrence.Status.SCHEDULED, Occurrence.Status.PROMPTED, Occurrence.Status.STARTED)
