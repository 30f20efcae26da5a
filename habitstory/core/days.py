"""Calendar helpers shared by every layer."""

from __future__ import annotations

import datetime as dt


def week_bounds(day: dt.date, week_start: int) -> tuple[dt.date, dt.date]:
    """The first and last day of the user's week (it starts on `week_start`, Monday 0)
    that holds `day`."""
    start = day - dt.timedelta(days=(day.weekday() - week_start) % 7)
    return start, start + dt.timedelta(days=6)
