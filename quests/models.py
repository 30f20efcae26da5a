"""Quests: one-off tasks and bigger projects, with ordered objectives (manual steps, or fed
by a habit's done days or streak), dependencies between a user's quests (a DAG: a quest
is locked until the quests it depends on are done), templates (staff's and the user's
own) and private attachments.

Written only by quests.services and the modules it uses (graph, progress, templates,
attachments); the story layer (habitstory.story.quests, and the commit step for a tick)
calls them under the user's profile lock and turns their results into XP and news."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from habitstory.core.text import validate_label, validate_text

DESCRIPTION_MAX = 2000  # a TextField's max_length is the forms' only: the validator is the model's
XP_MIN, XP_MAX = 5, 500  # the bounds a quest's XP reward is edited within
EFFORT_MAX = 7 * 24 * 60  # minutes: a week of work is the most one quest estimates
OBJECTIVES_MAX = 30  # objectives per quest
DEFAULT_CATEGORIES = ("Work", "Home", "Health", "Learning", "Errands")


class Category(models.Model):
    """A user's own list of quest categories (created with DEFAULT_CATEGORIES on first use)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quest_categories")
    name = models.CharField(max_length=40, validators=[validate_label])
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="quest_category_name_once")]

    def __str__(self) -> str:
        return self.name


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    MEDIUM = 2, "Medium"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class Quest(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACTIVE = "active", "Active"
        DONE = "done", "Done"
        ABANDONED = "abandoned", "Abandoned"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quests")
    title = models.CharField(max_length=120, validators=[validate_label])
    # Plain text with light formatting (quests.formatting renders it, nh3 cleans the HTML).
    description = models.TextField(
        blank=True, max_length=DESCRIPTION_MAX, validators=[MaxLengthValidator(DESCRIPTION_MAX), validate_text]
    )
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="quests")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    due_date = models.DateField(null=True, blank=True)  # the user's local day
    due_time = models.TimeField(null=True, blank=True)  # local wall time; only with a due date
    effort_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(EFFORT_MAX)]
    )
    xp_reward = models.PositiveIntegerField(validators=[MinValueValidator(XP_MIN), MaxValueValidator(XP_MAX)])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    position = models.PositiveIntegerField(default=0)  # order within its board column
    activated_on = models.DateField(null=True, blank=True)  # the local day it became active
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_on = models.DateField(null=True, blank=True)  # local day ("3 quests in one day")
    # Each completion's XP is keyed on this (quest:<id>:<cycle>), so reopening and
    # completing again awards again, once.
    completion_cycle = models.PositiveIntegerField(default=0)
    # All objectives done while the user's setting asks before completing: "Complete?"
    ready = models.BooleanField(default=False)
    # Denormalised for search: the objectives' text (title and description are columns).
    objectives_text = models.TextField(blank=True, default="", editable=False)
    # Reminders claimed (quests.reminders): the due date each was sent for, so a
    # rescheduled quest is reminded again and a job run twice sends once.
    due_reminded_for = models.DateField(null=True, blank=True, editable=False)
    overdue_reminded_for = models.DateField(null=True, blank=True, editable=False)
    template = models.ForeignKey(
        "QuestTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="quests"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["user", "status", "position"], name="quest_board"),
            models.Index(fields=["status", "due_date"], name="quest_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_time__isnull=True) | Q(due_date__isnull=False), name="quest_due_time_needs_date"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.ABANDONED)


class Objective(models.Model):
    """One step of a quest's progress. Habit-fed kinds are moved by the commit step."""

    class Kind(models.TextChoices):
        MANUAL = "manual", "A step to tick"
        HABIT_COUNT = "habit_count", "Do a habit N times"
        HABIT_STREAK = "habit_streak", "Reach a streak of N on a habit"

    quest = models.ForeignKey(Quest, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=200, validators=[validate_label])
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.MANUAL)
    weight = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    # Habit-fed kinds: the habit and N. A deleted habit leaves the objective as it stood.
    habit = models.ForeignKey(
        "habits.Habit", null=True, blank=True, on_delete=models.SET_NULL, related_name="quest_objectives"
    )
    target = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )
    # Habit-fed: done days since the quest became active, or the habit's streak.
    count = models.PositiveIntegerField(default=0)
    done = models.BooleanField(default=False)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="manual") | (Q(target__isnull=False)), name="objective_habit_kinds_need_target"
            ),
        ]

    def __str__(self) -> str:
        return self.text


class Dependency(models.Model):
    """`quest` waits for `depends_on` (both the same user's; the graph stays acyclic:
    quests.graph refuses an edge that would close a cycle)."""

    quest = models.ForeignKey(Quest, on_delete=models.CASCADE, related_name="dependencies")
    depends_on = models.ForeignKey(Quest, on_delete=models.CASCADE, related_name="dependents")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["quest", "depends_on"], name="quest_dependency_once"),
            models.CheckConstraint(condition=~Q(quest=models.F("depends_on")), name="quest_not_own_dependency"),
        ]
        verbose_name_plural = "dependencies"

    def __str__(self) -> str:
        return f"{self.quest_id} waits for {self.depends_on_id}"


class QuestTemplate(models.Model):
    """Staff's templates (user empty; `slug` names them for the archetypes' starter plans)
    and a user's own (saved from one of their quests)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="quest_templates"
    )
    slug = models.SlugField(max_length=60)
    title = models.CharField(max_length=120, validators=[validate_label])
    description = models.TextField(
        blank=True, max_length=DESCRIPTION_MAX, validators=[MaxLengthValidator(DESCRIPTION_MAX), validate_text]
    )
    category_name = models.CharField(max_length=40, blank=True, validators=[validate_label])
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    effort_minutes = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(EFFORT_MAX)]
    )
    xp_reward = models.PositiveIntegerField(validators=[MinValueValidator(XP_MIN), MaxValueValidator(XP_MAX)])
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], condition=Q(user__isnull=True), name="quest_template_staff_slug"),
            models.UniqueConstraint(fields=["user", "slug"], name="quest_template_user_slug"),
        ]

    def __str__(self) -> str:
        return self.title


class TemplateObjective(models.Model):
    """A template's objective. A habit-fed one names its habit: a user's own template by
    the habit, staff's by `habit_name` (matched to the user's habit of that name when the
    quest is made; a manual step when they have none)."""

    template = models.ForeignKey(QuestTemplate, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(max_length=200, validators=[validate_label])
    kind = models.CharField(max_length=12, choices=Objective.Kind.choices, default=Objective.Kind.MANUAL)
    weight = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    habit = models.ForeignKey("habits.Habit", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    habit_name = models.CharField(max_length=80, blank=True, validators=[validate_label])
    target = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10000)]
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


def attachment_path(instance: Attachment, filename: str) -> str:
    """A random name under the user's folder: the original name is kept in a column only."""
    return f"quests/{instance.user_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A private file on a quest: an image (metadata stripped, with a thumbnail), a PDF or
    plain text, its type read from its content. Served only to its owner."""

    class Kind(models.TextChoices):
        IMAGE = "image", "Image"
        PDF = "pdf", "PDF"
        TEXT = "text", "Text"

    quest = models.ForeignKey(Quest, on_delete=models.CASCADE, related_name="attachments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quest_attachments")
    file = models.FileField(upload_to=attachment_path, max_length=200)
    thumbnail = models.FileField(upload_to=attachment_path, max_length=200, blank=True)
    name = models.CharField(max_length=200)  # the name it was uploaded with, for downloads
    kind = models.CharField(max_length=5, choices=Kind.choices)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()  # bytes as stored (after metadata is stripped)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name


class NextUpChoice(models.Model):
    """One completion, as next up saw it (quests.learned): the factor values
    (quests.next_up.WEIGHTS' names) of the quest completed and of the other unlocked open
    and active quests the user could have done instead."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="next_up_choices")
    quest = models.ForeignKey(Quest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    chosen_at = models.DateTimeField()
    chosen = models.JSONField()  # {factor: value}
    others = models.JSONField()  # [{factor: value}, …], at least one

    class Meta:
        ordering = ["chosen_at", "id"]
        indexes = [models.Index(fields=["user", "chosen_at"], name="quest_next_up_choice")]

    def __str__(self) -> str:
        return f"{self.user_id} at {self.chosen_at:%Y-%m-%d %H:%M}"


class NextUpFit(models.Model):
    """A user's latest learned next-up weights (quests.learned.refit) and how they did on
    the user's later, held-out choices against the hand-set WEIGHTS; next up uses them
    only while `in_use` (they won)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="next_up_fit")
    weights = models.JSONField()  # {factor: weight}
    pairwise_accuracy = models.FloatField()  # the learned weights', on the held-out choices
    top1_accuracy = models.FloatField()
    hand_pairwise_accuracy = models.FloatField()  # WEIGHTS', on the same choices
    hand_top1_accuracy = models.FloatField()
    train_choices = models.PositiveIntegerField()
    test_choices = models.PositiveIntegerField()
    train_pairs = models.PositiveIntegerField()
    in_use = models.BooleanField(default=False)
    fitted_at = models.DateTimeField()

    class Meta:
        verbose_name = "next-up fit"

    def __str__(self) -> str:
        return f"{self.user_id}: {'learned' if self.in_use else 'hand-set'} weights"
