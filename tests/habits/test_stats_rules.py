"""docs/rules.md rules, case by case, with hand-worked numbers (habits/stats.py), and the
readings docs/statistics.md records where docs/rules.md is silent.

History strings give one character per day from a first date:
  d done · s skipped · m missed · o scheduled · p prompted · t started · . no entry
Calendar anchors: 2024-01-01 is a Monday; 2028-02-29 is a Tuesday.

Strength arithmetic: with m = 0.5 ** (sqrt(f) / 13) and s starting at 0, one update is
s' = s·m + c·(1 − m). k done days in a row (c = 1) from 0 give s = 1 − m^k; a miss after a
first done gives (1 − m)·m. For f = 1, m = 2^(−1/13) ≈ 0.948078, 1 − m ≈ 0.051922.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from math import sqrt

import pytest

from habits.stats import (
    Entry,
    Measure,
    Schedule,
    compute_stats,
    consistency_on,
    consistency_trend,
    round_half_up,
    streak_history,
    strength_series,
)

D = dt.date
MON = D(2024, 1, 1)  # a Monday
CODES = {"d": "done", "s": "skipped", "m": "missed", "o": "scheduled", "p": "prompted",
         "t": "started"}


def day(offset: int, base: dt.date = MON) -> dt.date:
    return base + dt.timedelta(days=offset)


def hist(first: dt.date, pattern: str, values=None) -> list[Entry]:
    """Entries from a history string; `values` gives a value per character (None = none)."""
    out = []
    for i, ch in enumerate(pattern):
        if ch in CODES:
            value = values[i] if values else None
            out.append(Entry(first + dt.timedelta(days=i), CODES[ch], value))
    return out


def daily(start: dt.date = MON, **kw) -> Schedule:
    return Schedule("daily", start, **kw)


def m_of(f: float) -> float:
    return 0.5 ** (sqrt(f) / 13)


M1 = m_of(1)  # daily multiplier, ≈ 0.948078


# --------------------------------------------------------------------------- schedule


@pytest.mark.parametrize(
    "schedule, freq, window",
    [
        (daily(), 1.0, (1, 1)),
        (Schedule("weekdays", MON, weekdays=(0, 2, 4)), 3 / 7, (3, 7)),
        (Schedule("weekdays", MON, weekdays=[4, 0, 0]), 2 / 7, (2, 7)),  # deduplicated
        (Schedule("per_week", MON, times_per_week=3), 3 / 7, (3, 7)),
        (Schedule("every_n_days", MON, every_n_days=3), 1 / 3, (1, 3)),
        (Schedule("every_n_days", MON, every_n_days=None), 1.0, (1, 1)),  # like the model
    ],
    ids=["daily", "weekdays", "weekdays-dedup", "per_week", "every_3", "every_none"],
)
def test_frequency_and_window(schedule, freq, window):
    assert schedule.frequency == pytest.approx(freq, abs=0)
    assert schedule.window == window


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "hourly"},
        {"kind": "weekdays", "weekdays": (7,)},
        {"kind": "per_week", "times_per_week": 0},
        {"kind": "per_week", "times_per_week": 8},
        {"kind": "per_week"},
        {"kind": "every_n_days", "every_n_days": 0},
        {"kind": "daily", "week_start": 7},
    ],
    ids=["kind", "weekday-7", "per_week-0", "per_week-8", "per_week-none", "every-0",
         "week_start-7"],
)
def test_invalid_schedules_raise(kwargs):
    with pytest.raises(ValueError):
        Schedule(start_date=MON, **kwargs)


@pytest.mark.parametrize(
    "schedule, on, expected",
    [
        (daily(), day(-1), False),  # before the start
        (daily(), day(0), True),
        (Schedule("weekdays", MON, weekdays=(0, 2)), day(2), True),  # Wednesday
        (Schedule("weekdays", MON, weekdays=(0, 2)), day(1), False),  # Tuesday
        # every 3 days counted from the start date (a Wednesday): Jan 3, 6, 9, ...
        (Schedule("every_n_days", day(2), every_n_days=3), day(5), True),
        (Schedule("every_n_days", day(2), every_n_days=3), day(6), False),
        (Schedule("every_n_days", day(2), every_n_days=3), day(8), True),
        # a pause covers days 3..5 inclusive; the alignment stays on the start date
        (Schedule("every_n_days", MON, every_n_days=3, pauses=((day(3), day(5)),)), day(3), False),
        (Schedule("every_n_days", MON, every_n_days=3, pauses=((day(3), day(5)),)), day(6), True),
        (daily(pauses=((day(3), day(5)),)), day(5), False),
        (daily(pauses=((day(3), day(5)),)), day(6), True),
        (daily(pauses=((day(3), None),)), day(300), False),  # still paused
        (daily(pauses=((day(5), day(3)),)), day(4), True),  # an empty range
        (Schedule("per_week", MON, times_per_week=2), day(6), True),  # every day usable
    ],
    ids=["before-start", "start", "weekday-on", "weekday-off", "every3-on", "every3-off",
         "every3-on-2", "every3-paused", "every3-after-pause", "paused-end-inclusive",
         "after-pause", "open-pause", "empty-pause", "per_week-any-day"],
)
def test_is_expected(schedule, on, expected):
    assert schedule.is_expected(on) is expected


def test_leap_day_schedules():
    # 2028-02-27 is a Sunday; every 2 days: Feb 27, Feb 29, Mar 2 (the leap day counts).
    every2 = Schedule("every_n_days", D(2028, 2, 27), every_n_days=2)
    assert [every2.is_expected(D(2028, 2, d)) for d in (27, 28, 29)] == [True, False, True]
    assert every2.is_expected(D(2028, 3, 1)) is False
    assert every2.is_expected(D(2028, 3, 2)) is True
    tuesdays = Schedule("weekdays", D(2028, 2, 1), weekdays=(1,))
    assert tuesdays.is_expected(D(2028, 2, 29)) is True


# --------------------------------------------------------------------------- streaks


STREAK_CASES = [
    # (id, schedule, first, history, today, current, longest)
    ("daily-today-open", daily(), MON, "dddd.", day(4), 4, 4),
    ("daily-today-scheduled", daily(), MON, "ddddo", day(4), 4, 4),
    ("daily-today-prompted", daily(), MON, "ddddp", day(4), 4, 4),
    ("daily-today-done", daily(), MON, "ddddd", day(4), 5, 5),
    ("daily-today-skipped", daily(), MON, "dddds", day(4), 4, 4),
    ("daily-today-missed-breaks", daily(), MON, "ddddm", day(4), 0, 4),
    ("daily-missed-breaks", daily(), MON, "ddmd.", day(4), 1, 2),
    ("daily-past-empty-breaks", daily(), MON, "dd.d.", day(4), 1, 2),
    ("daily-past-started-breaks", daily(), MON, "ddtd.", day(4), 1, 2),
    ("daily-past-scheduled-breaks", daily(), MON, "ddodd", day(4), 2, 2),
    ("daily-skip-neutral", daily(), MON, "ddsd.", day(4), 3, 3),
    ("daily-skips-only", daily(), MON, "sss", day(2), 0, 0),
    ("daily-longest-earlier", daily(), MON, "dddddmdd.", day(8), 2, 5),
    # leap day inside the streak: Feb 27, 28, 29, Mar 1 all done
    ("daily-leap-day", daily(D(2028, 2, 27)), D(2028, 2, 27), "dddd", D(2028, 3, 1), 4, 4),
    # paused days are not expected: a pause does not break the streak
    ("daily-pause-keeps", daily(pauses=((day(2), day(4)),)), MON, "dd...d.", day(6), 3, 3),
    # entries on paused days are ignored (the 'm' on day 3 does not break)
    ("daily-pause-ignores", daily(pauses=((day(2), day(4)),)), MON, "dd.m.d.", day(6), 3, 3),
    # habit started mid-history: entries before the start are ignored
    ("daily-before-start", daily(day(3)), MON, "mmmdd.", day(5), 2, 2),
    # Mon/Wed/Fri from Monday: done Jan 1, 3, 5, 8 and Tuesday Jan 2 (not expected);
    # today Wed Jan 10 open → 4
    ("weekdays-mwf", Schedule("weekdays", MON, weekdays=(0, 2, 4)), MON, "ddd.d..d..", day(9),
     4, 4),
    # Fri Jan 5 left empty breaks it: Mon Jan 8 alone → 1; longest Jan 1 + Jan 3 = 2
    ("weekdays-mwf-break", Schedule("weekdays", MON, weekdays=(0, 2, 4)), MON, "d.d....d..",
     day(9), 1, 2),
    # off days never break: only Tuesdays matter
    ("weekdays-tue", Schedule("weekdays", MON, weekdays=(1,)), MON, "mdmmmmmmd", day(8), 2, 2),
    # every 3 days from Tue Jan 2: Jan 2, 5, 8, 11; the done on Jan 4 does not count
    ("every3", Schedule("every_n_days", day(1), every_n_days=3), day(1), "d.dd..d..",
     day(10), 3, 3),
    ("every3-miss", Schedule("every_n_days", day(1), every_n_days=3), day(1), "d.dm..d..d",
     day(10), 2, 2),
]


@pytest.mark.parametrize(
    "schedule, first, history, today, current, longest",
    [c[1:] for c in STREAK_CASES],
    ids=[c[0] for c in STREAK_CASES],
)
def test_streaks(schedule, first, history, today, current, longest):
    stats = compute_stats(schedule, hist(first, history), today)
    assert (stats.current_streak, stats.longest_streak) == (current, longest)


def _weeks(*weeks: str) -> str:
    return "".join(w.ljust(7, ".") for w in weeks)


PER_WEEK_CASES = [
    # 3 per week, weeks from Monday Jan 1; today is Wed Jan 17 (third week, day 16).
    ("reached-twice-current-neutral", {}, MON, _weeks("d.d.d", "dd.d", "d.."), day(16), 2, 2),
    ("current-week-reached", {}, MON, _weeks("d.d.d", "dd.d", "ddd"), day(16), 3, 3),
    ("current-week-one-short", {}, MON, _weeks("d.d.d", "dd.d", "dd."), day(16), 2, 2),
    ("past-week-short-breaks", {}, MON, _weeks("d.d.d", "d.d", "d.."), day(16), 0, 1),
    ("past-week-short-then-current", {}, MON, _weeks("d.d.d", "d.d", "ddd"), day(16), 1, 1),
    ("more-than-n-is-one", {}, MON, _weeks("ddddddd", "ddddddd", "..."), day(16), 2, 2),
    # week_start Sunday: Sun Dec 31..Sat Jan 6, Sun Jan 7..Sat Jan 13, Sun Jan 14..
    # the first week holds six days from the start (Jan 1..6): still asks for 3.
    # Done Jan 1, 2, 3 | Jan 7, 8, 9 | Jan 14, 15 (current, short) → 2.
    ("week-start-sunday", {"week_start": 6}, MON, "ddd...ddd....dd.", day(15), 2, 2),
    # same history, weeks from Monday: Jan 1..7 holds Jan 1,2,3,7 (4) ✓; Jan 8..14 holds
    # Jan 8, 9, 14 ✓; Jan 15 current → 2.
    ("same-history-monday", {}, MON, "ddd...ddd....dd.", day(15), 2, 2),
    # started on a Saturday: the first week has 2 eligible days → asks min(3, 2) = 2
    ("partial-first-week-full", {}, day(5), "dd" + _weeks("ddd", ".."), day(13), 2, 2),
    ("partial-first-week-short", {}, day(5), "d." + _weeks("ddd", ".."), day(13), 1, 1),
    # a pause Tue..Sat in week 2 leaves Mon + Sun → asks 2; done Mon + Sun ✓
    ("paused-week-asks-less", {"pauses": ((day(8), day(12)),)}, MON,
     _weeks("ddd", "d.....d", "d"), day(14), 2, 2),
    ("paused-week-still-short", {"pauses": ((day(8), day(12)),)}, MON,
     _weeks("ddd", "d......", "d"), day(14), 0, 1),
    # a whole week paused is neutral: weeks 1 and 3 reached → 2
    ("paused-week-neutral", {"pauses": ((day(7), day(13)),)}, MON,
     _weeks("ddd", "", "ddd"), day(16), 2, 2),
    # five skipped days in week 2 leave two eligible days → asks 2
    ("skips-ask-less", {}, MON, _weeks("ddd", "ssdssds", "."), day(14), 2, 2),
    ("all-skipped-week-neutral", {}, MON, _weeks("ddd", "sssssss", "ddd"), day(16), 2, 2),
]


@pytest.mark.parametrize(
    "extra, start, history, today, current, longest",
    [c[1:] for c in PER_WEEK_CASES],
    ids=[c[0] for c in PER_WEEK_CASES],
)
def test_per_week_streaks(extra, start, history, today, current, longest):
    schedule = Schedule("per_week", start, times_per_week=3, **extra)
    stats = compute_stats(schedule, hist(start, history), today)
    assert (stats.current_streak, stats.longest_streak) == (current, longest)


def test_streak_history_runs():
    runs = streak_history(daily(), hist(MON, "dddmdd."), day(6))
    assert [(r.first, r.last, r.length, r.broken_on) for r in runs] == [
        (day(0), day(2), 3, day(3)),
        (day(4), day(5), 2, None),
    ]
    per_week = Schedule("per_week", MON, times_per_week=1)
    runs = streak_history(per_week, hist(MON, _weeks("d", "d", "", "d")), day(22))
    # weeks 1-2 counted, week 3 failed (closed on Jan 21, broken on Jan 22), week 4 current
    assert [(r.first, r.last, r.length, r.broken_on) for r in runs] == [
        (day(0), day(13), 2, day(21)),
        (day(21), day(22), 1, None),
    ]


# --------------------------------------------------------------------------- consistency

# Long-running daily habit: the 30-day window is today (day 59) and days 30..58.
LONG = D(2024, 3, 1)


def _window(pattern29: str, today_ch: str) -> list[Entry]:
    """30 days before the window all done (they must not count) + the window itself."""
    assert len(pattern29) == 29
    return hist(LONG, "d" * 30 + pattern29 + today_ch)


CONSISTENCY_CASES = [
    # (id, schedule, entries, today, expected consistency)
    # 24 done + 5 missed in the 29 past days, today done: 25/30 = 83.33 → 83
    ("daily-today-done", daily(LONG), _window("d" * 24 + "m" * 5, "d"), day(59, LONG), 83),
    # today open is left out: 24/29 = 82.76 → 83
    ("daily-today-open", daily(LONG), _window("d" * 24 + "m" * 5, "."), day(59, LONG), 83),
    # today missed is left out too (counts only when done): 24/29
    ("daily-today-missed", daily(LONG), _window("d" * 24 + "m" * 5, "m"), day(59, LONG), 83),
    # 10 done, 10 missed, 9 skipped, today skipped: 10/20 = 50
    ("daily-skips-excluded", daily(LONG), _window("d" * 10 + "m" * 10 + "s" * 9, "s"),
     day(59, LONG), 50),
    # past open days count as missed: 20 done, 9 open ('o'/'.'), today open: 20/29 = 68.97 → 69
    ("daily-open-is-missed", daily(LONG), _window("d" * 20 + "o" * 4 + "." * 5, "."),
     day(59, LONG), 69),
    # round half up: start 7 days ago, only today done: 1/8 = 12.5 → 13 (round() gives 12)
    ("half-up-12.5", daily(MON), hist(MON, "mmmmmmmd"), day(7), 13),
    # 5/8 = 62.5 → 63 (round() gives 62)
    ("half-up-62.5", daily(MON), hist(MON, "ddddmmmd"), day(7), 63),
    # started mid-window, 10 days ago: 6 of the 9 past days done, today open: 66.67 → 67
    ("started-mid-window", daily(MON), hist(MON, "ddmdmddmd."), day(9), 67),
    # a pause of 10 days inside the window: 19 expected past days, 19 done, 0 missed → 100
    ("paused-days-excluded", daily(LONG, pauses=((day(40, LONG), day(49, LONG)),)),
     _window("d" * 10 + "m" * 10 + "d" * 9, "."), day(59, LONG), 100),
    # nothing expected yet: started today, today open → None ("—")
    ("none-started-today", daily(MON), [], MON, None),
    ("none-before-start", daily(day(3)), [], MON, None),
    ("none-all-skipped", daily(MON), hist(MON, "sss."), day(3), None),
    # Mon/Wed/Fri from Mon Jan 1, today Wed Jan 31 (day 30): window Jan 2..31 holds 13
    # expected days (Wed 3 … Wed 31); today open → 12 past ones; 9 done, 3 missed → 75
    ("weekdays", Schedule("weekdays", MON, weekdays=(0, 2, 4)), hist(day(1), "."
     + "d.d.." + "d.d.d.." + "d.m.m.." + "d.d.d.." + "m." + "."), day(30), 75),
    # every 3 days from Jan 1, today Jan 30 (day 29): expected days 0, 3, …, 27 = 10 in the
    # window (today is not one); 7 done → 70
    ("every3", Schedule("every_n_days", MON, every_n_days=3),
     hist(MON, "d..d..m..d..d..m..d..d..m..d.."), day(29), 70),
    # leap year window: Feb 1..Mar 1 2028 is 30 days; 28 done + 1 missed + today done:
    # 29/30 = 96.67 → 97
    ("leap-window", daily(D(2028, 2, 1)), hist(D(2028, 2, 1), "d" * 28 + "m" + "d"),
     D(2028, 3, 1), 97),
]


@pytest.mark.parametrize(
    "schedule, entries, today, expected",
    [c[1:] for c in CONSISTENCY_CASES],
    ids=[c[0] for c in CONSISTENCY_CASES],
)
def test_consistency(schedule, entries, today, expected):
    assert compute_stats(schedule, entries, today).consistency == expected
    assert consistency_on(schedule, entries, today) == expected


PER_WEEK_CONSISTENCY = [
    # (id, N, entries, today, expected)
    # window days 29 (today open, left out): expected 3 × 29 ÷ 7 = 12.43; 12 done:
    # 100 × 12 × 7 ÷ 87 = 96.55 → 97
    ("open-today", 3, _window("d.d" + "d.." * 8 + "dd", "."), day(59, LONG), 97),
    # the same with 11 done: 7700 ÷ 87 = 88.51 → 89
    ("open-today-11", 3, _window("d.." * 9 + "dd", "."), day(59, LONG), 89),
    # 2 per week over 30 days (today done): expected 60 ÷ 7 = 8.57; 4 done → 46.67 → 47
    ("two-per-week", 2, _window("d" + "." * 9 + "d" + "." * 9 + "d" + "." * 8, "d"),
     day(59, LONG), 47),
    # more than expected is capped: 13 done of 3 × 30 ÷ 7 = 12.86 → 101.1 → 100
    ("capped", 3, _window("d.d" + "d.." * 8 + "dd", "d"), day(59, LONG), 100),
    # 12 done (today among them) of 12.86: 8400 ÷ 90 = 93.33 → 93
    ("twelve-of-12.86", 3, _window("d.." * 9 + "dd", "d"), day(59, LONG), 93),
    # skipped days leave the window: 16 skipped, 13 left; expected 3 × 13 ÷ 7 = 5.57;
    # 5 done → 89.74 → 90
    ("skips-shrink-window", 3, _window("s" * 16 + "d.d.d.d.d....", "."), day(59, LONG), 90),
    # round half up: 7 per week, 8 days (start 7 days ago, today done), 1 done:
    # 700 ÷ 56 = 12.5 → 13
    ("half-up", 7, hist(MON, "mmmmmmmd"), day(7), 13),
]


@pytest.mark.parametrize(
    "n, entries, today, expected",
    [c[1:] for c in PER_WEEK_CONSISTENCY],
    ids=[c[0] for c in PER_WEEK_CONSISTENCY],
)
def test_per_week_consistency(n, entries, today, expected):
    schedule = Schedule("per_week", entries[0].on, times_per_week=n)
    assert compute_stats(schedule, entries, today).consistency == expected


def test_consistency_on_and_trend_look_back():
    entries = hist(MON, "dddddmmmmm")
    schedule = daily()
    assert consistency_on(schedule, entries, day(4)) == 100  # 5/5, day 4 done
    # on day 6 that day was "today" and missed: left out → 5 of days 0..5 = 83.33
    assert consistency_on(schedule, entries, day(6)) == 83
    assert consistency_on(schedule, entries, day(7)) == 71  # 5/7 = 71.43
    trend = consistency_trend(schedule, entries, day(9), days=12)
    assert trend[0] == (day(-2), None)  # before the start
    assert trend[-1] == (day(9), compute_stats(schedule, entries, day(9)).consistency)
    assert dict(trend)[day(7)] == 71


# --------------------------------------------------------------------------- strength


STRENGTH_CASES = [
    # (id, schedule, entries, today, measure, expected s)
    # one done day: s = 0·m + 1·(1 − m) = 1 − m ≈ 0.051922
    ("daily-one", daily(), hist(MON, "d."), day(1), None, 1 - M1),
    # done, skip (unchanged), done: (1 − m)·m + (1 − m) = 1 − m² ≈ 0.101149
    ("daily-skip", daily(), hist(MON, "dsd."), day(3), None, 1 - M1**2),
    # done, missed: (1 − m)·m ≈ 0.049227
    ("daily-miss", daily(), hist(MON, "dm."), day(2), None, (1 - M1) * M1),
    # a past day left open is a miss (c = 0) too
    ("daily-open-past", daily(), hist(MON, "do."), day(2), None, (1 - M1) * M1),
    # today done is folded in: four done days → 1 − m⁴ ≈ 0.192067
    ("daily-today-done", daily(), hist(MON, "dddd"), day(3), None, 1 - M1**4),
    # today open / missed is not: three done days → 1 − m³
    ("daily-today-open", daily(), hist(MON, "ddd."), day(3), None, 1 - M1**3),
    ("daily-today-missed", daily(), hist(MON, "dddm"), day(3), None, 1 - M1**3),
    # paused days leave s unchanged: done, 2 paused, done → 1 − m²
    ("daily-paused", daily(pauses=((day(1), day(2)),)), hist(MON, "d..d."), day(4), None,
     1 - M1**2),
    # nothing before the start counts: the done on day −1 is ignored → s = 0
    ("daily-before-start", daily(), hist(day(-1), "d."), day(1), None, 0.0),
    # every 1 day is the daily rule: 1 − m²
    ("every1-is-daily", Schedule("every_n_days", MON, every_n_days=1), hist(MON, "dd."),
     day(2), None, 1 - M1**2),
    # 3 per week, f = 3/7, window 14 days, c = done ÷ 6:
    # day 0 c = 1/6, day 1 c = 2/6, day 2 c = 3/6 →
    # s = (1 − m)·(m²/6 + 2m/6 + 3/6)
    ("per_week-window", Schedule("per_week", MON, times_per_week=3), hist(MON, "ddd."),
     day(3), None,
     (1 - m_of(3 / 7)) * (m_of(3 / 7) ** 2 / 6 + 2 * m_of(3 / 7) / 6 + 3 / 6)),
    # Mondays only, f = 1/7, window 14, c = done ÷ 2. Done on day 0 only; days 0..13 have
    # c = 1/2, day 14 drops it (c = 0): s = ½(1 − m¹⁴)·m
    ("weekday-window-slides", Schedule("weekdays", MON, weekdays=(0,)), hist(MON, "d"),
     day(15), None, 0.5 * (1 - m_of(1 / 7) ** 14) * m_of(1 / 7)),
    # ... and on day 13 it is still in: s = ½(1 − m¹⁴)
    ("weekday-window-edge", Schedule("weekdays", MON, weekdays=(0,)), hist(MON, "d"),
     day(14), None, 0.5 * (1 - m_of(1 / 7) ** 14)),
    # all seven weekdays is not "daily": window (7, 7) → 14 days, c = done ÷ 14:
    # c0 = 1/14, c1 = 2/14 → s = (1 − m)(m/14 + 2/14), m = 2^(−1/13)
    ("weekdays-all-seven", Schedule("weekdays", MON, weekdays=tuple(range(7))),
     hist(MON, "dd."), day(2), None, (1 - M1) * (M1 / 14 + 2 / 14)),
    # measurable, at least 10 per day: 5 → ½, 20 → 1 (capped):
    # s = ½(1 − m)·m + (1 − m)
    ("at_least-daily", daily(), hist(MON, "dd.", [Decimal(5), Decimal(20), None]), day(2),
     Measure("at_least", Decimal(10)), 0.5 * (1 - M1) * M1 + (1 - M1)),
    # at most 10: 5 → 1, 20 → 10/20 = ½: s = (1 − m)·m + ½(1 − m)
    ("at_most-daily", daily(), hist(MON, "dd.", [Decimal(5), Decimal(20), None]), day(2),
     Measure("at_most", Decimal(10)), (1 - M1) * M1 + 0.5 * (1 - M1)),
    # a missed day with a value earns nothing; a done day without a value earns 1:
    # c = (0, 1) → s = 1 − m
    ("measurable-status-wins", daily(), hist(MON, "md.", [Decimal(50), None, None]), day(2),
     Measure("at_least", Decimal(10)), 1 - M1),
    # 1 per week at least 2.5 (Decimal): 1.25 → ½, 5 → 1; window 14, c = credit ÷ 2:
    # c0 = ¼, c1 = ¾ → s = (1 − m)(¼m + ¾), m = 0.5 ** (sqrt(1/7)/13)
    ("at_least-per_week", Schedule("per_week", MON, times_per_week=1),
     hist(MON, "dd.", [Decimal("1.25"), Decimal(5), None]), day(2),
     Measure("at_least", Decimal("2.5")), (1 - m_of(1 / 7)) * (0.25 * m_of(1 / 7) + 0.75)),
    # nothing to fold in yet
    ("started-today", daily(), hist(MON, "."), MON, None, 0.0),
]


@pytest.mark.parametrize(
    "schedule, entries, today, measure, expected",
    [c[1:] for c in STRENGTH_CASES],
    ids=[c[0] for c in STRENGTH_CASES],
)
def test_strength(schedule, entries, today, measure, expected):
    s = compute_stats(schedule, entries, today, measure).strength
    assert s == pytest.approx(expected, rel=1e-12, abs=1e-15)
    series = strength_series(schedule, entries, today, measure)
    assert (series[-1][1] if series else 0.0) == s


def test_strength_literal_numbers():
    # The same arithmetic as numbers, so a formula slip in the tests cannot hide one in
    # the code: 1 − 2^(−1/13) = 0.0519224857, 1 − 2^(−2/13) = 0.1011490268.
    assert compute_stats(daily(), hist(MON, "d."), day(1)).strength == pytest.approx(
        0.0519224857, abs=1e-10)
    assert compute_stats(daily(), hist(MON, "dsd."), day(3)).strength == pytest.approx(
        0.1011490268, abs=1e-10)
    # a year of daily done days: 1 − m^365 ≈ 1 − 3.5e-9
    s = compute_stats(daily(), hist(MON, "d" * 365 + "."), day(365)).strength
    assert 0.999999996 < s < 1.0


def test_strength_series_days():
    entries = hist(MON, "dsd.")
    series = strength_series(daily(), entries, day(3))
    assert [d for d, _ in series] == [day(0), day(1), day(2)]  # up to yesterday
    assert series[0][1] == series[1][1]  # the skip leaves s unchanged
    done_today = strength_series(daily(), hist(MON, "dsdd"), day(3))
    assert [d for d, _ in done_today][-1] == day(3)
    skipped_today = strength_series(daily(), hist(MON, "dsds"), day(3))
    assert skipped_today[-1] == (day(3), series[-1][1])
    assert strength_series(daily(day(5)), entries, day(3)) == []


@pytest.mark.parametrize(
    "measure, value, credit",
    [
        (Measure("at_least", Decimal(10)), Decimal(5), Fraction(1, 2)),
        (Measure("at_least", Decimal(10)), Decimal(10), Fraction(1)),
        (Measure("at_least", Decimal(10)), Decimal(15), Fraction(1)),
        (Measure("at_least", Decimal(10)), Decimal(0), Fraction(0)),
        (Measure("at_least", Decimal(10)), Decimal(-3), Fraction(0)),
        (Measure("at_least", Decimal(0)), Decimal(0), Fraction(1)),
        (Measure("at_least", Decimal("0.3")), 0.1, Fraction(0.1) / Fraction(3, 10)),
        (Measure("at_most", Decimal(10)), Decimal(10), Fraction(1)),
        (Measure("at_most", Decimal(10)), Decimal(0), Fraction(1)),
        (Measure("at_most", Decimal(10)), Decimal(40), Fraction(1, 4)),
        (Measure("at_most", Decimal(0)), Decimal(2), Fraction(0)),
        (Measure("at_most", 2.5), 5.0, Fraction(1, 2)),
        (Measure("at_most", Decimal(10)), None, Fraction(1)),
    ],
    ids=["least-half", "least-exact", "least-over", "least-zero", "least-negative",
         "least-target-0", "least-float", "most-exact", "most-zero", "most-quarter",
         "most-target-0", "most-float", "no-value"],
)
def test_measure_credit(measure, value, credit):
    assert measure.credit(value) == credit


# --------------------------------------------------------------------------- misses, risk


RISK_CASES = [
    # (id, schedule, history, today, consecutive misses, at risk)
    ("two-misses", daily(), "ddmm.", day(4), 2, True),
    ("one-miss", daily(), "dddm.", day(4), 1, False),
    ("open-past-days", daily(), "dd...", day(4), 2, True),  # days 2, 3 open; today open
    ("today-not-counted", daily(), "dddmm", day(4), 1, False),  # today missed: tomorrow's
    ("skip-between", daily(), "dmsm.", day(4), 2, True),  # skip is neutral
    ("skip-yesterday", daily(), "dmms.", day(4), 2, True),
    ("done-yesterday", daily(), "mmmd.", day(4), 0, False),
    ("only-one-day-so-far", daily(), "m.", day(1), 1, False),
    ("three-misses", daily(), "dmmm.", day(4), 3, True),
    # Mon/Wed: Tue/Thu are not expected. Mon 1 done, Wed 3 missed, Mon 8 missed,
    # today Tue 9 → 2
    ("weekdays", Schedule("weekdays", MON, weekdays=(0, 2)), "d.m.dd.m.", day(8), 2, True),
    # a pause between two misses does not clear them
    ("pause-between", daily(pauses=((day(2), day(3)),)), "dm..m.", day(5), 2, True),
]


@pytest.mark.parametrize(
    "schedule, history, today, misses, at_risk",
    [c[1:] for c in RISK_CASES],
    ids=[c[0] for c in RISK_CASES],
)
def test_consecutive_misses_and_at_risk(schedule, history, today, misses, at_risk):
    stats = compute_stats(schedule, hist(MON, history), today)
    assert (stats.consecutive_misses, stats.at_risk) == (misses, at_risk)


@pytest.mark.parametrize(
    "pauses, history, today, misses, at_risk",
    [
        # weeks from Monday, 2 per week. Week 1 ✓, weeks 2 and 3 short, today in week 4
        ((), _weeks("dd", "d", "", "."), day(22), 2, True),
        ((), _weeks("dd", "dd", "d", "."), day(22), 1, False),
        # the current week never counts, even when nothing is done in it yet
        ((), _weeks("dd", "dd", "dd", "......"), day(27), 0, False),
        # a fully paused week in between is passed over: weeks 1, 3 short
        (((day(7), day(13)),), _weeks("d", "", "d", "."), day(22), 2, True),
    ],
    ids=["two-short-weeks", "one-short-week", "current-week-neutral", "paused-week-skipped"],
)
def test_per_week_misses_and_at_risk(pauses, history, today, misses, at_risk):
    schedule = Schedule("per_week", MON, times_per_week=2, pauses=pauses)
    stats = compute_stats(schedule, hist(MON, history), today)
    assert (stats.consecutive_misses, stats.at_risk) == (misses, at_risk)


# --------------------------------------------------------------------------- failure rate


FAILURE_CASES = [
    # (id, schedule, entries, today, failure rate)
    # daily, today day 40: the newest 30 days before today are days 10..39 with
    # 15 done, 12 missed, 3 skipped → 12/27; days 0..9 (all missed) are outside
    ("daily-30-days", daily(), hist(MON, "m" * 10 + "d" * 15 + "m" * 12 + "s" * 3 + "."),
     day(40), 12 / 27),
    # today is never rated, even when missed
    ("today-not-rated", daily(), hist(MON, "dddm"), day(3), 0.0),
    # open past days are misses: 1 done, 2 open → 2/3
    ("open-is-missed", daily(), hist(MON, "d.o."), day(3), 2 / 3),
    ("no-days", daily(), [], MON, None),
    ("only-skips", daily(), hist(MON, "ss."), day(2), None),
    # Mondays only: the newest 30 expected days reach back 30 weeks; the done 31 weeks
    # ago is outside: 30 Mondays, 3 done → 27/30
    ("weekdays-30-expected-days", Schedule("weekdays", MON, weekdays=(0,)),
     hist(MON, "d" + "." * 6 + ("d" + "." * 6) * 3 + ("m" + "." * 6) * 27 + "."),
     day(31 * 7), 0.9),
    # 3 per week: the 30 days before today hold 12 done, no skips → expected 90/7,
    # shortfall 6/7, rate (6/7) ÷ (12 + 6/7) = 6/90 = 1/15
    ("per_week-shortfall", Schedule("per_week", MON, times_per_week=3),
     hist(MON, "d.d.." * 6 + "."), day(30), 1 / 15),
    # days 5..34 hold 16 done ≥ 12.86 expected: 0 even with idle days
    ("per_week-met", Schedule("per_week", MON, times_per_week=3),
     hist(MON, "dddd..." * 5), day(35), 0.0),
    # skipped days leave the rating: 15 skipped, 15 rated with 3 done → expected 45/7,
    # shortfall 24/7, rate (24/7) ÷ (45/7) = 24/45
    ("per_week-skips", Schedule("per_week", MON, times_per_week=3),
     hist(MON, "s" * 15 + "d....d....d...." + "."), day(30), 24 / 45),
]


@pytest.mark.parametrize(
    "schedule, entries, today, rate",
    [c[1:] for c in FAILURE_CASES],
    ids=[c[0] for c in FAILURE_CASES],
)
def test_failure_rate(schedule, entries, today, rate):
    got = compute_stats(schedule, entries, today).failure_rate
    if rate is None:
        assert got is None
    else:
        assert got == pytest.approx(rate, abs=1e-15)


# --------------------------------------------------------------------------- suggestions


def codes(stats):
    return [code for code, _ in stats.suggestions]


def test_lower_frequency_daily():
    # 30 days before today: 10 done, 20 missed → 2/3 > ½. Achieved 7 × 1 × ⅓ = 2.33 a week
    # → 2 times a week = 2/7 per day.
    stats = compute_stats(daily(), hist(MON, "dm" * 10 + "m" * 10 + "."), day(30))
    assert stats.failure_rate == pytest.approx(2 / 3)
    assert "lower_frequency" in codes(stats)
    assert stats.suggested_frequency == pytest.approx(2 / 7, abs=0)
    message = dict(stats.suggestions)["lower_frequency"]
    assert "twice a week" in message


def test_lower_frequency_not_at_half():
    # exactly 50% does not fire: 15 done, 15 missed
    stats = compute_stats(daily(), hist(MON, "dm" * 15 + "."), day(30))
    assert stats.failure_rate == 0.5
    assert "lower_frequency" not in codes(stats)
    assert stats.suggested_frequency is None


def test_lower_frequency_rare_habit_halves():
    # once a week, 1 done in the last 30 days: expected 30/7, shortfall 23/7, rate 23/30.
    # Achieved 7 × ⅐ × 7/30 = 0.23 → at least once a week is not lower than f = 1/7, so
    # half of it: 1/14 (once every 14 days).
    entries = hist(LONG, "d" * 30 + "d" + "." * 29)
    stats = compute_stats(Schedule("per_week", LONG, times_per_week=1), entries, day(60, LONG))
    assert stats.failure_rate == pytest.approx(23 / 30)
    assert stats.suggested_frequency == pytest.approx(1 / 14, abs=0)
    assert "once every 14 days" in dict(stats.suggestions)["lower_frequency"]


def test_lower_frequency_weekdays():
    # Mon–Fri (f = 5/7); the newest 30 expected days (6 weeks) hold 12 done, 18 missed:
    # rate 0.6; achieved 7 × 5/7 × 0.4 = 2 → 2/7
    week_ok = "dd" + "mmm" + ".."  # 2 done, 3 missed
    schedule = Schedule("weekdays", MON, weekdays=(0, 1, 2, 3, 4))
    stats = compute_stats(schedule, hist(MON, week_ok * 6 + "."), day(42))
    assert stats.failure_rate == pytest.approx(0.6)
    assert stats.suggested_frequency == pytest.approx(2 / 7, abs=0)


@pytest.mark.parametrize(
    "history, fires",
    [
        ("d" * 8 + "m" * 21 + ".", True),  # 8/29 = 27.6 → 28 < 30
        ("d" * 9 + "m" * 20 + ".", False),  # 9/29 = 31.03 → 31
        ("ddd" + "m" * 7 + ".", False),  # 3/10 = 30: not below 30
    ],
    ids=["28", "31", "exactly-30"],
)
def test_easier_difficulty(history, fires):
    today = day(len(history) - 1)
    stats = compute_stats(daily(), hist(MON, history), today)
    assert ("easier_difficulty" in codes(stats)) is fires


def test_no_easier_difficulty_without_consistency():
    assert codes(compute_stats(daily(), [], MON)) == []


@pytest.mark.parametrize(
    "history, fires",
    [
        ("d" * 7 + "m.", True),  # 7 then missed yesterday
        ("d" * 7 + "m" + "d" * 5 + ".", True),  # broke 6 days ago (today − 6)
        ("d" * 7 + "m" + "d" * 6 + ".", False),  # broke 7 days ago
        ("d" * 6 + "m.", False),  # only 6
        ("d" * 9 + "m", True),  # broke today (today missed)
        ("d" * 7 + "s" + "m.", True),  # the skip does not end it; the miss does
        ("d" * 10 + ".", False),  # not broken
    ],
    ids=["yesterday", "six-days-ago", "seven-days-ago", "streak-6", "today-missed",
         "skip-then-miss", "unbroken"],
)
def test_smaller_target(history, fires):
    today = day(len(history) - 1)
    stats = compute_stats(daily(), hist(MON, history), today)
    assert ("smaller_target" in codes(stats)) is fires


def test_smaller_target_per_week():
    # 7 good weeks (1 per week), the 8th week short; today is in week 9
    history = _weeks(*(["d"] * 7), "", ".")
    schedule = Schedule("per_week", MON, times_per_week=1)
    assert "smaller_target" in codes(compute_stats(schedule, hist(MON, history), day(56)))
    # a week later the break (Mon of week 9) is 7 days back: no more
    assert "smaller_target" not in codes(compute_stats(schedule, hist(MON, history), day(63)))


def test_suggestions_combined():
    # past days 0..17: 9 done, 9 missed → failure ½ (not > ½), consistency 50; the 7-day
    # run (days 5..11) broke on day 12 = today − 6
    history = "d" * 2 + "m" * 3 + "d" * 7 + "m" * 6 + "."
    stats = compute_stats(daily(), hist(MON, history), day(18))
    assert codes(stats) == ["smaller_target"]
    # past days 0..22: 7 done, 16 missed → failure 16/23 > ½; consistency 7/23 = 30.4 → 30
    history = "m" * 12 + "d" * 7 + "m" * 4 + "."
    stats = compute_stats(daily(), hist(MON, history), day(23))
    assert codes(stats) == ["lower_frequency", "smaller_target"]
    # window: past days 1..29 (today open), 7 done → 24.1 → 24; the newest 30 past days
    # 0..29: 23 missed → 23/30; broke on day 27
    history = "m" * 20 + "d" * 7 + "m" * 3 + "."
    stats = compute_stats(daily(), hist(MON, history), day(30))
    assert stats.consistency == 24
    assert stats.failure_rate == pytest.approx(23 / 30)
    assert codes(stats) == ["lower_frequency", "easier_difficulty", "smaller_target"]
    assert all(message.endswith(".") for _, message in stats.suggestions)


# --------------------------------------------------------------------------- totals, misc


def test_totals_and_last_done():
    schedule = Schedule("weekdays", MON, weekdays=(0,), pauses=((day(10), day(11)),))
    entries = [
        Entry(day(-2), "done"), Entry(day(-1), "skipped"),  # before the start: ignored
        Entry(day(0), "done"), Entry(day(1), "skipped"),
        Entry(day(2), "done"),  # a Wednesday: not expected, still a done
        Entry(day(4), "missed"),
        Entry(day(10), "done"), Entry(day(11), "skipped"),  # paused: ignored
        Entry(day(12), "done"),
        Entry(day(30), "done"),  # after today: ignored
    ]
    stats = compute_stats(schedule, entries, day(12))
    assert (stats.total_done, stats.total_skipped, stats.last_done_on) == (3, 1, day(12))


def test_before_start_everything_empty():
    stats = compute_stats(daily(day(5)), hist(MON, "ddd"), day(2))
    assert stats.current_streak == stats.longest_streak == stats.total_done == 0
    assert stats.consistency is None and stats.failure_rate is None
    assert stats.strength == 0.0 and stats.last_done_on is None and stats.suggestions == []


def test_bad_entries_raise():
    with pytest.raises(ValueError):
        compute_stats(daily(), [Entry(MON, "done"), Entry(MON, "missed")], day(1))
    with pytest.raises(ValueError):
        compute_stats(daily(), [Entry(MON, "finished")], day(1))


@pytest.mark.parametrize(
    "value, rounded",
    [(12.5, 13), (0.5, 1), (2.5, 3), (Decimal("37.5"), 38), (Fraction(5, 2), 3), (12.49, 12),
     (100.0, 100), (0, 0)],
    ids=["12.5", "0.5", "2.5", "decimal", "fraction", "below-half", "100", "0"],
)
def test_round_half_up(value, rounded):
    assert round_half_up(value) == rounded


# --------------------------------------------------------------------------- "at most" habits

TWO = Measure("at_most", Decimal(2))


def test_at_most_days_without_an_entry_are_done_once_past():
    """As Loop: no entry is 0, within the limit; today stays open (neutral)."""
    stats = compute_stats(daily(), [], day(3), TWO)
    assert (stats.current_streak, stats.longest_streak, stats.total_done) == (3, 3, 3)
    assert stats.last_done_on == day(2) and stats.consistency == 100 and stats.failure_rate == 0.0
    assert stats.strength == pytest.approx(1 - M1**3, rel=1e-12)
    at_least = compute_stats(daily(), [], day(3), Measure("at_least", Decimal(2)))
    assert (at_least.current_streak, at_least.total_done, at_least.consecutive_misses) == (0, 0, 3)


def test_at_most_open_days_count_by_their_value():
    values = [Decimal(1), Decimal(3), None, Decimal(2)]
    stats = compute_stats(daily(), hist(MON, "oooo", values), day(3), TWO)
    # day 0: 1 (done), day 1: 3 left open (missed), day 2: no value (done), today: open
    assert (stats.current_streak, stats.longest_streak, stats.total_done) == (1, 1, 2)
    assert stats.consecutive_misses == 0 and stats.consistency == 67


def test_at_most_over_the_limit_today_breaks_the_streak_at_once():
    over = compute_stats(daily(), hist(MON, "...m", [None, None, None, Decimal(3)]), day(3), TWO)
    assert over.current_streak == 0 and over.longest_streak == 3
    reopened = compute_stats(daily(), hist(MON, "...o", [None, None, None, Decimal(2)]), day(3), TWO)
    assert reopened.current_streak == 3


def test_at_most_days_off_the_schedule_stay_off():
    stats = compute_stats(Schedule("weekdays", MON, weekdays=(0, 2)), [], day(7), TWO)
    assert stats.total_done == 2 and stats.current_streak == 2  # Monday and Wednesday


def test_at_most_consistency_on_a_past_day_reads_the_days_before_it():
    entries = hist(MON, ".m..", [None, Decimal(5), None, None])
    assert consistency_on(daily(), entries, day(2), TWO) == 50  # day 0 done, day 1 over, day 2 today
    assert consistency_on(daily(), entries, day(3), TWO) == 67
    assert [value for _, value in consistency_trend(daily(), entries, day(3), days=2, measure=TWO)] == [50, 67]
    assert [(run.length, run.broken_on) for run in streak_history(daily(), entries, day(3), TWO)] == [
        (1, day(1)), (1, None),
    ]
