"""Achievement rules, checked inside the commit step. Only the kinds a change can affect
are looked at, each with at most one small query; unlocks are never taken back."""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Max, Q, Sum

from habits import services as habit_services
from habits.models import Habit, Occurrence

from .models import Achievement, UserAchievement


def definitions(user) -> tuple[list[Achievement], set[int]]:
    """Active definitions and the ids this user has already unlocked (two queries)."""
    active = list(Achievement.objects.filter(active=True))
    unlocked = set(UserAchievement.objects.filter(user=user).values_list("achievement_id", flat=True))
    return active, unlocked


def check(user, *, today: dt.date, now: dt.datetime, level: int, outcome, habit: Habit | None = None,
          on: dt.date | None = None, action: str | None = None) -> list[Achievement]:
    """Unlock what this change earned; returns the new unlocks."""
    # What is still locked for this user, in one query.
    candidates = list(Achievement.objects.filter(active=True).exclude(unlocks__user=user))
    if not candidates:
        return []
    ticked = (
        habit is not None and outcome.occurrence is not None
        and outcome.occurrence.status == Occurrence.Status.DONE and action in ("done", "value", "plus")
    )
    facts = _Facts(user, today, now, level, habit, on, ticked, outcome)
    earned = [a for a in candidates if facts.meets(a)]
    # The commit holds the user's profile lock, so nothing else unlocks for them meanwhile.
    UserAchievement.objects.bulk_create(UserAchievement(user=user, achievement=a) for a in earned)
    return earned


class _Facts:
    """Lazily computed facts about the user, each at most once per check."""

    def __init__(self, user, today, now, level, habit, on, ticked, outcome):
        self.user, self.today, self.now, self.level = user, today, now, level
        self.habit, self.on, self.ticked, self.outcome = habit, on, ticked, outcome
        self._cache: dict[str, object] = {}

    def _once(self, name, compute):
        if name not in self._cache:
            self._cache[name] = compute()
        return self._cache[name]

    def total_ticks(self) -> int:
        return self._once("ticks", lambda: Habit.objects.filter(user=self.user).aggregate(n=Sum("total_done"))["n"] or 0)

    def goals_completed(self) -> int:
        from goals.models import Goal

        return self._once("goals", lambda: Goal.objects.filter(user=self.user, completed_at__isnull=False).count())

    def perfect_day(self, day: dt.date) -> bool:
        def compute():
            rows = self.outcome.rows if self.outcome.rows is not None else habit_services.today_rows(self.user, day)
            return bool(rows) and all(row.is_done or row.status == Occurrence.Status.SKIPPED for row in rows)

        return self._once(f"perfect:{day}", compute)

    def perfect_week(self) -> bool:
        """The user's week that ends today was perfect: every expected day done (skips
        excused; N per week: N done)."""
        def compute():
            start, end = habit_services.week_bounds(self.today, self.user.profile.week_start)
            if end != self.today:
                return False
            habits = list(Habit.objects.for_user(self.user).filter(status=Habit.Status.ACTIVE, start_date__lte=start))
            if not habits:
                return False
            states = dict(
                ((h, d), s) for h, d, s in Occurrence.objects.filter(habit__in=habits, on__range=(start, end))
                .values_list("habit_id", "on", "status")
            )
            for habit in habits:
                days = [start + dt.timedelta(days=n) for n in range(7)]
                done = sum(states.get((habit.pk, d)) == Occurrence.Status.DONE for d in days)
                if habit.is_per_week:
                    if done < (habit.times_per_week or 0):
                        return False
                    continue
                for day in days:
                    if habit.is_scheduled_on(day) and states.get((habit.pk, day)) not in (
                        Occurrence.Status.DONE, Occurrence.Status.SKIPPED,
                    ):
                        return False
            return True

        return self._once("perfect-week", compute)

    def pillar_balance(self, threshold: int) -> bool:
        def compute():
            rows = (
                Habit.objects.for_user(self.user)
                .filter(status=Habit.Status.ACTIVE, pillar__isnull=False, consistency__isnull=False)
                .values("pillar_id").annotate(avg=Avg("consistency"))
            )
            return [row["avg"] for row in rows]

        averages = self._once("pillars", compute)
        return len(averages) >= 2 and all(avg >= threshold for avg in averages)

    def meets(self, achievement: Achievement) -> bool:
        kind, threshold = achievement.kind, achievement.threshold
        if kind == Achievement.Kind.LEVEL:
            return self.level >= threshold
        if kind == Achievement.Kind.GOALS_COMPLETED:
            return bool(self.outcome.goals_completed) and self.goals_completed() >= threshold
        if not self.ticked:
            return False
        if kind == Achievement.Kind.FIRST_TICK:
            return self.total_ticks() >= 1
        if kind == Achievement.Kind.TOTAL_TICKS:
            return self.total_ticks() >= threshold
        if kind == Achievement.Kind.HABIT_STREAK:
            return self.habit.current_streak >= threshold
        if kind == Achievement.Kind.PERFECT_DAY:
            return self.on == self.today and self.perfect_day(self.today)
        if kind == Achievement.Kind.PERFECT_WEEK:
            return self.on == self.today and self.perfect_week()
        if kind == Achievement.Kind.PILLAR_BALANCE:
            return self.pillar_balance(threshold)
        if kind == Achievement.Kind.EARLY_BIRD:
            local = self.user.profile.local_now(self.now)
            return self.on == self.today and local.hour < threshold
        return False


def progress_facts(user, kinds=None) -> dict[str, int]:
    """The numbers `progress` reads, computed once for a whole page: at most two queries
    (one over habits, one over goals), and only those `kinds` (default: all) need."""
    kinds = set(Achievement.Kind if kinds is None else kinds)
    facts = {"level": user.profile.level}
    if kinds & {Achievement.Kind.TOTAL_TICKS, Achievement.Kind.FIRST_TICK, Achievement.Kind.HABIT_STREAK}:
        row = Habit.objects.filter(user=user).aggregate(
            ticks=Sum("total_done"), best=Max("current_streak", filter=Q(deleted_at__isnull=True))
        )
        facts["ticks"], facts["best_streak"] = row["ticks"] or 0, row["best"] or 0
    if Achievement.Kind.GOALS_COMPLETED in kinds:
        from goals.models import Goal

        facts["goals"] = Goal.objects.filter(user=user, completed_at__isnull=False).count()
    return facts


def progress(user, achievement: Achievement, facts: dict[str, int] | None = None) -> tuple[int, int] | None:
    """(current, threshold) for a locked achievement's progress bar, where it has one.
    Pass `progress_facts(user)` when showing many, so they share its queries."""
    kind, threshold = achievement.kind, achievement.threshold
    if facts is None:
        facts = progress_facts(user, [kind])
    current = {
        Achievement.Kind.TOTAL_TICKS: "ticks",
        Achievement.Kind.FIRST_TICK: "ticks",
        Achievement.Kind.HABIT_STREAK: "best_streak",
        Achievement.Kind.LEVEL: "level",
        Achievement.Kind.GOALS_COMPLETED: "goals",
    }.get(kind)
    if current is None:
        return None
    return min(facts[current], threshold), threshold
