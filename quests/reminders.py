"""Quest reminders, the quests' side: which quests may need a "due tomorrow" or an
"overdue" reminder, when each is due in the owner's local time, and the claims that make
a reminder go out once however many job runs overlap. The job that sends them is the
story layer's (habitstory.story.quest_reminders); the rules: docs/jobs.md, "Quest
reminders"."""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q, QuerySet

from .models import Quest

OPEN = (Quest.Status.OPEN, Quest.Status.ACTIVE)


def _not_yet(field: str) -> Q:
    """The reminder in `field` was not sent for the quest's current due date."""
    return Q(**{f"{field}__isnull": True}) | ~Q(**{field: F("due_date")})


def candidates(utc_today: dt.date) -> QuerySet[Quest]:
    """Open and active quests of active users that may need a reminder now, in any time
    zone (a local date is within a day of the UTC date): due in the next days and not
    reminded for that due date, or due by then and not reminded as overdue. With each
    owner's profile."""
    soon = Q(due_date__gte=utc_today, due_date__lte=utc_today + dt.timedelta(days=2)) & _not_yet("due_reminded_for")
    past = Q(due_date__lte=utc_today + dt.timedelta(days=1)) & _not_yet("overdue_reminded_for")
    return (
        Quest.objects.filter(status__in=OPEN, due_date__isnull=False, user__is_active=True)
        .filter(soon | past)
        .select_related("user__profile")
    )


def is_due_tomorrow(quest: Quest, local_today: dt.date) -> bool:
    """Due on the owner's local tomorrow, and not yet reminded for that date."""
    return (
        quest.due_date == local_today + dt.timedelta(days=1) and quest.due_reminded_for != quest.due_date
    )


def is_overdue(quest: Quest, local_today: dt.date, local_now: dt.datetime) -> bool:
    """Its due moment has passed in the owner's local time (the due time on the due date;
    without a time, the end of the owner's due day), and it was not reminded as overdue
    for that date."""
    if quest.overdue_reminded_for == quest.due_date:
        return False
    if quest.due_time is not None:
        return local_now.replace(tzinfo=None) >= dt.datetime.combine(quest.due_date, quest.due_time)
    return local_today > quest.due_date


def claim_due(quest_id: int, due_date: dt.date) -> bool:
    """Claim the "due tomorrow" reminder of the quest as due on `due_date`: only while it is
    still open or active, still due then and not reminded for that date. True for the one
    caller whose UPDATE changed the row; call it in the transaction that sends the
    reminder, so a failed send rolls the claim back."""
    return _claim(quest_id, due_date, "due_reminded_for")


def claim_overdue(quest_id: int, due_date: dt.date) -> bool:
    """As claim_due, for the "overdue" reminder."""
    return _claim(quest_id, due_date, "overdue_reminded_for")


def _claim(quest_id: int, due_date: dt.date, field: str) -> bool:
    return bool(
        Quest.objects.filter(pk=quest_id, status__in=OPEN, due_date=due_date)
        .filter(_not_yet(field))
        .update(**{field: due_date})
    )
