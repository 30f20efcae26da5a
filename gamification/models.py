"""The XP ledger, the pet and achievements. Written only by gamification.services (the
commit step and its rebuilds)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.utils import timezone

from habitstory.core.text import validate_label


class XPEvent(models.Model):
    """Append-only. A (source, reason) pair exists once, so a retried or doubled award
    fails at the database instead of counting twice. An undo appends a compensating row
    with the negative amount; totals are sums."""

    class Reason(models.TextChoices):
        HABIT_DONE = "habit_done", "Habit done"
        HABIT_UNDONE = "habit_undone", "Habit undone"
        GOAL_COMPLETED = "goal_completed", "Goal completed"
        GOAL_REOPENED = "goal_reopened", "Goal reopened"
        ACHIEVEMENT = "achievement", "Achievement unlocked"
        QUEST_COMPLETED = "quest_completed", "Quest completed"
        QUEST_REOPENED = "quest_reopened", "Quest reopened"
        VERIFICATION = "verification", "Verification approved"
        VERIFICATION_REVOKED = "verification_revoked", "Verification taken back"
        REVIEW = "review", "Proof reviewed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="xp_events")
    amount = models.IntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    source = models.CharField(max_length=80, help_text="What earned it, e.g. occurrence:12:1 (id and cycle).")
    on = models.DateField(help_text="The owner's local day of the event (today's XP, weekly boards).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "XP event"
        constraints = [models.UniqueConstraint(fields=["source", "reason"], name="xpevent_once_per_source_reason")]
        indexes = [models.Index(fields=["user", "on"], name="xpevent_user_day"), models.Index(fields=["on"], name="xpevent_day")]

    def __str__(self) -> str:
        return f"{self.amount:+d} XP to {self.user_id} ({self.reason}, {self.source})"


class Pet(models.Model):
    class Species(models.TextChoices):
        FOX = "fox", "Fox"
        OWL = "owl", "Owl"
        DRAGON = "dragon", "Dragon"
        TURTLE = "turtle", "Turtle"
        # Premium's (gamification.pets.PREMIUM_SPECIES) when billing is on; a pet keeps its species after a downgrade.
        RABBIT = "rabbit", "Rabbit"
        PHOENIX = "phoenix", "Phoenix"

    class Stage(models.TextChoices):
        EGG = "egg", "Egg"
        HATCHLING = "hatchling", "Hatchling"
        YOUNG = "young", "Young"
        ADULT = "adult", "Adult"
        LEGENDARY = "legendary", "Legendary"

    class Mood(models.TextChoices):
        NEW = "new", "New"
        THRIVING = "thriving", "Thriving"
        HAPPY = "happy", "Happy"
        OKAY = "okay", "Okay"
        SAD = "sad", "Sad"
        SLEEPY = "sleepy", "Sleepy"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pet")
    name = models.CharField(max_length=30, default="Egg", validators=[validate_label])
    species = models.CharField(max_length=10, choices=Species.choices, default=Species.FOX)
    xp = models.PositiveIntegerField(default=0)
    level = models.PositiveSmallIntegerField(default=1)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.EGG)
    mood = models.CharField(max_length=10, choices=Mood.choices, default=Mood.NEW)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} the {self.get_species_display().lower()}"


class PetEvent(models.Model):
    """The pet's history: level-ups, new stages, mood changes."""

    class Kind(models.TextChoices):
        HATCHED = "hatched", "Arrived"
        LEVEL_UP = "level_up", "Level up"
        STAGE = "stage", "Grew up"
        MOOD = "mood", "Mood"

    pet = models.ForeignKey(Pet, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    detail = models.CharField(max_length=120)
    # When it happened: now, or the day a rebuilt history reached it (services.rebuild_pet_history).
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]


class Achievement(models.Model):
    """A definition, editable by staff. `kind` picks the rule; `threshold` its number."""

    class Kind(models.TextChoices):
        FIRST_TICK = "first_tick", "First tick"
        HABIT_STREAK = "habit_streak", "Streak on one habit (days)"
        TOTAL_TICKS = "total_ticks", "Ticks in total"
        LEVEL = "level", "Level reached"
        PERFECT_DAY = "perfect_day", "Perfect day"
        PERFECT_WEEK = "perfect_week", "Perfect week"
        GOALS_COMPLETED = "goals_completed", "Goals completed"
        PILLAR_BALANCE = "pillar_balance", "Every pillar at this consistency"
        EARLY_BIRD = "early_bird", "A tick before this hour (local)"
        QUESTS_COMPLETED = "quests_completed", "Quests completed"
        QUESTS_IN_A_DAY = "quests_in_a_day", "Quests completed in one day"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=60)
    description = models.CharField(max_length=200)
    icon = models.CharField(max_length=20, default="star", help_text="A symbol id in static/icons/nav.svg.")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    threshold = models.PositiveIntegerField(default=1)
    xp_reward = models.PositiveIntegerField(default=0)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        forget_locked()

    def delete(self, *args, **kwargs):
        forget_locked()
        return super().delete(*args, **kwargs)


class UserAchievement(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="achievements")
    achievement = models.ForeignKey(Achievement, on_delete=models.CASCADE, related_name="unlocks")
    unlocked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-unlocked_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "achievement"], name="achievement_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.achievement} for {self.user_id}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        forget_locked(self.user_id)

    def delete(self, *args, **kwargs):
        forget_locked(self.user_id)
        return super().delete(*args, **kwargs)


# The commit step reads each user's still-locked definitions from the cache
# (achievements.locked); any change to definitions or unlocks made outside it forgets them.
LOCKED_VERSION_KEY = "achievements:definitions"


def locked_key(user_id: int) -> str:
    return f"achievements:locked:{user_id}"


def forget_locked(user_id: int | None = None) -> None:
    """Forget one user's cached locked definitions (an unlock changed), or everyone's (a
    definition changed): now, and again once the transaction commits."""
    key = locked_key(user_id) if user_id is not None else LOCKED_VERSION_KEY
    cache.delete(key)
    transaction.on_commit(lambda: cache.delete(key))
