"""The quest rules' refusals (re-exported by quests.services, where callers catch them).
Each is a ValidationError with a `code`, so a form shows it and the API answers 400/409."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class QuestError(ValidationError):
    """A quest rule refused the change; `.code` says which."""

    def __init__(self, message: str, code: str, params=None):
        super().__init__(message, code=code, params=params)


class QuestLocked(QuestError):
    """Start or complete asked of a quest that still waits for others (`.waiting_for`)."""

    def __init__(self, waiting_for: list):
        self.waiting_for = list(waiting_for)
        names = ", ".join(quest.title for quest in self.waiting_for)
        super().__init__(f"This quest waits for {names}.", "quest_locked")


class DependencyCycle(QuestError):
    """An edge that would close a cycle; `.cycle` is the path, first quest repeated last,
    and the message names it: "Write draft → Edit → Write draft"."""

    def __init__(self, cycle: list):
        self.cycle = list(cycle)
        super().__init__(" → ".join(quest.title for quest in self.cycle), "dependency_cycle")
