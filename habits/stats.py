"""Habit statistics: the rules of docs/rules.md as pure functions (no database, no ORM),
on a :class:`Schedule`, an iterable of :class:`Entry` (one occurrence per local date), the
user's local ``today`` and, for measurable habits, a :class:`Measure`. The caller resolves
time zones and the day-start hour. This is the reference habits.fold is tested against.

The values and codes are in habits.stats_values, the day-by-day reading of a history in
habits.timeline; this module is their public face. How the rules are read where
docs/rules.md is silent: docs/statistics.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from habitstory.core.formatting import times
from habitstory.core.numbers import round_half_up

from .stats_values import (
    DONE,
    SKIPPED,
    MISSED,
    SCHEDULED,
    PROMPTED,
    STARTED,
    OPEN_STATUSES,
    STATUSES,
    DAILY,
    WEEKDAYS,
    PER_WEEK,
    EVERY_N_DAYS,
    KINDS,
    AT_LEAST,
    AT_MOST,
    CONSISTENCY_DAYS,
    FAILURE_DAYS,
    RISK_MISSES,
    LOW_CONSISTENCY,
    LONG_STREAK,
    RECENT_BREAK_DAYS,
    OPEN_CODE,
    DONE_CODE,
    SKIPPED_CODE,
    MISSED_CODE,
    STATUS_CODES,
    UNKNOWN_CODE,
    status_code,
    half_up_ratio,
    closes_done,
    closed_code,
    Schedule,
    Entry,
    Measure,
    Stats,
    StreakRun,
)
from .timeline import Timeline, codes_by_day, consistency_at, suggested_frequency

__all__ = [
    "DONE",
    "SKIPPED",
    "MISSED",
    "SCHEDULED",
    "PROMPTED",
    "STARTED",
    "OPEN_STATUSES",
    "STATUSES",
    "DAILY",
    "WEEKDAYS",
    "PER_WEEK",
    "EVERY_N_DAYS",
    "KINDS",
    "AT_LEAST",
    "AT_MOST",
    "CONSISTENCY_DAYS",
    "FAILURE_DAYS",
    "RISK_MISSES",
    "LOW_CONSISTENCY",
    "LONG_STREAK",
    "RECENT_BREAK_DAYS",
    "OPEN_CODE",
    "DONE_CODE",
    "SKIPPED_CODE",
    "MISSED_CODE",
    "STATUS_CODES",
    "UNKNOWN_CODE",
    "status_code",
    "half_up_ratio",
    "closes_done",
    "closed_code",
    "Schedule",
    "Entry",
    "Measure",
    "Stats",
    "StreakRun",
    "compute_stats",
    "compute_stats_coded",
    "assemble",
    "strength_series",
    "consistency_on",
    "consistency_trend",
    "streak_history",
    "round_half_up",
]


def compute_stats(schedule: Schedule, entries: Iterable[Entry], today: dt.date,
                  measure: Measure | None = None) -> Stats:
    """All denormalised statistics of a habit as of the user's local `today`."""
    return _stats(Timeline(schedule, entries, today, measure))


def compute_stats_coded(schedule: Schedule, days: Iterable[int], values: dict[int, Decimal | float],
                        today: dt.date, measure: Measure | None = None) -> Stats:
    """compute_stats for occurrences in the compact form a set-based recompute reads
    from the database: each one in `days` as ``date.toordinal() << 3 | STATUS_CODES[status]``,
    the measured values in `values` by ordinal. The same result, without an Entry each."""
    return _stats(Timeline(schedule, (), today, measure, coded=(days, values)))


def _stats(timeline: Timeline) -> Stats:
    schedule, n = timeline.schedule, timeline.n
    if n == 0:
        return Stats(0, 0, 0, 0, None, 0.0, 0, None, False, None, None, [])

    runs = timeline.runs()
    current = runs[-1][2] if runs and runs[-1][3] is None else 0
    longest = max((length for _, _, length, _ in runs), default=0)

    consistency = timeline.consistency()

    values = timeline.strength_values()
    strength = values[-1] if values else 0.0

    misses = timeline.consecutive_misses()
    failure = timeline.failure_ratio()
    recent = n - RECENT_BREAK_DAYS  # the index of today - 6
    long_break = any(length >= LONG_STREAK and broken is not None and broken >= recent
                     for _, _, length, broken in runs)
    last_done = timeline.date(timeline.last_done) if timeline.last_done >= 0 else None
    return assemble(schedule, current, longest, timeline.total_done, timeline.total_skipped, consistency, strength,
                    misses, last_done, failure, long_break)


def assemble(schedule: Schedule, current: int, longest: int, total_done: int, total_skipped: int,
             consistency: int | None, strength: float, misses: int, last_done_on: dt.date | None,
             failure: tuple[int, int] | None, long_break: bool) -> Stats:
    """The Stats, suggestions included, from the rules' results (shared with habits.fold).
    `failure` is the failure rate as (numerator, denominator); `long_break` whether a run
    of LONG_STREAK or more was broken in the RECENT_BREAK_DAYS ending today."""
    suggested, suggestions = _suggestions(schedule, consistency, failure, long_break)
    failure_rate = None if failure is None else failure[0] / failure[1]  # = float(Fraction)
    # Positional, in the order of Stats' fields: a third of the time keywords take (the
    # day close makes a million of these).
    return Stats(current, longest, total_done, total_skipped, consistency, strength, misses, last_done_on,
                 misses >= RISK_MISSES, failure_rate, suggested, suggestions)


def _suggestions(schedule: Schedule, consistency: int | None, failure: tuple[int, int] | None,
                 long_break: bool) -> tuple[float | None, list[tuple[str, str]]]:
    """The suggested frequency (times per day, or None) and the suggestions (code, message)."""
    suggestions: list[tuple[str, str]] = []
    suggested = None
    if failure is not None and 2 * failure[0] > failure[1]:
        frequency = suggested_frequency(schedule, Fraction(*failure))
        suggested = float(frequency)
        if frequency >= Fraction(1, 7):
            plan = f"{times(int(frequency * 7))} a week"
        else:
            plan = f"once every {round_half_up(1 / frequency)} days"
        suggestions.append((
            "lower_frequency",
            (
                "You've missed more than half of your recent check-ins. "
                f"Try {plan} for now and build up from there."
            ),
        ))
    if consistency is not None and consistency < LOW_CONSISTENCY:
        suggestions.append((
            "easier_difficulty",
            (
                "Your consistency has dipped below 30%. An easier version of this habit "
                "could help you get back on track."
            ),
        ))
    if long_break:
        unit = "week" if schedule.kind == PER_WEEK else "day"
        suggestions.append((
            "smaller_target",
            (
                f"Your streak of {LONG_STREAK}+ {unit}s just ended. Restart with a smaller "
                "target and build it back up."
            ),
        ))
    return suggested, suggestions


def strength_series(schedule: Schedule, entries: Iterable[Entry], today: dt.date,
                    measure: Measure | None = None) -> list[tuple[dt.date, float]]:
    """(day, s after that day) from start_date through the last day the rule folds in:
    yesterday, or today once today is done or skipped. Empty before any such day."""
    timeline = Timeline(schedule, entries, today, measure)
    start_ord = timeline.start_ord
    return [(dt.date.fromordinal(start_ord + i), s) for i, s in enumerate(timeline.strength_values())]


def consistency_on(schedule: Schedule, entries: Iterable[Entry], day: dt.date,
                   measure: Measure | None = None) -> int | None:
    """Consistency as it was on `day` (today = day). Of the measure only its kind counts:
    an "at most" habit's past open days are done (closed_code)."""
    return consistency_at(schedule, codes_by_day(schedule, entries, day, measure), day, measure)


def consistency_trend(schedule: Schedule, entries: Iterable[Entry], today: dt.date,
                      days: int = 30, measure: Measure | None = None) -> list[tuple[dt.date, int | None]]:
    """(day, consistency_on(day)) for the `days` days ending today, oldest first."""
    codes = codes_by_day(schedule, entries, today, measure)
    out = []
    for back in range(days - 1, -1, -1):
        day = today - dt.timedelta(days=back)
        # entries after `day` must not count: consistency_at only reads dates <= day
        out.append((day, consistency_at(schedule, codes, day, measure)))
    return out


def streak_history(schedule: Schedule, entries: Iterable[Entry], today: dt.date,
                   measure: Measure | None = None) -> list[StreakRun]:
    """Every streak run through today, oldest first; the last one is current when its
    broken_on is None."""
    return Timeline(schedule, entries, today, measure).streak_runs()
