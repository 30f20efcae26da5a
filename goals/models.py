"""Goals fed by habits (weighted) and by manual entries. Written only by goals.services
(the commit step calls it for every log)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import models

from habitstory.core.text import validate_label, validate_text

DESCRIPTION_MAX = 2000  # a TextField's max_length is the forms' only: the validator is the model's


class Goal(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="goals")
    name = models.CharField(max_length=80, validators=[validate_label])
    description = models.TextField(
        blank=True, max_length=DESCRIPTION_MAX, validators=[MaxLengthValidator(DESCRIPTION_MAX), validate_text]
    )
    target_value = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))])
    unit = models.CharField(max_length=20, blank=True, validators=[validate_label])
    start_date = models.DateField()
    deadline = models.DateField(null=True, blank=True)
    # Denormalised: manual entries + Σ weight × value over done occurrences of linked habits
    # on or after start_date (value 1 for yes/no habits). Rewritten in the commit step.
    current_value = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    completed_at = models.DateTimeField(null=True, blank=True)
    # Each completion's XP is keyed on this, so reopening and completing again awards again.
    completion_cycle = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["completed_at", "deadline", "id"]

    def __str__(self) -> str:
        return self.name


class GoalHabit(models.Model):
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="links")
    habit = models.ForeignKey("habits.Habit", on_delete=models.CASCADE, related_name="goal_links")
    weight = models.DecimalField(
        max_digits=9, decimal_places=2, default=Decimal(1), validators=[MinValueValidator(Decimal("0.01"))]
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["goal", "habit"], name="goalhabit_once")]

    def __str__(self) -> str:
        return f"{self.habit_id} → {self.goal_id} × {self.weight}"


class GoalEntry(models.Model):
    """Progress made outside habits: + or −, with a note."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="entries")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    note = models.CharField(max_length=200, blank=True, validators=[validate_text])
    on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-id"]
        verbose_name_plural = "goal entries"

    def __str__(self) -> str:
        return f"{self.amount:+} on {self.on}"
