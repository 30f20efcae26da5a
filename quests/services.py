"""Quest rules. Quests land in their own issue; this is the seam the commit step
(habitstory.story.commit) already calls, so quest objectives fed by habit activity ("log
Running 10 times") plug in here."""

from __future__ import annotations

from habits.services import DayChange


def apply_day_change(change: DayChange) -> list:
    """Advance (or, on undo, take back) the counters of quest objectives that count this
    habit's day, inside the commit step's transaction. Returns the quests completed or
    reopened. There are no quest objectives yet, so nothing advances."""
    return []
