"""Archetypes and houses: the quiz (traits, questions, choices and their weights), the
archetypes (a trait profile, a house, a starter plan), the ordered rules that assign them,
and each user's assignments (one active, the earlier kept) and house membership.

Content is staff's (admin; seeded by a data migration). Written only by
archetypes.services and the modules it uses (scoring, rules, confidence, plans, houses);
the story layer and the API call them."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from habitstory.core.text import validate_label, validate_text

TEXT_MAX = 2000
SCORE_MIN, SCORE_MAX = Decimal(0), Decimal(100)
WEIGHT_MIN, WEIGHT_MAX = Decimal(-10), Decimal(10)
HEX_COLOR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour as #rrggbb.")
score_validators = [MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]


class Trait(models.Model):
    """A dimension the quiz measures, scored 0-100 (archetypes.scoring)."""

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=40, validators=[validate_label])
    description = models.CharField(max_length=200, blank=True, validators=[validate_label])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Question(models.Model):
    text = models.CharField(max_length=200, validators=[validate_label])
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Only active questions are asked and scored.")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(max_length=200, validators=[validate_label])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class ChoiceWeight(models.Model):
    """What picking a choice adds to a trait's raw sum (absent: 0)."""

    choice = models.ForeignKey(Choice, on_delete=models.CASCADE, related_name="weights")
    trait = models.ForeignKey(Trait, on_delete=models.CASCADE, related_name="weights")
    weight = models.DecimalField(
        max_digits=4, decimal_places=1, validators=[MinValueValidator(WEIGHT_MIN), MaxValueValidator(WEIGHT_MAX)]
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["choice", "trait"], name="choice_weight_once")]

    def __str__(self) -> str:
        return f"{self.trait} {self.weight:+}"


class House(models.Model):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=40, validators=[validate_label])
    motto = models.CharField(max_length=120, validators=[validate_label])
    color = models.CharField(max_length=7, validators=[HEX_COLOR])
    crest = models.CharField(
        max_length=120, help_text="A static file path, e.g. archetypes/crests/ember.svg (drawn as an image)."
    )
    description = models.TextField(blank=True, max_length=TEXT_MAX, validators=[validate_text])
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Archetype(models.Model):
    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=40, validators=[validate_label])
    tagline = models.CharField(max_length=120, validators=[validate_label])
    description = models.TextField(max_length=TEXT_MAX, validators=[validate_text])
    illustration = models.CharField(
        max_length=120, help_text="A static file path, e.g. archetypes/art/sage.svg."
    )
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="archetypes")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class ProfileScore(models.Model):
    """An archetype's target score for a trait (its profile; a trait it lacks counts 50)."""

    archetype = models.ForeignKey(Archetype, on_delete=models.CASCADE, related_name="profile")
    trait = models.ForeignKey(Trait, on_delete=models.CASCADE, related_name="+")
    target = models.DecimalField(max_digits=5, decimal_places=2, validators=score_validators)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["archetype", "trait"], name="profile_score_once")]

    def __str__(self) -> str:
        return f"{self.trait} {self.target}"


class StarterHabit(models.Model):
    """A habit of an archetype's starter plan, from the habit template library."""

    archetype = models.ForeignKey(Archetype, on_delete=models.CASCADE, related_name="starter_habits")
    template = models.ForeignKey("habits.HabitTemplate", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    checked = models.BooleanField(default=True, help_text="Ticked on the result page to begin with.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["archetype", "template"], name="starter_habit_once")]


class StarterQuest(models.Model):
    """A quest of an archetype's starter plan, from staff's quest templates."""

    archetype = models.ForeignKey(Archetype, on_delete=models.CASCADE, related_name="starter_quests")
    template = models.ForeignKey("quests.QuestTemplate", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    checked = models.BooleanField(default=True, help_text="Ticked on the result page to begin with.")

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.UniqueConstraint(fields=["archetype", "template"], name="starter_quest_once")]


class Rule(models.Model):
    """Assigns `archetype` when all its conditions hold; rules are tried in `position`
    order and the first that matches wins (archetypes.rules)."""

    name = models.CharField(max_length=80, validators=[validate_label])
    archetype = models.ForeignKey(Archetype, on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Condition(models.Model):
    """One test of a trait's score: data, never an expression evaluated at run time."""

    class Operator(models.TextChoices):
        GTE = "gte", "≥"
        LTE = "lte", "≤"
        GT = "gt", ">"
        LT = "lt", "<"
        BETWEEN = "between", "between (inclusive)"

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="conditions")
    trait = models.ForeignKey(Trait, on_delete=models.CASCADE, related_name="+")
    operator = models.CharField(max_length=7, choices=Operator.choices)
    value = models.DecimalField(max_digits=5, decimal_places=2, validators=score_validators)
    value_to = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, validators=score_validators,
        help_text="The upper end, for 'between' only.",
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        if self.operator == self.Operator.BETWEEN:
            return f"{self.trait_id} between {self.value} and {self.value_to}"
        return f"{self.trait_id} {self.get_operator_display()} {self.value}"


class Assignment(models.Model):
    """A user's archetype, as the quiz (or staff) gave it. One active per user; retaking
    the quiz makes a new active one and keeps the earlier as history."""

    class Source(models.TextChoices):
        RULE = "rule", "A rule matched"
        NEAREST = "nearest", "Nearest profile"
        STAFF = "staff", "Assigned by staff"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="archetype_assignments")
    archetype = models.ForeignKey(Archetype, on_delete=models.PROTECT, related_name="assignments")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="assignments")
    confidence = models.FloatField(validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    traits = models.JSONField(default=dict, help_text="Trait slug → score 0-100.")
    answers = models.JSONField(default=dict, blank=True, help_text="Question id → choice id, as answered.")
    source = models.CharField(max_length=8, choices=Source.choices)
    rule = models.ForeignKey(Rule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule_name = models.CharField(max_length=80, blank=True)  # kept if the rule is edited or deleted
    quiz_version = models.CharField(max_length=16, help_text="A digest of the quiz as it was answered.")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(active=True), name="one_active_assignment"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.archetype_id}"


class QuizProgress(models.Model):
    """Answers given so far, kept when the user leaves the quiz and comes back."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_progress")
    answers = models.JSONField(default=dict, help_text="Question id → choice id.")
    skipped_at = models.DateTimeField(null=True, blank=True, help_text="The user chose to skip the quiz for now.")
    updated_at = models.DateTimeField(auto_now=True)


class Membership(models.Model):
    """The user's house: set by their first assignment, changed by them at most once a
    week (archetypes.houses)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="house_membership")
    house = models.ForeignKey(House, on_delete=models.PROTECT, related_name="members")
    joined_at = models.DateTimeField()
    changed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id} in {self.house_id}"
