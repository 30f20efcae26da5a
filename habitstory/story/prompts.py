"""Prompts (docs/jobs.md): what the `notifications.send_prompts` task runs every 15
minutes. A habit whose reminder has come in its owner's local time, inside their prompt
window, has its day claimed scheduled → prompted by habits (habits.reminders) and a
notification sent through notify(), in one transaction, once however many runs overlap;
a snoozed day (habits.reminders.snooze_prompt) is prompted again once, SNOOZE later.
Set-based: a few queries per page of habits. The rules and why: docs/jobs.md, "Prompts".
Also the `Summary` and prompt window that the nudges share."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from habits import reminders
from habits.models import Habit, Occurrence
from habitstory.accounts.models import Profile
from habitstory.core.jobs import NEVER_SWALLOWED, pages
from habitstory.notifications.push import prompt_actions
from habitstory.notifications.services import notify

logger = logging.getLogger(__name__)

CATCH_UP = dt.timedelta(hours=2)  # how late a run may still send a reminder
SNOOZE = dt.timedelta(minutes=30)
BATCH_SIZE = 500  # habits a page

Status = Occurrence.Status


@dataclass
class Summary:
    """What a run of the prompts or the nudges did."""

    checked: int = 0  # habits looked at
    sent: int = 0  # notifications sent (prompts, re-prompts after a snooze, or nudges)
    snoozed: int = 0  # of which re-prompts after a snooze
    failed: list[int] = field(default_factory=list)  # user ids, retried next run

    def fail(self, user_id: int) -> None:
        if user_id not in self.failed:
            self.failed.append(user_id)

    def as_dict(self) -> dict:
        return {"checked": self.checked, "sent": self.sent, "snoozed": self.snoozed, "failed": list(self.failed)}


def in_prompt_window(profile: Profile, now: dt.datetime | None = None) -> bool:
    """Whether the owner's local time is inside their prompt window (start inclusive, end
    exclusive; it may cross midnight; start == end means all day)."""
    start, end = profile.prompt_window_start, profile.prompt_window_end
    if start == end:
        return True
    local = profile.local_now(now).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def _caught(due: dt.datetime, now: dt.datetime) -> bool:
    return due <= now < due + CATCH_UP


@dataclass
class _Prompt:
    habit: Habit
    today: dt.date
    due: dt.datetime  # the reminder moment (UTC)


def send_prompts(now: dt.datetime | None = None, *, batch_size: int = BATCH_SIZE) -> dict:
    """Prompt every habit whose reminder time has come (within the catch-up) in its owner's
    local time. Safe to run twice, at once, or late. Returns the summary."""
    now = now or timezone.now()
    summary = Summary()
    habits = Habit.objects.alive().filter(
        status=Habit.Status.ACTIVE, reminder_time__isnull=False, user__is_active=True
    )
    for page in pages(habits.select_related("user__profile"), batch_size):
        summary.checked += len(page)
        _prompt_batch(page, now, summary)
    return summary.as_dict()


def _prompt_batch(habits: list[Habit], now: dt.datetime, summary: Summary) -> None:
    # Nothing can be due before the reminder (a snooze comes after a prompt).
    candidates = [c for c in _plan(habits, now, summary) if c.due <= now]
    if not candidates:
        return
    rows = reminders.day_rows((c.habit.pk, c.today) for c in candidates)
    full = reminders.weeks_full((c.habit, c.today) for c in candidates)

    missing = [c for c in candidates if (c.habit.pk, c.today) not in rows and _caught(c.due, now)]
    if missing:
        reminders.schedule_days((c.habit.pk, c.today) for c in missing)
        rows.update(reminders.day_rows((c.habit.pk, c.today) for c in missing))

    for c in candidates:
        row = rows.get((c.habit.pk, c.today))
        if row is None or row["status"] != Status.SCHEDULED or c.habit.pk in full:
            continue
        snoozed_at = row["prompted_at"]
        due = c.due if snoozed_at is None else snoozed_at + SNOOZE
        if not _caught(due, now):
            continue
        key = f"prompt:{row['id']}:{c.today}"
        if snoozed_at is not None:
            key += f":{int(snoozed_at.timestamp())}"
        try:
            if _claim_and_prompt(c.habit, row["id"], c.today, snoozed_at, key, now):
                summary.sent += 1
                summary.snoozed += snoozed_at is not None
        except NEVER_SWALLOWED:
            raise
        except Exception:
            logger.exception("send_prompts: prompting failed for user %s", c.habit.user_id)
            summary.fail(c.habit.user_id)


def _plan(habits: list[Habit], now: dt.datetime, summary: Summary) -> list[_Prompt]:
    """The habits expected on their owner's local today, inside the prompt window, with
    the moment of today's reminder."""
    candidates = []
    for habit in habits:
        try:
            profile = habit.user.profile
            if not in_prompt_window(profile, now):
                continue
            today = profile.local_today(now)
            if habit.schedule_spec(profile.week_start).is_expected(today):
                candidates.append(_Prompt(habit, today, reminders.reminder_at(habit, profile, today)))
        except NEVER_SWALLOWED:
            raise
        except Exception:
            logger.exception("send_prompts: planning failed for user %s", habit.user_id)
            summary.fail(habit.user_id)
    return candidates


def _claim_and_prompt(
    habit: Habit, pk: int, on: dt.date, snoozed_at: dt.datetime | None, key: str, now: dt.datetime
) -> bool:
    """Claim the occurrence (scheduled → prompted) and notify, in one transaction: only the
    run whose UPDATE changed the row notifies, and a failing notify un-claims it."""
    with transaction.atomic():
        if not reminders.claim_prompt(pk, user_id=habit.user_id, snoozed_at=snoozed_at, now=now):
            return False
        notify(
            habit.user,
            "prompts",
            title=f"Time for {habit.name}",
            body=_prompt_body(habit),
            url="/",
            key=key,
            now=now,
            actions=prompt_actions(habit, on),
        )
    return True


def _prompt_body(habit: Habit) -> str:
    if habit.is_measurable:
        return f"Today's target: {habit.target_label()}."
    if habit.timer_minutes:
        return f"{habit.timer_minutes} minutes is all it takes. Tick it off when it's done."
    return "Tick it off when it's done, or snooze it for 30 minutes."
