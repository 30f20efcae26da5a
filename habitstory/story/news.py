"""Outcome news: the one list of what a commit did (XP gained, a level up, achievements
unlocked, goals and quests completed or reopened, quests unlocked). Everything that tells
the user about a commit reads it:

- the flash messages of a plain POST (`flash`),
- the toasts of an htmx answer (templates/story/_toasts.html),
- the live events for the user's other tabs (`live_events`),
- one notification through notify(), by the user's preferences and quiet hours
  (`notify_news`, inside the commit; its bell rides the commit's live message).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest
from django.urls import reverse

from habitstory.notifications.models import Notification
from habitstory.notifications.services import notify

# Each kind of news, the notification kind whose preferences decide how it is sent (none:
# never notified), and the live event that carries it to the other tabs.
NOTIFIED_AS = {
    "level_up": "achievements",
    "achievement_unlocked": "achievements",
    "goal_completed": "goals",
    "quest_completed": "goals",
    "quest_unlocked": "goals",
    "proof_approved": "verification",
    "proof_rejected": "verification",
}
LIVE_EVENTS = {"level_up", "achievement_unlocked", "goal_completed", "quest_completed", "quest_unlocked",
               "quest_reopened", "proof_approved", "proof_rejected"}


@dataclass(frozen=True)
class News:
    """One thing a commit did. `key` identifies it across tabs (a toast shown once);
    `data` is what its live event carries besides the message."""

    kind: str
    message: str
    key: str
    tone: str = "success"  # or "info"
    url: str = ""
    data: dict = field(default_factory=dict)

    @property
    def notified_as(self) -> str | None:
        return NOTIFIED_AS.get(self.kind)


def level_up(level: int) -> News:
    return News("level_up", f"Level {level}! Your story grows.", f"level:{level}",
                url=reverse("gamification:achievements"), data={"new_level": level})


def achievement_unlocked(code: str, name: str) -> News:
    return News("achievement_unlocked", f"Achievement unlocked: {name}", f"achievement:{code}",
                url=reverse("gamification:achievements"), data={"code": code})


def goal_completed(goal_id: int, cycle: int, name: str) -> News:
    return News("goal_completed", f"Goal complete: {name}", f"goal:{goal_id}:{cycle}",
                url=reverse("goals:detail", args=[goal_id]), data={"goal_id": goal_id})


def goal_reopened(goal_id: int, cycle: int, name: str) -> News:
    return News("goal_reopened", f"“{name}” is back in progress.", f"goal-reopened:{goal_id}:{cycle}",
                tone="info", url=reverse("goals:detail", args=[goal_id]), data={"goal_id": goal_id})


def quest_completed(quest_id: int, cycle: int, title: str, *, late: bool = False) -> News:
    message = f"Quest complete: {title}" + (" (late: half XP)" if late else "")
    return News("quest_completed", message, f"quest:{quest_id}:{cycle}",
                url=_quest_url(quest_id), data={"quest_id": quest_id})


def quest_reopened(quest_id: int, cycle: int, title: str) -> News:
    return News("quest_reopened", f"“{title}” is back in progress.", f"quest-reopened:{quest_id}:{cycle}",
                tone="info", url=_quest_url(quest_id), data={"quest_id": quest_id})


def quest_unlocked(quest_id: int, title: str) -> News:
    return News("quest_unlocked", f"Quest unlocked: {title}", f"quest-unlocked:{quest_id}",
                tone="info", url=_quest_url(quest_id), data={"quest_id": quest_id})


def quest_ready(quest_id: int, cycle: int, title: str) -> News:
    return News("quest_ready", f"Every objective of “{title}” is done. Complete it?", f"quest-ready:{quest_id}:{cycle}",
                tone="info", url=_quest_url(quest_id), data={"quest_id": quest_id})


def proof_approved(submission_id: int, habit_id: int, habit_name: str, on: dt.date) -> News:
    return News("proof_approved", f"Proof approved: {habit_name} on {on:%-d %b}. Bonus XP added.",
                f"proof:{submission_id}:approved", url=reverse("habits:detail", args=[habit_id]),
                data={"submission_id": submission_id, "habit_id": habit_id})


def proof_rejected(submission_id: int, habit_id: int, habit_name: str, on: dt.date) -> News:
    return News("proof_rejected", f"Proof not accepted: {habit_name} on {on:%-d %b} no longer counts as done.",
                f"proof:{submission_id}:rejected", tone="info", url=reverse("habits:detail", args=[habit_id]),
                data={"submission_id": submission_id, "habit_id": habit_id})


def _quest_url(quest_id: int) -> str:
    return reverse("quests:detail", args=[quest_id])


# --- the roads news takes ----------------------------------------------------------------------

def flash(request: HttpRequest, news: list[News]) -> None:
    """A plain POST's answer: each item as a flash message on the next page."""
    for item in news:
        (messages.info if item.tone == "info" else messages.success)(request, item.message)


def live_events(news: list[News]) -> list[tuple[str, dict]]:
    """The live events for the other tabs (the browser shows `message` as a toast)."""
    return [
        (item.kind, {**item.data, "tone": item.tone, "key": item.key, "message": item.message})
        for item in news if item.kind in LIVE_EVENTS
    ]


def notify_news(user, news: list[News], *, now: dt.datetime | None = None) -> Notification | None:
    """At most one notification for one commit's news, summing them all up; called inside
    the commit's transaction (the row is stored with the award, push and e-mail go out
    from a task once it commits). An item whose kind the user wants nowhere is left out;
    the notification goes to every channel that any remaining item's kind asks for, and
    quiet hours hold back push and e-mail (notify()). Keyed by the news, so the same news
    is never told twice (a level reached again after an undo)."""
    wanted = [item for item in news if item.notified_as and user.profile.channels_for(item.notified_as)]
    if not wanted:
        return None
    kinds = list(dict.fromkeys(item.notified_as for item in wanted))
    first = wanted[0]
    title = first.message if len(wanted) == 1 else f"{first.message} (+{len(wanted) - 1} more)"
    body = "\n".join(f"• {item.message}" for item in wanted) if len(wanted) > 1 else ""
    digest = hashlib.sha256("|".join(sorted(item.key for item in wanted)).encode()).hexdigest()[:32]
    return notify(
        user, kinds[0], title, body, first.url, key=f"news:{digest}", also_kinds=kinds[1:], now=now,
        later=True, announce=False,
    )
