"""Users sign in by e-mail; every user has exactly one Profile, created with the user."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.utils import timezone
from timezone_field import TimeZoneField

from habitstory.core.text import validate_label

# What a person can be told about, and how. The notifications issue reads these.
NOTIFICATION_KINDS = {
    "prompts": "Habit prompts at their reminder time",
    "nudges": "Gentle nudges when a habit goes quiet",
    "risk": "Alerts when a streak is at risk",
    "achievements": "Achievements and level-ups",
    "goals": "Goal and quest events",
    "quest_due": "A quest due tomorrow",
    "quest_overdue": "A quest past its due date",
    "verification": "Your proofs reviewed",
    "digest": "Weekly digest",
}
NOTIFICATION_CHANNELS = {"in_app": "In the app", "push": "Push", "email": "E-mail"}


def default_notification_preferences() -> dict[str, list[str]]:
    prefs = {kind: ["in_app", "push"] for kind in NOTIFICATION_KINDS}
    prefs["digest"] = ["email"]
    return prefs


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("e-mail address", unique=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args, **kwargs) -> None:
        # A user never exists without a profile: both rows are written in one transaction,
        # whichever way the user is created (sign-up, social login, admin, createsuperuser).
        creating = self._state.adding
        with transaction.atomic(using=kwargs.get("using")):
            super().save(*args, **kwargs)
            if creating:
                Profile.objects.create(user=self)


class Profile(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        SUNDAY = 6, "Sunday"
        SATURDAY = 5, "Saturday"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=40, blank=True, validators=[validate_label])
    timezone = TimeZoneField(default="UTC", use_pytz=False)
    day_start_hour = models.PositiveSmallIntegerField(
        default=0,
        validators=[MinValueValidator(0), MaxValueValidator(6)],
        help_text="A day that starts at 2 means 01:30 still counts as yesterday.",
    )
    week_start = models.PositiveSmallIntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    prompt_window_start = models.TimeField(default=dt.time(7, 0))
    prompt_window_end = models.TimeField(default=dt.time(22, 0))
    quiet_hours_start = models.TimeField(null=True, blank=True)
    quiet_hours_end = models.TimeField(null=True, blank=True)
    notification_preferences = models.JSONField(default=default_notification_preferences)
    show_on_leaderboards = models.BooleanField(
        default=False, help_text="Show my display name and weekly XP on leaderboards."
    )
    quest_auto_complete = models.BooleanField(
        default=True, help_text="Complete a quest when its last objective is done (otherwise ask first)."
    )
    pooled_learning = models.BooleanField(
        default=False,
        help_text=(
            "Until you have 60 days of check-ins, forecasts come from a model trained on the "
            "check-ins of everyone who turned this on (no names, no notes). Off: your data "
            "trains only your own models."
        ),
    )
    # Denormalised from the XP ledger by the commit step (gamification.services); rebuilt
    # by `manage.py rebuild_xp`.
    xp_total = models.IntegerField(default=0)
    level = models.PositiveSmallIntegerField(default=1)
    xp_today = models.IntegerField(default=0)
    xp_today_on = models.DateField(null=True, blank=True)
    # The last local day the hourly day close has closed for this user (habits.closing):
    # claimed with a conditional UPDATE so each day is closed exactly once. Null until the
    # first close, which closes only the day before.
    closed_through = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    @property
    def name(self) -> str:
        return self.display_name or self.user.email.split("@")[0]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        tz = self.timezone
        return tz if isinstance(tz, zoneinfo.ZoneInfo) else zoneinfo.ZoneInfo(str(tz))

    def local_now(self, now: dt.datetime | None = None) -> dt.datetime:
        return (now or timezone.now()).astimezone(self.zone)

    def local_today(self, now: dt.datetime | None = None) -> dt.date:
        """The user's current day: their local date, shifted back by the day-start hour."""
        local = self.local_now(now)
        return (local - dt.timedelta(hours=self.day_start_hour)).date()

    def day_ends_at(self, day: dt.date) -> dt.datetime:
        """When the user's `day` ends: the next local date at the day-start hour (on a DST
        change, the wall time as the zone resolves it)."""
        end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(self.day_start_hour), tzinfo=self.zone)
        return end.astimezone(dt.UTC)

    def channels_for(self, kind: str) -> list[str]:
        """The channels the user chose for `kind`; a kind added since they last saved their
        preferences (their stored dict lacks it) has its default channels."""
        prefs = self.notification_preferences or {}
        if kind not in prefs:
            return default_notification_preferences().get(kind, [])
        return list(prefs[kind])
