"""Nudges (docs/jobs.md): what the `notifications.send_nudges` task runs hourly. An active
habit whose last two expected days were both left undone gets one gentle nudge a day,
inside its owner's prompt window, with its first adaptive suggestion; not on a day its
risk alert (habitstory.story.risk) already said it. Keyed by habit and local day, so
notify() sends it once. Set-based: a few queries per page of habits. The rules and why:
docs/jobs.md, "Nudges"."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.utils import timezone

from habits import reminders
from habits import services as habit_services
from habits.models import Habit, Occurrence
from habitstory.core.jobs import NEVER_SWALLOWED, pages
from habitstory.notifications.models import Notification
from habitstory.notifications.services import notify

from .prompts import BATCH_SIZE, Summary, in_prompt_window
from .risk import risk_key

logger = logging.getLogger(__name__)

Status = Occurrence.Status


@dataclass
class _Nudge:
    habit: Habit
    today: dt.date
    days: tuple[dt.date, dt.date]  # the last two expected days before today
    key: str


def send_nudges(now: dt.datetime | None = None, *, batch_size: int = BATCH_SIZE) -> dict:
    """Nudge active habits whose last two expected days were both left undone, once a day,
    inside the owner's prompt window. Safe to run twice, at once, or late."""
    now = now or timezone.now()
    summary = Summary()
    habits = (
        Habit.objects.alive()
        .filter(status=Habit.Status.ACTIVE, user__is_active=True)
        .exclude(schedule=Habit.Schedule.PER_WEEK)
    )
    for page in pages(habits.select_related("user__profile"), batch_size):
        summary.checked += len(page)
        _nudge_batch(page, now, summary)
    return summary.as_dict()


def _nudge_batch(habits: list[Habit], now: dt.datetime, summary: Summary) -> None:
    candidates = _plan(habits, now, summary)
    if not candidates:
        return
    # Already nudged today, or told today by the day close's risk alert, which says the
    # same more urgently (one query); and the days that rule a nudge out (one query).
    sent = set(
        Notification.objects.filter(
            user_id__in={c.habit.user_id for c in candidates},
            key__in=[key for c in candidates for key in (c.key, risk_key(c.habit.pk, c.today))],
        ).values_list("user_id", "key")
    )
    engaged = reminders.engaged_days(
        [c.habit.pk for c in candidates], {day for c in candidates for day in (*c.days, c.today)}
    )
    for c in candidates:
        pk = c.habit.pk
        if (c.habit.user_id, c.key) in sent or (c.habit.user_id, risk_key(pk, c.today)) in sent:
            continue
        # A done or skipped expected day, or today done, skipped or started, rules it out.
        if any((pk, day, status) in engaged for day in c.days for status in (Status.DONE, Status.SKIPPED)):
            continue
        if any((pk, c.today, status) in engaged for status in (Status.DONE, Status.SKIPPED, Status.STARTED)):
            continue
        try:
            if _nudge(c, now):
                summary.sent += 1
        except NEVER_SWALLOWED:
            raise
        except Exception:
            logger.exception("send_nudges: nudging failed for user %s", c.habit.user_id)
            summary.fail(c.habit.user_id)


def _plan(habits: list[Habit], now: dt.datetime, summary: Summary) -> list[_Nudge]:
    """The habits inside their owner's prompt window that have two expected days before
    today, with those days and today's key."""
    candidates = []
    for habit in habits:
        try:
            profile = habit.user.profile
            if not in_prompt_window(profile, now):
                continue
            today = profile.local_today(now)
            days = reminders.last_expected_days(habit, profile.week_start, today)
            if len(days) == 2:
                candidates.append(_Nudge(habit, today, tuple(days), f"nudge:{habit.pk}:{today}"))
        except NEVER_SWALLOWED:
            raise
        except Exception:
            logger.exception("send_nudges: planning failed for user %s", habit.user_id)
            summary.fail(habit.user_id)
    return candidates


def _nudge(c: _Nudge, now: dt.datetime) -> bool:
    suggestions = habit_services.suggestions_for(c.habit, c.today)
    body = f"{c.habit.name} has been quiet for a couple of days. No pressure: one small step today counts."
    if suggestions:
        body += f"\n\n{suggestions[0][1]}"
    return (
        notify(c.habit.user, "nudges", title=f"Ready to pick up {c.habit.name} again?", body=body, url="/",
               key=c.key, now=now)
        is not None
    )
