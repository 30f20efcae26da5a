"""Risk alerts, raised by the day close (habitstory.story.closing): one "risk"
notification per habit that became at risk, and a live `habit_at_risk` for open pages.

Queued after each batch of the close commits as one `notifications.send_risk_alerts`
task (keyed by habit and local day, so a retried task alerts once); the task notifies
only habits still at risk then (a tick in between means no alert), and not when the day
is already checked in (done or skipped)."""

from __future__ import annotations

import datetime as dt
import logging

from django.urls import reverse
from django.utils import timezone

from habits.models import Habit, Occurrence
from habitstory.core.jobs import NEVER_SWALLOWED
from habitstory.core.queue import enqueue
from habitstory.live import publish
from habitstory.notifications.services import notify

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
RISK_TASK = "notifications.send_risk_alerts"


def risk_key(habit_id: int, day: dt.date | str) -> str:
    """The alert's key: one per habit and local day."""
    return f"risk:{habit_id}:{day}"


def queue_risk_alerts(alerts: list[tuple[int, str]]) -> None:
    """Hand the day close's new risks, [(habit id, local day ISO)], to the
    `notifications.send_risk_alerts` task. If the broker cannot take it they are sent
    here and now: slower, but nothing is lost."""
    enqueue(RISK_TASK, [list(alert) for alert in alerts], fallback=lambda: send_risk_alerts(alerts))


def send_risk_alerts(alerts: list[tuple[int, str]], now: dt.datetime | None = None) -> dict:
    """One "risk" notification per (habit id, local day) whose habit is still active and
    at risk and not yet done or skipped that day, keyed by risk_key so a repeated run
    alerts once; a live `habit_at_risk` marks the habit in open pages (the notification
    carries the toast). A failing alert is logged and skipped. Returns the counts."""
    now = now or timezone.now()
    day_of = {int(habit_id): day for habit_id, day in alerts}
    summary = {"checked": 0, "sent": 0, "snoozed": 0, "failed": []}
    habits = (
        Habit.objects.alive()
        .filter(pk__in=day_of, status=Habit.Status.ACTIVE, at_risk=True, user__is_active=True)
        .select_related("user__profile")
        .order_by("pk")
    )
    # A day already checked in (done or skipped) needs no alert: the streak goes on.
    settled = set(
        Occurrence.objects.filter(habit_id__in=day_of, status__in=(Occurrence.Status.DONE, Occurrence.Status.SKIPPED))
        .filter(on__in={dt.date.fromisoformat(day) for day in day_of.values()})
        .values_list("habit_id", "on")
    )
    for habit in habits.iterator(chunk_size=BATCH_SIZE):
        if (habit.pk, dt.date.fromisoformat(day_of[habit.pk])) in settled:
            continue
        summary["checked"] += 1
        try:
            if _alert(habit, day_of[habit.pk], now):
                summary["sent"] += 1
        except NEVER_SWALLOWED:
            raise
        except Exception:
            logger.exception("risk alert for habit %s failed for user %s", habit.pk, habit.user_id)
            if habit.user_id not in summary["failed"]:
                summary["failed"].append(habit.user_id)
    return summary


def _alert(habit: Habit, day: str, now: dt.datetime) -> bool:
    sent = notify(
        habit.user,
        "risk",
        title=f"“{habit.name}” is at risk",
        body=(
            f"Two misses in a row. One check-in today keeps {habit.name} going; "
            "a skip is fine if today is a rest day."
        ),
        url=reverse("habits:detail", args=[habit.pk]),
        key=risk_key(habit.pk, day),
        now=now,
    )
    if sent is not None:
        publish(habit.user_id, "habit_at_risk", habit_id=habit.pk)
    return sent is not None
