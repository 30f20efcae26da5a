"""Quest rules. Quests land in their own issue; this is the seam the commit step already
calls, so quest objectives fed by habit activity ("log Running 10 times") plug in here."""

from __future__ import annotations


def feed_objectives(habit, occurrence, before_status: str | None) -> list:
    """Advance (or, on undo, take back) the counters of quest objectives that count this
    habit, inside the commit step's transaction. Returns the quests completed. There are
    no quest objectives yet, so nothing advances."""
    return []
