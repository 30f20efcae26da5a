"""The facts gamification's achievements read (gamification.achievements.Facts), taken
from habits and goals: each computed at most once per commit, and only when a rule
that is still locked asks for it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from gamification.achievements import PROGRESS_FACTS
from goals import services as goal_services
from habits import today_list, totals
from habits.services import DayChange
from quests.models import Quest


class CommitFacts:
    """gamification.achievements.Facts for one commit of `user` (profile loaded)."""

    def __init__(self, user, today: dt.date, now: dt.datetime, *, change: DayChange | None = None,
                 ticked: bool = False, snapshot: today_list.Recent | None = None,
                 rows: list[today_list.TodayRow] | None = None, goal_completed: bool = False,
                 quest_completed: bool = False) -> None:
        self.ticked = ticked
        self.on_today = change is not None and change.on == today
        self.streak = change.habit.current_streak if change is not None else 0
        self.local_hour = user.profile.local_now(now).hour
        self.goal_completed = goal_completed
        self.quest_completed = quest_completed
        self._user, self._today, self._snapshot, self._rows = user, today, snapshot, rows
        self._known: dict[str, object] = {}

    def _once(self, name: str, compute: Callable[[], object]):
        if name not in self._known:
            self._known[name] = compute()
        return self._known[name]

    def total_ticks(self) -> int:
        if self._snapshot is not None and self._snapshot.total_ticks is not None:
            return self._snapshot.total_ticks  # read with the snapshot's habits
        return self._once("ticks", lambda: totals.total_ticks(self._user))

    def goals_completed(self) -> int:
        return self._once("goals", lambda: goal_services.completed_count(self._user))

    def quests_completed(self) -> int:
        return self._once("quests", lambda: quests_done(self._user))

    def quests_completed_today(self) -> int:
        return self._once("quests_today", lambda: quests_done(self._user, on=self._today))

    def perfect_day(self) -> bool:
        def compute() -> bool:
            rows = self._rows if self._rows is not None else today_list.today_rows(self._user, self._today)
            return today_list.day_progress(rows)["perfect"]  # the rule Today's total shows

        return self._once("perfect_day", compute)

    def perfect_week(self) -> bool:
        return self._once("perfect_week", lambda: totals.week_is_perfect(self._user, self._today))

    def pillar_averages(self) -> list[float]:
        if self._snapshot is not None:
            return self._snapshot.pillar_averages()  # the snapshot holds every active habit
        return self._once("pillars", lambda: totals.pillar_averages(self._user))


def progress_facts(user, kinds=None) -> dict[str, int]:
    """The numbers achievement progress bars count (gamification.achievements.progress),
    for a whole page at once: at most three queries, and only those `kinds` (default: all
    with a bar) need."""
    wanted = {PROGRESS_FACTS[kind] for kind in (PROGRESS_FACTS if kinds is None else kinds) if kind in PROGRESS_FACTS}
    facts = {"level": user.profile.level}
    if wanted & {"ticks", "best_streak"}:
        facts["ticks"], facts["best_streak"] = totals.ticks_and_best_streak(user)
    if "goals" in wanted:
        facts["goals"] = goal_services.completed_count(user)
    if "quests" in wanted:
        facts["quests"] = quests_done(user)
    return facts


def quests_done(user, *, on: dt.date | None = None) -> int:
    """How many of the user's quests are done now (those completed on the local day `on`)."""
    done = Quest.objects.filter(user=user, status=Quest.Status.DONE)
    return (done if on is None else done.filter(completed_on=on)).count()
