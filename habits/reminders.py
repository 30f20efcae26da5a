"""What prompts and nudges (habitstory.story.prompts and .nudges; docs/jobs.md) need from
habits: when a habit's reminder falls and which days it expected, the prompt state of its
days, and the writes prompting makes to occurrences (a day created as scheduled, claimed
scheduled → prompted, snoozed back to scheduled). Habits is the only writer of its
tables: the story's jobs and the API's snooze call these."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone

from habitstory.accounts.models import Profile
from habitstory.core.days import week_bounds

from .models import Habit, Occurrence
from .today_cache import touch

LOOKBACK_DAYS = 400  # how far back last_expected_days looks

Status = Occurrence.Status
Day = tuple[int, dt.date]  # (habit id, local day)


# --- when ----------------------------------------------------------------------------------------


def reminder_at(habit: Habit, profile: Profile, today: dt.date) -> dt.datetime:
    """The moment (UTC) of the habit's reminder on the owner's local day `today`. A
    reminder earlier than the day-start hour belongs to the end of the local day."""
    day = today
    if habit.reminder_time < dt.time(profile.day_start_hour):
        day += dt.timedelta(days=1)
    # astimezone() resolves a wall time in a DST gap or overlap (fold=0: the earlier offset).
    return dt.datetime.combine(day, habit.reminder_time, tzinfo=profile.zone).astimezone(dt.UTC)


def last_expected_days(habit: Habit, week_start: int, today: dt.date, count: int = 2) -> list[dt.date]:
    """The habit's last `count` expected days before `today`, latest first (fewer when the
    habit is younger than that)."""
    spec = habit.schedule_spec(week_start)
    days = []
    day = today - dt.timedelta(days=1)
    floor = max(habit.start_date, today - dt.timedelta(days=LOOKBACK_DAYS))
    while day >= floor and len(days) < count:
        if spec.is_expected(day):
            days.append(day)
        day -= dt.timedelta(days=1)
    return days


# --- reads ---------------------------------------------------------------------------------------


def day_rows(days: Iterable[Day]) -> dict[Day, dict]:
    """The occurrences of these (habit id, day) pairs that exist, as {"id", "habit_id",
    "on", "status", "prompted_at"} by pair (one query)."""
    wanted = set(days)
    found = Occurrence.objects.filter(
        habit_id__in={habit_id for habit_id, _ in wanted}, on__in={on for _, on in wanted}
    ).values("id", "habit_id", "on", "status", "prompted_at")
    return {(r["habit_id"], r["on"]): r for r in found if (r["habit_id"], r["on"]) in wanted}


def weeks_full(days: Iterable[tuple[Habit, dt.date]]) -> set[int]:
    """Of these habits on these local days, the "N per week" ones whose week (the owner's,
    from their loaded profile) already has N done (one query)."""
    weeks = {}
    for habit, on in days:
        if habit.is_per_week:
            weeks[habit.pk] = (week_bounds(on, habit.user.profile.week_start), habit)
    if not weeks:
        return set()
    done = defaultdict(int)
    for habit_id, on in Occurrence.objects.filter(
        habit_id__in=weeks,
        status=Status.DONE,
        on__range=(min(w[0][0] for w in weeks.values()), max(w[0][1] for w in weeks.values())),
    ).values_list("habit_id", "on"):
        (start, end), _ = weeks[habit_id]
        if start <= on <= end:
            done[habit_id] += 1
    return {pk for pk, (_, habit) in weeks.items() if done[pk] >= habit.times_per_week}


def engaged_days(habit_ids: Iterable[int], days: Iterable[dt.date]) -> set[tuple[int, dt.date, str]]:
    """(habit id, day, status) for these habits' days that are done, skipped or started
    (one query)."""
    return set(
        Occurrence.objects.filter(
            habit_id__in=list(habit_ids),
            on__in=set(days),
            status__in=(Status.DONE, Status.SKIPPED, Status.STARTED),
        ).values_list("habit_id", "on", "status")
    )


# --- writes --------------------------------------------------------------------------------------


def schedule_days(days: Iterable[Day]) -> None:
    """Create these (habit id, day) occurrences as `scheduled` where none exists (one
    INSERT; a row another run created meanwhile is left as it is)."""
    Occurrence.objects.bulk_create(
        [Occurrence(habit_id=habit_id, on=on) for habit_id, on in days], ignore_conflicts=True
    )


def claim_prompt(occurrence_id: int, *, user_id: int, snoozed_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Claim the day for a prompt: scheduled → prompted at `now`, only while it is as the
    caller read it (scheduled, with that prompted_at: none, or its snooze's). True only
    for the caller whose UPDATE changed the row ("claim one row"), so however many runs
    try, one prompts. Call it in the transaction that sends the prompt: a failed send
    rolls the claim back."""
    claimed = Occurrence.objects.filter(pk=occurrence_id, status=Status.SCHEDULED, prompted_at=snoozed_at).update(
        status=Status.PROMPTED, prompted_at=now, updated_at=timezone.now()
    )
    if claimed:
        touch(user_id)
    return bool(claimed)


def snooze_prompt(occurrence: Occurrence, now: dt.datetime | None = None) -> bool:
    """Put a prompted occurrence back to scheduled with prompted_at = now (the snooze
    marker): the prompts job prompts it again once, 30 minutes later. True when it was
    prompted (and is now snoozed)."""
    now = now or timezone.now()
    snoozed = Occurrence.objects.filter(pk=occurrence.pk, status=Status.PROMPTED).update(
        status=Status.SCHEDULED, prompted_at=now, updated_at=timezone.now()
    )
    if snoozed:
        occurrence.status, occurrence.prompted_at = Status.SCHEDULED, now
        touch(occurrence.habit.user_id)
    return bool(snoozed)
