"""A user's timeline: check-ins, life events, level-ups and goals completed, day by day,
newest first, a window of days at a time. It crosses domains (insights, gamification's
ledger, goals), so it lives in the story layer; the page is habitstory.insights.views.

A window costs the same few queries however long the history (one per kind, two for the
level-ups, one for where the history starts)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial

from django.db.models import Min, OuterRef, Subquery, Sum
from django.urls import reverse

from gamification.models import XPEvent
from gamification.rules import level_for
from goals.models import Goal
from habitstory.accounts.models import User
from habitstory.core.formatting import amount, long_date, short_date
from habitstory.insights.models import CheckIn, LifeEvent

WINDOW_DAYS = 30
KIND_CHOICES: list[tuple[str, str]] = [
    ("checkin", "Check-ins"), ("event", "Life events"), ("level_up", "Level-ups"), ("goal", "Goals completed"),
]
KINDS: tuple[str, ...] = tuple(kind for kind, _ in KIND_CHOICES)
NOTE_PREVIEW = 140


@dataclass(frozen=True)
class Item:
    kind: str  # one of KINDS
    title: str
    detail: str = ""
    url: str = ""
    badge: str = ""


@dataclass
class Day:
    date: dt.date
    items: list[Item] = field(default_factory=list)

    @property
    def title(self) -> str:
        return long_date(self.date)

    @property
    def url(self) -> str:
        """The day's page: its check-in and its habits."""
        return reverse("insights:checkin", args=[self.date.isoformat()])


@dataclass
class Window:
    start: dt.date
    end: dt.date
    days: list[Day]
    kinds: list[str]
    earlier: dt.date | None  # the `until` of the window before, if the history goes back further
    later: dt.date | None  # the `until` of the window after, if this one ends before today

    @property
    def title(self) -> str:
        return f"{long_date(self.start)} to {long_date(self.end)}"


def window(user, end: dt.date, *, kinds: list[str] | None = None, event_types: list[str] | None = None,
           today: dt.date, days: int = WINDOW_DAYS) -> Window:
    """The `days` days ending on `end` (a user's local dates), only the given kinds (all by
    default) and, of life events, only the given types (all by default)."""
    kinds = [kind for kind in KINDS if not kinds or kind in kinds]
    end = min(end, today)
    start = end - dt.timedelta(days=days - 1)
    items: dict[dt.date, list[Item]] = defaultdict(list)
    readers = {"checkin": _checkins, "event": partial(_events, types=event_types), "level_up": _level_ups,
               "goal": _goals}
    for kind in kinds:
        for day, item in readers[kind](user, start, end):
            items[day].append(item)
    listed = [Day(day, items[day]) for day in sorted(items, reverse=True)]
    first = _first_day(user)
    return Window(
        start=start, end=end, days=listed, kinds=kinds,
        earlier=start - dt.timedelta(days=1) if first is not None and first < start else None,
        later=min(end + dt.timedelta(days=days), today) if end < today else None,
    )


def _first_day(user) -> dt.date | None:
    """Where the history starts: sign-up, or an earlier check-in or event (backfill)."""
    first_checkin = CheckIn.objects.filter(user=OuterRef("pk")).order_by("on").values("on")[:1]
    first_event = LifeEvent.objects.filter(user=OuterRef("pk")).order_by("start").values("start")[:1]
    row = (User.objects.filter(pk=user.pk)
           .annotate(first_checkin=Subquery(first_checkin), first_event=Subquery(first_event))
           .values("date_joined", "first_checkin", "first_event").first())
    if row is None:
        return None
    joined = user.profile.local_today(row["date_joined"])
    return min(day for day in (joined, row["first_checkin"], row["first_event"]) if day is not None)


def _checkins(user, start: dt.date, end: dt.date):
    for checkin in CheckIn.objects.filter(user=user, on__range=(start, end)).order_by("-on"):
        yield checkin.on, Item("checkin", checkin_title(checkin), checkin_detail(checkin),
                               reverse("insights:checkin", args=[checkin.on.isoformat()]))


def checkin_title(checkin: CheckIn) -> str:
    parts = []
    if checkin.mood:
        parts.append(f"mood {checkin.get_mood_display().lower()}")
    if checkin.energy is not None:
        parts.append(f"energy {amount(checkin.energy)} of 10")
    text = ", ".join(parts) or "the day's inputs"
    return text[:1].upper() + text[1:]


def checkin_detail(checkin: CheckIn) -> str:
    parts = []
    if checkin.sleep_hours is not None:
        parts.append(f"slept {amount(checkin.sleep_hours)} h")
    if checkin.exercise_minutes is not None:
        parts.append(f"{checkin.exercise_minutes} min exercise")
    if checkin.social_minutes is not None:
        parts.append(f"{checkin.social_minutes} min with people")
    if checkin.work_hours is not None:
        parts.append(f"worked {amount(checkin.work_hours)} h")
    if checkin.stress is not None:
        parts.append(f"stress {amount(checkin.stress)} of 10")
    text = ", ".join(parts)
    if checkin.note:
        note = checkin.note if len(checkin.note) <= NOTE_PREVIEW else checkin.note[: NOTE_PREVIEW - 1] + "…"
        text = f"{text}. “{note}”" if text else f"“{note}”"
    return text[:1].upper() + text[1:]


def _events(user, start: dt.date, end: dt.date, *, types: list[str] | None = None):
    events = LifeEvent.objects.filter(user=user, start__range=(start, end))
    if types:
        events = events.filter(type__in=types)
    for event in events.order_by("-start", "-id"):
        span = "" if event.end in (None, event.start) else f"{short_date(event.start)} to {short_date(event.end)}"
        yield event.start, Item("event", event.title, span, reverse("insights:event-edit", args=[event.pk]),
                                event.get_type_display())


def _level_ups(user, start: dt.date, end: dt.date):
    """The days the XP ledger's running total reached a new level (two queries)."""
    ledger = XPEvent.objects.filter(user=user)
    total = ledger.filter(on__lt=start).aggregate(total=Sum("amount"))["total"] or 0
    level = level_for(total)[0]
    by_day = ledger.filter(on__range=(start, end)).values("on").annotate(xp=Sum("amount")).order_by("on")
    ups, url = [], reverse("gamification:achievements")
    for row in by_day:
        total += row["xp"]
        reached = level_for(total)[0]
        if reached > level:
            ups.append((row["on"], Item("level_up", f"Reached level {reached}", url=url)))
        level = reached
    return reversed(ups)


def _goals(user, start: dt.date, end: dt.date):
    profile = user.profile
    since = dt.datetime.combine(start, dt.time(profile.day_start_hour), tzinfo=profile.zone)
    goals = Goal.objects.filter(user=user, completed_at__gte=since, completed_at__lt=profile.day_ends_at(end))
    for goal in goals.order_by("-completed_at"):
        yield profile.local_today(goal.completed_at), Item(
            "goal", f"Completed “{goal.name}”", url=reverse("goals:detail", args=[goal.pk]))
