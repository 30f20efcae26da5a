"""The weekly digest (docs/jobs.md): what the `notifications.send_digests` task runs
hourly, and `manage.py send_digests`. `build_digest(user, week_start)` gathers a user's
figures for one of their local weeks in six queries, whatever the number of habits or
days (habits' days, gamification's ledger and level, goals' summaries, quests done); `send_digests()`
sends each user the digest of the week that just ended, once, through notify() (kind
"digest"), as an HTML + text e-mail and, if they chose it, an in-app summary. The rules
and why: docs/jobs.md, "Weekly digest"."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from dataclasses import dataclass, field
from fractions import Fraction

from django.contrib.auth import get_user_model
from django.db.models import Exists, Min, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from gamification import rules
from gamification.models import XPEvent
from goals.charts import GoalSummary
from goals.charts import summary as goal_summary
from goals.models import Goal
from habits import today_list
from habits.charts import week_goal
from habits.models import Habit, Occurrence
from habitstory.accounts.models import Profile
from habitstory.core.formatting import short_date
from habitstory.core.jobs import NEVER_SWALLOWED, pages
from habitstory.core.numbers import round_half_up
from habitstory.notifications.models import Notification
from habitstory.notifications.services import notify
from quests.models import Quest

logger = logging.getLogger(__name__)

BATCH_SIZE = 500  # users a page
DAY = dt.timedelta(days=1)
WEEK = dt.timedelta(days=7)
ALL_DAY_SEND_TIME = dt.time(8, 0)  # when the prompt window is all day
BEST_STREAKS = 3
MAX_GOALS = 5
MAX_QUESTS = 5  # quests done in the week, listed by name
EMAIL_TEMPLATE = "notifications/email/digest"
NO_PILLAR_COLOR = "#5d5a73"
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")  # the e-mail puts it in a style attribute

Status = Occurrence.Status


# --- the figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """Done of expected (the week's goal) days."""

    done: int = 0
    expected: int = 0

    @property
    def percent(self) -> int | None:
        return round_half_up(Fraction(100 * self.done, self.expected)) if self.expected else None

    def __add__(self, other: Share) -> Share:
        return Share(self.done + other.done, self.expected + other.expected)


@dataclass(frozen=True)
class PillarWeek:
    name: str
    color: str
    share: Share


@dataclass(frozen=True)
class Streak:
    name: str
    length: int
    unit: str  # "day" or "week" (N per week)

    @property
    def text(self) -> str:
        return f"{self.length} {self.unit}{'' if self.length == 1 else 's'}"


@dataclass
class Digest:
    name: str
    week_start: dt.date
    week_end: dt.date
    overall: Share
    pillars: list[PillarWeek]
    best_streaks: list[Streak]
    xp_week: int
    xp_total: int
    level: int
    level_into: int  # XP into the current level
    level_need: int  # XP the next level needs
    goals: list[GoalSummary]  # open, nearest deadline first
    more_goals: int  # open goals not listed
    completed_goals: list[GoalSummary]  # completed during the week
    at_risk: list[Habit] = field(default_factory=list)
    completed_quests: list[str] = field(default_factory=list)  # titles, done during the week
    more_quests: int = 0  # done during the week, not listed

    @property
    def week_label(self) -> str:
        """"2–8 Mar 2026", or "30 Mar – 5 Apr 2026" across months."""
        start, end = self.week_start, self.week_end
        if (start.year, start.month) == (end.year, end.month):
            return f"{start.day}–{end.day} {end:%b %Y}"
        if start.year == end.year:
            return f"{short_date(start)} – {short_date(end)} {end.year}"
        return f"{short_date(start)} {start.year} – {short_date(end)} {end.year}"

    @property
    def level_percent(self) -> int:
        return min(100, round(100 * self.level_into / self.level_need)) if self.level_need else 100

    @property
    def title(self) -> str:
        percent = self.overall.percent
        if percent is None:
            return f"Your week, {self.week_label}"
        return f"Your week, {self.week_label}: {percent}% consistency"

    def summary_text(self) -> str:
        """The in-app body: the headline figures, one a line."""
        overall, lines = self.overall, []
        if overall.expected:
            lines.append(f"Consistency {overall.percent}%: {overall.done} of {overall.expected} days done.")
        lines.append(f"{self.xp_week:+d} XP this week; you are level {self.level}.")
        if self.best_streaks:
            streaks = ", ".join(f"{s.name} ({s.text})" for s in self.best_streaks)
            lines.append(f"Best streaks: {streaks}.")
        if self.completed_goals:
            lines.append("Goals completed: " + ", ".join(g.goal.name for g in self.completed_goals) + ".")
        if self.completed_quests:
            more = f" and {self.more_quests} more" if self.more_quests else ""
            lines.append("Quests done: " + ", ".join(self.completed_quests) + more + ".")
        if self.at_risk:
            lines.append("At risk: " + ", ".join(h.name for h in self.at_risk) + ".")
        return "\n".join(lines)


def local_start(profile: Profile, day: dt.date) -> dt.datetime:
    """The moment (UTC) the user's local day `day` begins (midnight plus the day-start hour)."""
    begins = dt.datetime.combine(day, dt.time(profile.day_start_hour), tzinfo=profile.zone)
    return begins.astimezone(dt.UTC)


def build_digest(user, week_start: dt.date, *, now: dt.datetime | None = None) -> Digest:
    """The user's figures for the local week beginning `week_start` (six queries)."""
    profile = user.profile
    week_end = week_start + 6 * DAY
    today = profile.local_today(now)

    habits = list(Habit.objects.for_user(user).exclude(status=Habit.Status.ARCHIVED).select_related("pillar"))
    counted = [h for h in habits if h.start_date <= week_end]
    shares = _week_shares(counted, week_start, profile.week_start)

    active = [h for h in habits if h.status == Habit.Status.ACTIVE and h.current_streak > 0]
    best = sorted(active, key=lambda h: (-h.current_streak, h.name))[:BEST_STREAKS]

    xp_week = XPEvent.objects.filter(user=user, on__range=(week_start, week_end)).aggregate(xp=Sum("amount"))
    level, into, need = rules.level_for(profile.xp_total)

    open_goals, completed = _goals(user, profile, week_start, today)
    quests = list(
        Quest.objects.filter(user=user, status=Quest.Status.DONE, completed_on__range=(week_start, week_end))
        .order_by("completed_at", "id").values_list("title", flat=True)[:MAX_QUESTS + 1]
    )
    return Digest(
        name=profile.name,
        week_start=week_start,
        week_end=week_end,
        overall=sum(shares.values(), Share()),
        pillars=_pillar_weeks(counted, shares),
        best_streaks=[Streak(h.name, h.current_streak, "week" if h.is_per_week else "day") for h in best],
        xp_week=xp_week["xp"] or 0,
        xp_total=profile.xp_total,
        level=level,
        level_into=into,
        level_need=need,
        goals=[goal_summary(g, today) for g in open_goals[:MAX_GOALS]],
        more_goals=max(0, len(open_goals) - MAX_GOALS),
        completed_goals=[goal_summary(g, today) for g in completed],
        at_risk=list(today_list.at_risk_habits(user).order_by("name")),
        completed_quests=quests[:MAX_QUESTS],
        more_quests=_more_quests(user, week_start, week_end) if len(quests) > MAX_QUESTS else 0,
    )


def _more_quests(user, week_start: dt.date, week_end: dt.date) -> int:
    """Quests done in the week beyond the MAX_QUESTS listed (a seventh query, only then)."""
    done = Quest.objects.filter(user=user, status=Quest.Status.DONE, completed_on__range=(week_start, week_end))
    return done.count() - MAX_QUESTS


def _week_shares(habits: list[Habit], week_start: dt.date, user_week_start: int) -> dict[int, Share]:
    """Each habit's done ÷ goal for the week (one query for all their days)."""
    days: dict[int, dict[dt.date, str]] = defaultdict(dict)
    for habit_id, on, status in Occurrence.objects.filter(
        habit__in=habits, on__range=(week_start, week_start + 6 * DAY)
    ).values_list("habit_id", "on", "status"):
        days[habit_id][on] = status
    shares = {}
    for habit in habits:
        schedule = habit.schedule_spec(user_week_start)
        statuses = days[habit.pk]
        skipped = {on for on, status in statuses.items() if status == Status.SKIPPED}
        goal = week_goal(schedule, week_start, skipped)
        done = sum(
            1 for on, status in statuses.items() if status == Status.DONE and schedule.is_expected(on)
        )
        shares[habit.pk] = Share(min(done, goal), goal)
    return shares


def _pillar_weeks(habits: list[Habit], shares: dict[int, Share]) -> list[PillarWeek]:
    """The habits' shares summed per pillar, in the pillars' order, habits without one
    last; pillars with nothing expected that week are left out."""
    pillars: dict[int | None, tuple[object, Share]] = {}
    for habit in habits:
        pillar, share = pillars.get(habit.pillar_id, (habit.pillar, Share()))
        pillars[habit.pillar_id] = (pillar, share + shares[habit.pk])

    def order(item: tuple) -> tuple:
        pillar = item[0]
        return (1, 0, 0) if pillar is None else (0, pillar.position, pillar.pk)

    weeks = []
    for pillar, share in sorted(pillars.values(), key=order):
        if not share.expected:
            continue
        if pillar is None:
            weeks.append(PillarWeek("No pillar", NO_PILLAR_COLOR, share))
        else:
            color = pillar.color if HEX_COLOR.fullmatch(pillar.color) else NO_PILLAR_COLOR
            weeks.append(PillarWeek(pillar.name, color, share))
    return weeks


def _goals(user, profile: Profile, week_start: dt.date, today: dt.date) -> tuple[list[Goal], list[Goal]]:
    """Open goals, nearest deadline first, and those completed during the local week (one
    query)."""
    completed_in_week = Q(
        completed_at__gte=local_start(profile, week_start),
        completed_at__lt=local_start(profile, week_start + WEEK),
    )
    goals = list(Goal.objects.filter(user=user).filter(Q(completed_at__isnull=True) | completed_in_week))
    open_goals = [g for g in goals if g.completed_at is None]
    open_goals.sort(key=lambda g: (g.deadline is None, g.deadline or today, g.pk))
    completed = sorted((g for g in goals if g.completed_at is not None), key=lambda g: g.completed_at)
    return open_goals, completed


# --- sending --------------------------------------------------------------------------------------


def digest_at(profile: Profile, day: dt.date) -> dt.datetime:
    """When (UTC) the digest is due on the user's local day `day`: the start of their
    prompt window, or 08:00 when the window is all day."""
    start, end = profile.prompt_window_start, profile.prompt_window_end
    send = ALL_DAY_SEND_TIME if start == end else start
    if send < dt.time(profile.day_start_hour):
        day += DAY
    return dt.datetime.combine(day, send, tzinfo=profile.zone).astimezone(dt.UTC)


def due_week(profile: Profile, now: dt.datetime) -> dt.date | None:
    """The start of the week whose digest is due now, or None: it is due on the first day
    of the user's week from digest_at() on, and the week is the one that just ended."""
    today = profile.local_today(now)
    if today.weekday() != profile.week_start or now < digest_at(profile, today):
        return None
    return today - WEEK


def digest_key(week_start: dt.date) -> str:
    return f"digest:{week_start.isoformat()}"


@dataclass
class Summary:
    """What a run of the digests did."""

    checked: int = 0  # users with habits looked at
    due: int = 0  # of which whose digest was due and not yet sent
    sent: int = 0
    failed: list[int] = field(default_factory=list)  # user ids, retried next run

    def fail(self, user_id: int) -> None:
        if user_id not in self.failed:
            self.failed.append(user_id)

    def as_dict(self) -> dict:
        return {"checked": self.checked, "due": self.due, "sent": self.sent, "failed": list(self.failed)}


def send_digests(now: dt.datetime | None = None, *, users=None, batch_size: int = BATCH_SIZE) -> dict:
    """Send each user whose digest is due the digest of the week that just ended, once.
    `users` (a User queryset) limits the run. Safe to run twice, at once, or late."""
    now = now or timezone.now()
    summary = Summary()
    habits = Habit.objects.alive().exclude(status=Habit.Status.ARCHIVED)
    candidates = (users if users is not None else get_user_model().objects.all()).filter(
        Exists(habits.filter(user=OuterRef("pk"))), is_active=True
    )
    for page in pages(candidates.select_related("profile"), batch_size):
        summary.checked += len(page)
        _send_batch(page, habits, now, summary)
    return summary.as_dict()


def _send_batch(users: list, habits, now: dt.datetime, summary: Summary) -> None:
    due = {}
    for user in users:
        try:
            week = due_week(user.profile, now)
        except NEVER_SWALLOWED:
            raise
        except Exception:
            logger.exception("send_digests: planning failed for user %s", user.pk)
            summary.fail(user.pk)
            continue
        if week is not None:
            due[user.pk] = (user, week)
    if not due:
        return
    # Who started a habit by their week's end, and who already has this week's digest
    # (two queries for the batch).
    first_start = dict(
        habits.filter(user_id__in=due)
        .values("user_id")
        .annotate(first=Min("start_date"))
        .values_list("user_id", "first")
    )
    sent = set(
        Notification.objects.filter(
            user_id__in=due, key__in={digest_key(week) for _, week in due.values()}
        ).values_list("user_id", "key")
    )
    for user, week in due.values():
        if (user.pk, digest_key(week)) in sent:
            continue
        if first_start.get(user.pk, dt.date.max) > week + 6 * DAY:
            continue  # nothing to tell about that week
        summary.due += 1
        try:
            if send_digest(user, week, now=now):
                summary.sent += 1
        except NEVER_SWALLOWED:
            raise
        except Exception:
            logger.exception("send_digests: sending failed for user %s", user.pk)
            summary.fail(user.pk)


def send_digest(user, week_start: dt.date, *, now: dt.datetime | None = None) -> bool:
    """Build and send one digest; False when this week's digest was already sent."""
    digest = build_digest(user, week_start, now=now)
    notification = notify(
        user,
        "digest",
        title=digest.title,
        body=digest.summary_text(),
        url=reverse("habits:dashboard"),
        key=digest_key(week_start),
        now=now,
        email_template=EMAIL_TEMPLATE,
        email_context={"digest": digest},
    )
    return notification is not None
