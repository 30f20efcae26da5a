"""What the Today page and the dashboard read: the day's rows (the habits due and their
state), this week's counts, progress and pillar summaries, and the `Recent` snapshot
that the commit step reads once for Today's rows and the pet's mood."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import F, Subquery, Sum
from django.urls import reverse

from habitstory.core.days import week_bounds
from habitstory.core.formatting import amount

from .current import streak_through_yesterday
from .models import OPEN, Habit, Occurrence, Pillar


@dataclass
class TodayRow:
    habit: Habit
    occurrence: Occurrence | None
    week_done: int = 0  # N per week: done this week so far
    log_url: str = ""
    detail_url: str = ""
    capture_url: str = ""  # a habit that asks for proof: its tick opens the capture page
    streak_at_stake: int | None = None  # over an "at most" limit: the streak lowering it keeps
    slip_chance: int | None = None  # under 40 %: today's chance (%) it gets done, from insights (Today's view)

    @property
    def status(self) -> str:
        return self.occurrence.status if self.occurrence else Occurrence.Status.SCHEDULED

    @property
    def is_done(self) -> bool:
        return self.status == Occurrence.Status.DONE

    @property
    def proof(self) -> str:
        """The day's proof: "", "pending", "approved" or "rejected" (Occurrence.Verification)."""
        return self.occurrence.verification if self.occurrence else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    @property
    def value(self) -> Decimal:
        return (self.occurrence.value if self.occurrence else None) or Decimal(0)

    @property
    def value_label(self) -> str:
        """The day's value as the row writes it: "0", "2.5"."""
        return amount(self.value)

    @property
    def is_on_track(self) -> bool:
        """An "at most" habit's open day: at or under its limit (no entry is 0), done
        when the day closes so (docs/rules.md)."""
        return self.habit.kind == Habit.Kind.AT_MOST and self.is_open

    @property
    def is_over_limit(self) -> bool:
        """An "at most" habit's day failed by a value over its limit (lowering the value
        reopens it)."""
        return self.habit.kind == Habit.Kind.AT_MOST and self.status == Occurrence.Status.MISSED


OCCURRENCE_COLUMNS = ("id", "habit_id", "on", "status", "value", "started_at", "updated_at", "verification")


@dataclass
class Recent:
    """A user's active habits and their occurrences of the last 7 days, read once (two
    queries): enough for Today's rows (this week's counts included: a week started at
    most 6 days ago), for the pet's mood and for the achievements' facts (the user's
    total ticks over all their habits rides the habits' query)."""

    day: dt.date
    habits: list[Habit]
    occurrences: list[tuple]  # OCCURRENCE_COLUMNS
    total_ticks: int | None = None  # None: no active habit carried it

    def pillar_averages(self) -> list[float]:
        """Each pillar's average consistency over its active habits that have one (as
        totals.pillar_averages reads it from the database)."""
        values: dict[int, list[int]] = defaultdict(list)
        for habit in self.habits:
            if habit.pillar_id is not None and habit.consistency is not None:
                values[habit.pillar_id].append(habit.consistency)
        return [sum(found) / len(found) for found in values.values()]


def recent(user, day: dt.date) -> Recent:
    ticks = Habit.objects.filter(user=user).order_by().values("user").annotate(n=Sum("total_done")).values("n")
    habits = list(
        Habit.objects.for_user(user)
        .filter(status=Habit.Status.ACTIVE)
        .select_related("pillar")
        .only(*TODAY_FIELDS)
        .annotate(user_ticks=Subquery(ticks))
        .order_by(F("pillar__position").asc(nulls_last=True), "pillar_id", "position", "id")
    )
    occurrences = list(
        Occurrence.objects.filter(habit__in=habits, on__range=(day - dt.timedelta(days=6), day))
        .values_list(*OCCURRENCE_COLUMNS)
    )
    return Recent(day, habits, occurrences, habits[0].user_ticks or 0 if habits else None)


def _rows(user, habits: list[Habit], day: dt.date, occurrence_rows: list[tuple] | None = None) -> list[TodayRow]:
    """Today's rows for these habits: this week's occurrences give both today's state and
    the N-per-week counts (one query, or none when `occurrence_rows` are given)."""
    week_start, _ = week_bounds(day, user.profile.week_start)
    occurrences: dict[int, Occurrence] = {}
    week_done: dict[int, int] = defaultdict(int)
    if occurrence_rows is None:
        occurrence_rows = Occurrence.objects.filter(habit__in=habits, on__range=(week_start, day)).values_list(
            *OCCURRENCE_COLUMNS
        )
    for pk, habit_id, on, status, value, started_at, updated_at, verification in occurrence_rows:
        if not week_start <= on <= day:
            continue
        if on == day:
            occurrences[habit_id] = Occurrence(
                id=pk, habit_id=habit_id, on=on, status=status, value=value,
                started_at=started_at, updated_at=updated_at, verification=verification,
            )
        if status == Occurrence.Status.DONE:
            week_done[habit_id] += 1
    # Reversed once per request, not once per row and link: the page has dozens.
    log_url = reverse("habits:log", args=[_PK, day.isoformat()]).replace(str(_PK), "{}")
    detail_url = reverse("habits:detail", args=[_PK]).replace(str(_PK), "{}")
    capture_url = reverse("verification:capture", args=[_PK, day.isoformat()]).replace(str(_PK), "{}")
    rows = []
    for habit in habits:
        row = TodayRow(
            habit,
            occurrences.get(habit.pk),
            week_done.get(habit.pk, 0),
            log_url=log_url.format(habit.pk),
            detail_url=detail_url.format(habit.pk),
            capture_url=capture_url.format(habit.pk) if habit.requires_verification else "",
        )
        if row.is_over_limit:  # today failed broke the streak: show the one lowering the value keeps
            row.streak_at_stake = streak_through_yesterday(habit, user.profile.week_start, day)
        if habit.is_per_week:
            # Listed until the week's target is met; a habit done today stays, ticked.
            if row.week_done >= (habit.times_per_week or 1) and not row.is_done and row.is_open:
                continue
        elif not habit.is_scheduled_on(day) and row.occurrence is None:
            continue
        rows.append(row)
    return rows


# What a Today row shows: loading only these keeps the page's cost flat as habits grow.
TODAY_FIELDS = [
    "id", "user_id", "name", "status", "schedule", "weekdays", "times_per_week", "every_n_days",
    "start_date", "pauses", "kind", "target_value", "unit", "timer_minutes", "current_streak",
    "updated_at", "position", "last_done_on", "consistency", "pillar__id", "pillar__name", "pillar__icon",
    "pillar__position", "stats_state", "stats_through", "requires_verification",
]
_PK = 987654321  # a placeholder id for reversing URL patterns once


def today_rows(user, day: dt.date, snapshot: Recent | None = None) -> list[TodayRow]:
    """The habits due on the user's day, in their order, with the day's state (two
    queries, or none given a snapshot from `recent`)."""
    snapshot = snapshot or recent(user, day)
    return _rows(user, [h for h in snapshot.habits if h.start_date <= day], day, snapshot.occurrences)


def today_row(habit: Habit, day: dt.date) -> TodayRow | None:
    rows = _rows(habit.user, [habit], day)
    if rows:
        return rows[0]
    return TodayRow(
        habit,
        Occurrence.objects.filter(habit=habit, on=day).first(),
        log_url=reverse("habits:log", args=[habit.pk, day.isoformat()]),
        detail_url=reverse("habits:detail", args=[habit.pk]),
        capture_url=reverse("verification:capture", args=[habit.pk, day.isoformat()]) if habit.requires_verification else "",
    )


def done_today_count(rows: list[TodayRow]) -> int:
    return sum(1 for row in rows if row.is_done)


def day_progress(rows: list[TodayRow]) -> dict:
    """Today's progress (the card on Today, the dashboard, the perfect day): a skipped
    habit is neutral, neither due nor done ("2 of 2 done · 1 skipped"). The day is
    perfect when something is due and all of it is done."""
    skipped = sum(1 for row in rows if row.status == Occurrence.Status.SKIPPED)
    done, total = done_today_count(rows), len(rows) - skipped
    return {
        "done": done, "total": total, "skipped": skipped,
        "percent": round(100 * done / total) if total else 0,
        "perfect": total > 0 and done == total,
    }


def pillar_summaries(user, day: dt.date) -> list[dict]:
    """Each pillar's average consistency and today's progress (two queries)."""
    pillars = list(Pillar.objects.filter(user=user).order_by("position", "id"))
    rows = today_rows(user, day)
    summary = {p.pk: {"pillar": p, "due": 0, "done": 0, "consistencies": []} for p in pillars}
    summary[None] = {"pillar": None, "due": 0, "done": 0, "consistencies": []}
    for habit_pillar, consistency in Habit.objects.for_user(user).filter(status=Habit.Status.ACTIVE).values_list(
        "pillar_id", "consistency"
    ):
        if consistency is not None:
            summary[habit_pillar]["consistencies"].append(consistency)
    for row in rows:
        if row.status == Occurrence.Status.SKIPPED:
            continue  # neutral, as on Today (day_progress)
        entry = summary[row.habit.pillar_id]
        entry["due"] += 1
        entry["done"] += row.is_done
    result = []
    for key, entry in summary.items():
        values = entry.pop("consistencies")
        entry["consistency"] = round(sum(values) / len(values)) if values else None
        if key is not None or entry["due"]:
            result.append(entry)
    return result


def at_risk_habits(user):
    return Habit.objects.for_user(user).filter(status=Habit.Status.ACTIVE, at_risk=True)


def done_between(user, start: dt.date, end: dt.date) -> int:
    return Occurrence.objects.filter(
        habit__user=user, habit__deleted_at__isnull=True, on__range=(start, end), status=Occurrence.Status.DONE
    ).count()


# --- the last 7 days (the pet's mood) ----------------------------------------------------------

def week_activity(snapshot: Recent) -> tuple[list[tuple[int, int]], list[dt.date | None]]:
    """From a `Recent` snapshot: each active habit's (expected, done) over the 7 days
    ending the snapshot's day (habit_week), and each one's last done day. Plain facts for
    the pet's mood (gamification.pets.mood_of)."""
    today = snapshot.day
    week = {today - dt.timedelta(days=n) for n in range(7)}
    done: dict[int, set[dt.date]] = defaultdict(set)
    for _, habit_id, on, status, *_ in snapshot.occurrences:
        if status == Occurrence.Status.DONE and on in week:
            done[habit_id].add(on)
    counts = [habit_week(habit, today, done[habit.pk]) for habit in snapshot.habits]
    return counts, [habit.last_done_on for habit in snapshot.habits]


def habit_week(habit, today: dt.date, done_days: set[dt.date]) -> tuple[int | Fraction, int | Fraction]:
    """(expected, done) of one active habit (a Habit, or a recomputed one) over the 7
    days ending today, given its done days among them: today still open does not count
    against; "N per week" expects N and counts up to N done days, or, when it started
    within those 7 days, its share N × days since the start ÷ 7 (docs/rules.md, "Pet")."""
    spec = habit.schedule_spec()
    if habit.is_per_week:
        times = habit.times_per_week or 0
        days = (today - spec.start_date).days + 1
        expected = times if days >= 7 else Fraction(times * max(days, 0), 7)
        return expected, min(expected, len(done_days))
    expected = hits = 0
    for n in range(7):
        day = today - dt.timedelta(days=n)
        is_done = day in done_days
        if day == today and not is_done:
            continue  # today still open does not count against
        if spec.is_expected(day):
            expected += 1
            hits += is_done
    return expected, hits
