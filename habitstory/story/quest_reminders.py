"""Quest reminders (docs/jobs.md, "Quest reminders"): what the `notifications.send_quest_reminders`
task runs every 15 minutes. A quest due on its owner's local tomorrow gets one "quest_due"
notification, and one whose due moment has passed one "quest_overdue", each once per due
date, inside the owner's prompt window and outside their quiet hours. Each is claimed
(quests.reminders) and sent in one transaction, so overlapping runs send once and a failed
send is tried again next run. Set-based: a page of quests with their owners' profiles is
one query."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from habitstory.core.formatting import short_date
from habitstory.core.jobs import NEVER_SWALLOWED, pages
from habitstory.notifications.services import in_quiet_hours, notify
from quests import reminders
from quests.models import Quest

from .prompts import BATCH_SIZE, Summary, in_prompt_window

logger = logging.getLogger(__name__)


def send_quest_reminders(now: dt.datetime | None = None, *, batch_size: int = BATCH_SIZE) -> dict:
    """Remind owners of quests due tomorrow or overdue, once per quest and due date. Safe
    to run twice, at once, or late. Returns the summary ("snoozed" is always 0)."""
    now = now or timezone.now()
    summary = Summary()
    for page in pages(reminders.candidates(now.astimezone(dt.UTC).date()), batch_size):
        summary.checked += len(page)
        for quest in page:
            try:
                summary.sent += _remind(quest, now)
            except NEVER_SWALLOWED:
                raise
            except Exception:
                logger.exception("send_quest_reminders: failed for user %s", quest.user_id)
                summary.fail(quest.user_id)
    return summary.as_dict()


def _remind(quest: Quest, now: dt.datetime) -> int:
    """Send what the quest is due (at most one reminder a run: overdue before due
    tomorrow); the number sent."""
    profile = quest.user.profile
    if not in_prompt_window(profile, now) or in_quiet_hours(profile, now):
        return 0
    today = profile.local_today(now)
    if reminders.is_overdue(quest, today, profile.local_now(now)):
        return _send(quest, "quest_overdue", reminders.claim_overdue, now)
    if reminders.is_due_tomorrow(quest, today):
        return _send(quest, "quest_due", reminders.claim_due, now)
    return 0


def _send(quest: Quest, kind: str, claim, now: dt.datetime) -> int:
    """Claim and notify in one transaction. With the kind turned off in the owner's
    preferences the reminder is claimed and nothing is sent."""
    with transaction.atomic():
        if not claim(quest.pk, quest.due_date):
            return 0
        if not quest.user.profile.channels_for(kind):
            return 0
        title, body = _text(quest, kind)
        notify(
            quest.user, kind, title=title, body=body, url=reverse("quests:detail", args=[quest.pk]),
            key=f"{kind}:{quest.pk}:{quest.due_date}", now=now,
        )
    return 1


def _text(quest: Quest, kind: str) -> tuple[str, str]:
    when = f" at {quest.due_time:%H:%M}" if quest.due_time else ""
    if kind == "quest_due":
        return f"Due tomorrow: {quest.title}", f"{quest.title} is due tomorrow{when}. One step today makes it lighter."
    return (
        f"Overdue: {quest.title}",
        f"{quest.title} was due {short_date(quest.due_date)}{when}. Finish it, move its date, or let it go.",
    )
