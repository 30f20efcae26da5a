"""Prompts and nudges (DESIGN.md §5): what the `notifications.send_prompts` (every 15
minutes) and `notifications.send_nudges` (hourly) tasks run. Testable without Celery.

Both are set-based: candidate habits are read in batches with their owners' profiles
(one query), each owner's local time is worked out in Python, the batch's occurrences
are read with one query, and each occurrence is claimed with a conditional UPDATE
(healthchecks' "claim one row"): a prompt is sent only by the run whose UPDATE changed
the row, so a repeated or overlapping run sends nothing twice. Nudges are keyed by
habit and local day; `notify()` stores the key once per user.

Decisions (prompts):
- Due when the owner's local time is at or after the reminder time of their local
  today, and less than CATCH_UP (2 hours) after it: a late run catches up on the last
  2 hours; older reminders are skipped for that day. A run never reaches back across
  the day boundary into yesterday's reminder.
- With a day start hour, a reminder earlier than the day start belongs to the end of the
  local day (a 01:00 reminder with a 02:00 day start is at 01:00 the next calendar day).
- Only inside the owner's prompt window (local time, start inclusive, end exclusive; a
  window may cross midnight; start == end means all day). A reminder that falls before
  the window opens is sent when it opens, if that is within the catch-up; one that falls
  after the window closes is skipped for the day. Outside the window nothing is claimed.
- The occurrence is created as `scheduled` (bulk_create, ignore_conflicts) and then
  claimed `scheduled` → `prompted` like an existing one: one claim path for both.
- "N per week": due on any day while the week's done count is below N.
- A failing user (bad data, notify raising) is logged and skipped; the claim is rolled
  back with the notification, so the next run tries again within the catch-up.

Decisions (snooze):
- `snooze_prompt()` puts a prompted occurrence back to `scheduled` with
  `prompted_at = now`. "scheduled with prompted_at set" is the snooze marker (a fresh
  occurrence has no prompted_at). The first run at or after prompted_at + 30 minutes
  re-prompts it once, with the key "prompt:<pk>:<day>:<snooze unix time>", so each snooze
  gets its own notification. The same 2-hour catch-up and the prompt window apply.
- An undone day (`undo_occurrence` keeps prompted_at) therefore behaves like a snooze
  from its last prompt: it is re-prompted once if that is still within the catch-up.

Decisions (nudges):
- A habit is nudged when its last two expected days before today were neither done nor
  skipped (a skip is a deliberate choice; nudging over it would nag), today is not
  already done, skipped or started, and the owner's local time is inside their prompt
  window. At most one a day: key "nudge:<habit pk>:<local today>"; none on a day the
  habit's risk alert (key "risk:<habit pk>:<local today>", from the day close) went out.
- "N per week" habits are not nudged: they have no individually expected days (the day
  close leaves them alone for the same reason); their weekly misses show in the streak.
- The first adaptive suggestion (habits.services.suggestions_for) is added to the body;
  that is one read per nudged habit, at most once a day each.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.utils import timezone

from habits import services as habit_services
from habits.models import Habit, Occurrence
from habits.today_cache import touch
from habitstory.core.days import week_bounds
from habitstory.accounts.models import Profile
from habitstory.story.risk import risk_key as _risk_key

from .models import Notification

logger = logging.getLogger(__name__)

CATCH_UP = dt.timedelta(hours=2)
SNOOZE = dt.timedelta(minutes=30)
BATCH_SIZE = 500
NUDGE_LOOKBACK_DAYS = 400  # how far back to look for a habit's last two expected days
NEVER_SWALLOWED = (SoftTimeLimitExceeded,)  # a run out of time stops; the next one catches up

Status = Occurrence.Status


@dataclass
class Summary:
    checked: int = 0  # habits looked at
    sent: int = 0  # notifications sent (prompts, re-prompts after a snooze, or nudges)
    snoozed: int = 0  # of which re-prompts after a snooze
    failed: list[int] = field(default_factory=list)  # user ids, retried next run

    def fail(self, user_id: int, what: str) -> None:
        logger.exception("%s failed for user %s", what, user_id)
        if user_id not in self.failed:
            self.failed.append(user_id)

    def as_dict(self) -> dict:
        return {"checked": self.checked, "sent": self.sent, "snoozed": self.snoozed, "failed": list(self.failed)}


def in_prompt_window(profile: Profile, now: dt.datetime | None = None) -> bool:
    """Whether the owner's local time is inside their prompt window."""
    start, end = profile.prompt_window_start, profile.prompt_window_end
    if start == end:
        return True
    local = profile.local_now(now).time().replace(tzinfo=None)
    if start < end:
        return start <= local < end
    return local >= start or local < end


def reminder_at(habit: Habit, profile: Profile, today: dt.date) -> dt.datetime:
    """The moment (UTC) of the habit's reminder on the owner's local day `today`."""
    day = today
    if habit.reminder_time < dt.time(profile.day_start_hour):
        day += dt.timedelta(days=1)
    # astimezone() resolves a wall time in a DST gap or overlap (fold=0: the earlier offset).
    return dt.datetime.combine(day, habit.reminder_time, tzinfo=profile.zone).astimezone(dt.UTC)


def _caught(due: dt.datetime, now: dt.datetime) -> bool:
    return due <= now < due + CATCH_UP


def _batches(habits, batch_size: int):
    """Habits in primary-key pages, each page one query with the owners' profiles."""
    last = 0
    while True:
        page = list(habits.filter(pk__gt=last).select_related("user__profile").order_by("pk")[:batch_size])
        if not page:
            return
        last = page[-1].pk
        yield page


# --- Prompts ----------------------------------------------------------------------------------


@dataclass
class _Prompt:
    habit: Habit
    today: dt.date
    due: dt.datetime  # the reminder moment (UTC)


def send_prompts(now: dt.datetime | None = None, *, batch_size: int = BATCH_SIZE) -> dict:
    """Prompt every habit whose reminder time has come (within the catch-up) in its owner's
    local time. Safe to run twice, at once, or late. Returns the summary."""
    now = now or timezone.now()
    summary = Summary()
    habits = Habit.objects.alive().filter(
        status=Habit.Status.ACTIVE, reminder_time__isnull=False, user__is_active=True
    )
    for page in _batches(habits, batch_size):
        summary.checked += len(page)
        _prompt_batch(page, now, summary)
    return summary.as_dict()


def _prompt_batch(habits: list[Habit], now: dt.datetime, summary: Summary) -> None:
    candidates = []
    for habit in habits:
        try:
            profile = habit.user.profile
            if not in_prompt_window(profile, now):
                continue
            today = profile.local_today(now)
            if habit.schedule_spec(profile.week_start).is_expected(today):
                candidates.append(_Prompt(habit, today, reminder_at(habit, profile, today)))
        except NEVER_SWALLOWED:
            raise
        except Exception:
            summary.fail(habit.user_id, "send_prompts: planning")
    # Nothing can be due before the reminder (a snooze comes after a prompt).
    candidates = [c for c in candidates if c.due <= now]
    if not candidates:
        return
    rows = _today_rows(candidates)
    full = _weeks_full(candidates)

    missing = [c for c in candidates if (c.habit.pk, c.today) not in rows and _caught(c.due, now)]
    if missing:
        Occurrence.objects.bulk_create(
            [Occurrence(habit_id=c.habit.pk, on=c.today) for c in missing], ignore_conflicts=True
        )
        rows.update(_today_rows(missing))

    for c in candidates:
        row = rows.get((c.habit.pk, c.today))
        if row is None or row["status"] != Status.SCHEDULED or c.habit.pk in full:
            continue
        snoozed_at = row["prompted_at"]
        due = c.due if snoozed_at is None else snoozed_at + SNOOZE
        if not _caught(due, now):
            continue
        key = f"prompt:{row['id']}:{c.today}"
        if snoozed_at is not None:
            key += f":{int(snoozed_at.timestamp())}"
        try:
            if _claim_and_prompt(c.habit, row["id"], c.today, snoozed_at, key, now):
                summary.sent += 1
                summary.snoozed += snoozed_at is not None
        except NEVER_SWALLOWED:
            raise
        except Exception:
            summary.fail(c.habit.user_id, "send_prompts: prompting")


def _today_rows(candidates: list[_Prompt]) -> dict[tuple[int, dt.date], dict]:
    """The candidates' occurrences for their local today: one query."""
    wanted = {(c.habit.pk, c.today) for c in candidates}
    found = Occurrence.objects.filter(
        habit_id__in={c.habit.pk for c in candidates}, on__in={c.today for c in candidates}
    ).values("id", "habit_id", "on", "status", "prompted_at")
    return {(r["habit_id"], r["on"]): r for r in found if (r["habit_id"], r["on"]) in wanted}


def _weeks_full(candidates: list[_Prompt]) -> set[int]:
    """The "N per week" habits whose week already has N done: one query."""
    weeks = {}
    for c in candidates:
        if c.habit.is_per_week:
            weeks[c.habit.pk] = (week_bounds(c.today, c.habit.user.profile.week_start), c.habit)
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


def _claim_and_prompt(
    habit: Habit, pk: int, on: dt.date, snoozed_at: dt.datetime | None, key: str, now: dt.datetime
) -> bool:
    """Claim the occurrence (scheduled → prompted) and notify, in one transaction: only the
    run whose UPDATE changed the row notifies, and a failing notify un-claims it."""
    from .push import prompt_actions
    from .services import notify

    with transaction.atomic():
        claimed = Occurrence.objects.filter(pk=pk, status=Status.SCHEDULED, prompted_at=snoozed_at).update(
            status=Status.PROMPTED, prompted_at=now, updated_at=timezone.now()
        )
        if not claimed:
            return False
        notify(
            habit.user,
            "prompts",
            title=f"Time for {habit.name}",
            body=_prompt_body(habit),
            url="/",
            key=key,
            now=now,
            actions=prompt_actions(habit, on),
        )
        touch(habit.user_id)
    return True


def _prompt_body(habit: Habit) -> str:
    if habit.is_measurable:
        return f"Today's target: {habit.target_label()}."
    if habit.timer_minutes:
        return f"{habit.timer_minutes} minutes is all it takes. Tick it off when it's done."
    return "Tick it off when it's done, or snooze it for 30 minutes."


def snooze_prompt(occurrence: Occurrence, now: dt.datetime | None = None) -> bool:
    """Put a prompted occurrence back for 30 minutes: the first prompts run at or after
    then prompts it again, once. True when it was prompted (and is now snoozed)."""
    now = now or timezone.now()
    snoozed = Occurrence.objects.filter(pk=occurrence.pk, status=Status.PROMPTED).update(
        status=Status.SCHEDULED, prompted_at=now, updated_at=timezone.now()
    )
    if snoozed:
        occurrence.status, occurrence.prompted_at = Status.SCHEDULED, now
        touch(occurrence.habit.user_id)
    return bool(snoozed)


# --- Nudges -----------------------------------------------------------------------------------


@dataclass
class _Nudge:
    habit: Habit
    today: dt.date
    days: tuple[dt.date, dt.date]  # the last two expected days before today
    key: str


def send_nudges(now: dt.datetime | None = None, *, batch_size: int = BATCH_SIZE) -> dict:
    """Nudge active habits whose last two expected days were both left undone, once a day,
    inside the owner's prompt window. Safe to run twice, at once, or late."""
    now = now or timezone.now()
    summary = Summary()
    habits = (
        Habit.objects.alive()
        .filter(status=Habit.Status.ACTIVE, user__is_active=True)
        .exclude(schedule=Habit.Schedule.PER_WEEK)
    )
    for page in _batches(habits, batch_size):
        summary.checked += len(page)
        _nudge_batch(page, now, summary)
    return summary.as_dict()


def last_expected_days(habit: Habit, week_start: int, today: dt.date, count: int = 2) -> list[dt.date]:
    """The habit's last `count` expected days before `today`, latest first (fewer when the
    habit is younger than that)."""
    spec = habit.schedule_spec(week_start)
    days = []
    day = today - dt.timedelta(days=1)
    floor = max(habit.start_date, today - dt.timedelta(days=NUDGE_LOOKBACK_DAYS))
    while day >= floor and len(days) < count:
        if spec.is_expected(day):
            days.append(day)
        day -= dt.timedelta(days=1)
    return days


def _nudge_batch(habits: list[Habit], now: dt.datetime, summary: Summary) -> None:
    candidates = []
    for habit in habits:
        try:
            profile = habit.user.profile
            if not in_prompt_window(profile, now):
                continue
            today = profile.local_today(now)
            days = last_expected_days(habit, profile.week_start, today)
            if len(days) == 2:
                candidates.append(_Nudge(habit, today, tuple(days), f"nudge:{habit.pk}:{today}"))
        except NEVER_SWALLOWED:
            raise
        except Exception:
            summary.fail(habit.user_id, "send_nudges: planning")
    if not candidates:
        return
    # Already nudged today, or told today by the day close's risk alert, which says the
    # same more urgently (one query); and the days that rule a nudge out (one query).
    sent = set(
        Notification.objects.filter(
            user_id__in={c.habit.user_id for c in candidates},
            key__in=[key for c in candidates for key in (c.key, _risk_key(c.habit.pk, c.today))],
        ).values_list("user_id", "key")
    )
    # A done or skipped expected day, or today done, skipped or started, rules it out.
    engaged = set(
        Occurrence.objects.filter(
            habit_id__in=[c.habit.pk for c in candidates],
            on__in={day for c in candidates for day in (*c.days, c.today)},
            status__in=(Status.DONE, Status.SKIPPED, Status.STARTED),
        ).values_list("habit_id", "on", "status")
    )
    for c in candidates:
        pk = c.habit.pk
        if (c.habit.user_id, c.key) in sent or (c.habit.user_id, _risk_key(pk, c.today)) in sent:
            continue
        if any((pk, day, status) in engaged for day in c.days for status in (Status.DONE, Status.SKIPPED)):
            continue
        if any((pk, c.today, status) in engaged for status in (Status.DONE, Status.SKIPPED, Status.STARTED)):
            continue
        try:
            if _nudge(c, now):
                summary.sent += 1
        except NEVER_SWALLOWED:
            raise
        except Exception:
            summary.fail(c.habit.user_id, "send_nudges: nudging")


def _nudge(c: _Nudge, now: dt.datetime) -> bool:
    from .services import notify

    suggestions = habit_services.suggestions_for(c.habit, c.today)
    body = f"{c.habit.name} has been quiet for a couple of days. No pressure: one small step today counts."
    if suggestions:
        body += f"\n\n{suggestions[0][1]}"
    return (
        notify(c.habit.user, "nudges", title=f"Ready to pick up {c.habit.name} again?", body=body, url="/",
               key=c.key, now=now)
        is not None
    )
