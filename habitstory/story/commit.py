"""The commit step (docs/architecture.md): every change to a habit's day, from Today, the
habit's calendar and day editor, the API and the scheduler, goes through `commit()` or
`commit_day()`.

In one transaction, under the user's profile lock (the one lock that orders a user's
commits: profile, then habit and day, then goals): habits applies the change and returns
a `DayChange`; goals, then quests, then gamification each apply it to their own tables
and return plain results. After the transaction the story renders once (the row, the
progress card, the XP bar) and turns the outcome into news: live events for the other
tabs, toasts and flash messages, and one notification. Undo is the same step, with
compensating ledger entries; doing it twice, or from two tabs at once, leaves the state
of doing it once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from gamification import rules as gamification_rules
from gamification import services as gamification
from gamification.pets import Activity
from gamification.proofs import Proof
from goals import services as goal_services
from goals.models import Goal
from habits import services as habit_services
from habits import today_cache, today_list
from habits.models import Habit
from habits.services import DayChange
from habitstory import live
from habitstory.accounts.models import Profile
from habitstory.insights import state as insights_state
from habitstory.notifications.models import Notification
from habitstory.notifications.services import render_bell
from quests import services as quest_services
from quests.models import Quest
from verification import services as verification_services

from . import news as news_
from . import render
from .facts import CommitFacts

TICKING_ACTIONS = ("done", "value", "plus")  # a day done by one of these counts as a tick


@dataclass
class Outcome:
    """What a commit changed, for the caller's answer and the news."""

    profile: Profile  # as the commit left it
    rewards: gamification.Rewards
    change: DayChange | None = None
    goals_completed: list[Goal] = field(default_factory=list)
    goals_reopened: list[Goal] = field(default_factory=list)
    quests_completed: list[Quest] = field(default_factory=list)
    quests_reopened: list[Quest] = field(default_factory=list)  # reopened or abandoned after done (XP back)
    quests_unlocked: list[Quest] = field(default_factory=list)  # dependents whose last dependency got done
    quests_ready: list[Quest] = field(default_factory=list)  # all objectives done, awaiting "Complete?"
    proof_news: list[news_.News] = field(default_factory=list)  # a proof decided (story.verification)
    rows: list[today_list.TodayRow] | None = None  # Today's rows after the change, when the day is today
    result: object = None  # what a goal change returned
    news: list[news_.News] = field(default_factory=list)
    notification: Notification | None = None  # the news told in the inbox (and by push, e-mail)
    row_html: str = ""  # the changed Today row (out-of-band), rendered once for every tab
    progress_html: str = ""  # Today's progress card (out-of-band)
    xp_html: str = ""  # the XP bar (out-of-band)
    bell_html: str = ""  # the bell, when the news reached the inbox (out-of-band)

    @property
    def occurrence(self):
        return self.change.occurrence if self.change is not None else None

    @property
    def habit(self) -> Habit | None:
        return self.change.habit if self.change is not None else None

    @property
    def xp(self) -> int:
        return self.rewards.xp

    @property
    def level_after(self) -> int:
        return self.rewards.level_after

    @property
    def levelled_up(self) -> bool:
        return self.rewards.levelled_up

    @property
    def unlocked(self) -> list:
        return self.rewards.unlocked

    def row(self) -> today_list.TodayRow | None:
        """The changed habit's Today row (None when the day is not today)."""
        if self.rows is None or self.change is None:
            return None
        found = next((row for row in self.rows if row.habit.pk == self.change.habit.pk), None)
        return found or today_list.today_row(self.change.habit, self.change.on)


def commit(habit: Habit, on: dt.date, action: str, *, value=None, note: str | None = None,
           now: dt.datetime | None = None) -> Outcome:
    """One action (habits.services.ACTIONS) on a habit's day and everything that follows.
    `habit` may be a reference, Habit(pk=…, user=…): it is read under the lock, as the
    user's own alive habit (Habit.DoesNotExist otherwise)."""
    if action not in habit_services.ACTIONS:
        raise ValidationError({"action": f"Unknown action {action!r}."})

    def change(locked: Habit, now: dt.datetime) -> DayChange:
        return habit_services.change_day(locked, on, action, value=value, note=note, now=now)

    return _commit_day(habit, change, ticking=action in TICKING_ACTIONS, now=now)


def commit_day(habit: Habit, on: dt.date, status: str, *, value=None, note: str = "",
               now: dt.datetime | None = None) -> Outcome:
    """The day editor's form: the whole day (done, skipped or open, the amount, the note)
    in one commit. A failure leaves the day as it was."""

    def change(locked: Habit, now: dt.datetime) -> DayChange:
        return habit_services.set_day(locked, on, status, value=value, note=note, now=now)

    return _commit_day(habit, change, ticking=True, now=now)


def commit_proof(habit: Habit, on: dt.date, state: str, *, now: dt.datetime | None = None,
                 proving: Proving | None = None) -> Outcome:
    """A proof's state on a habit's day (habits.services.set_proof: pending makes the day
    done, rejected takes it back) and everything that follows; `proving(change)` runs in
    the same transaction (story.verification: the submission, the bonus, the news)."""

    def change(locked: Habit, now: dt.datetime) -> DayChange:
        return habit_services.set_proof(locked, on, state, now=now)

    return _commit_day(habit, change, ticking=state == "pending", now=now, proving=proving)


@dataclass
class ProofStep:
    """What a proof did inside a commit: the XP it moves, and its news."""

    verified: list[Proof] = field(default_factory=list)
    news: list[news_.News] = field(default_factory=list)


Proving = Callable[[DayChange], ProofStep]


def withdrawn_proofs(change: DayChange, now: dt.datetime) -> ProofStep:
    """A done day taken back with a proof (pending or approved): the proof is withdrawn,
    and an approved one's bonus goes back with the tick's XP."""
    if not (change.was_done and not change.is_done and change.proof and change.occurrence is not None):
        return ProofStep()
    withdrawn = verification_services.withdraw(change.occurrence, now=now)
    return ProofStep([Proof(s.pk, s.occurrence_id, s.cycle, approved=False) for s in withdrawn if s.state == "approved"])


def lock_user(user_id: int) -> Profile:
    """Every commit for a user starts here: the profile row is the user's lock, so their
    commits (ticks on different habits, goal entries) run one after another and always
    take their locks in the same order (profile, habit, occurrence, goals)."""
    # The pet rides along (gamification moves it in the same commit): one query, one lock.
    return Profile.objects.select_for_update(of=("self",)).select_related("user", "user__pet").get(user_id=user_id)


def _commit_day(habit: Habit, change_day: Callable[[Habit, dt.datetime], DayChange], *, ticking: bool,
                now: dt.datetime | None, proving: Proving | None = None) -> Outcome:
    now = now or timezone.now()
    with transaction.atomic(), today_cache.batched():
        profile = lock_user(habit.user_id)
        user = habit.user = profile.user
        today = profile.local_today(now)
        change = change_day(habit, now)  # locks the habit and the day
        proof = proving(change) if proving is not None else withdrawn_proofs(change, now)
        transitions = goal_services.apply_day_change(change, now=now)
        quest_transitions = quest_services.apply_day_change(change, today=today, now=now)
        recent = today_list.recent(user, today)
        rows = today_list.today_rows(user, today, recent) if change.on == today else None
        completed = [goal for goal, what in transitions if what == "completed"]
        quests = quest_outcome(quest_transitions)
        facts = CommitFacts(user, today, now, change=change, ticked=ticking and change.is_done, snapshot=recent,
                            rows=rows, goal_completed=bool(completed), quest_completed=bool(quests["quests_completed"]))
        rewards = gamification.settle(
            profile, today, tick=_tick(change), goals=goal_changes(transitions),
            quests=quest_changes(quest_transitions, profile, now), facts=facts,
            activity=Activity(today, *today_list.week_activity(recent)), verified=proof.verified,
        )
        outcome = Outcome(profile, rewards, change, completed, reopened_goals(transitions), rows=rows,
                          proof_news=proof.news, **quests)
        tell(outcome, now)
    insights_state.bump(profile.user_id)  # the day's habits are features: cached forecasts go (no query)
    finish(outcome)
    return outcome


def _tick(change: DayChange) -> gamification.Tick | None:
    occurrence = change.occurrence
    if occurrence is None:
        return None
    return gamification.Tick(
        occurrence_id=occurrence.pk, cycle=occurrence.xp_cycle, difficulty=change.habit.difficulty,
        streak=change.habit.current_streak, on=change.on, was_done=change.was_done, is_done=change.is_done,
    )


def goal_changes(transitions: list[tuple[Goal, str]]) -> list[gamification.GoalChange]:
    return [gamification.GoalChange(goal.pk, goal.completion_cycle, what == "completed") for goal, what in transitions]


def reopened_goals(transitions: list[tuple[Goal, str]]) -> list[Goal]:
    return [goal for goal, what in transitions if what == "reopened"]


def quest_changes(transitions: list[tuple[Quest, str]], profile: Profile,
                  now: dt.datetime) -> list[gamification.QuestChange]:
    """The quests' transitions as gamification's facts: a completion earns the quest's
    reward (less when late, in the user's zone), a reopening or a deletion after it was
    done takes it back."""
    changes = []
    for quest, what in transitions:
        if what == "completed":
            late = completed_late(quest, profile, now)
            changes.append(gamification.QuestChange(quest.pk, quest.completion_cycle, True, quest.xp_reward, late))
        elif what in ("reopened", "deleted"):
            changes.append(gamification.QuestChange(quest.pk, quest.completion_cycle, False))
    return changes


def completed_late(quest: Quest, profile: Profile, now: dt.datetime | None = None) -> bool:
    """A done quest completed after it was due, in the user's zone (docs/rules.md, "Quests")."""
    at = quest.completed_at or now or timezone.now()
    on = quest.completed_on or profile.local_today(at)
    return gamification_rules.quest_is_late(quest.due_date, quest.due_time, on, profile.local_now(at))


def quest_outcome(transitions: list[tuple[Quest, str]]) -> dict[str, list[Quest]]:
    """The quests' transitions as Outcome's lists (a deleted quest is in none)."""
    lists = {"completed": [], "reopened": [], "unlocked": [], "ready": []}
    for quest, what in transitions:
        if what in lists:
            lists[what].append(quest)
    return {f"quests_{what}": quests for what, quests in lists.items()}


# --- the news -----------------------------------------------------------------------------------

def tell(outcome: Outcome, now: dt.datetime) -> None:
    """Inside the commit's transaction: its news, and the one notification they make."""
    outcome.news = news_of(outcome)
    outcome.notification = news_.notify_news(outcome.profile.user, outcome.news, now=now)


def news_of(outcome: Outcome) -> list[news_.News]:
    """The commit's news, in the order they are told: level, goals, quests, achievements."""
    items = [news_.level_up(outcome.level_after)] if outcome.levelled_up else []
    items += [news_.goal_completed(goal.pk, goal.completion_cycle, goal.name) for goal in outcome.goals_completed]
    items += [news_.goal_reopened(goal.pk, goal.completion_cycle, goal.name) for goal in outcome.goals_reopened]
    items += [news_.quest_completed(q.pk, q.completion_cycle, q.title, late=completed_late(q, outcome.profile))
              for q in outcome.quests_completed]
    items += [news_.quest_reopened(q.pk, q.completion_cycle, q.title) for q in outcome.quests_reopened]
    items += [news_.quest_unlocked(q.pk, q.title) for q in outcome.quests_unlocked]
    items += [news_.quest_ready(q.pk, q.completion_cycle, q.title) for q in outcome.quests_ready]
    items += [news_.achievement_unlocked(a.code, a.name) for a in outcome.unlocked]
    return outcome.proof_news + items


def finish(outcome: Outcome) -> None:
    """Once the commit's transaction is over: the fragments, rendered once, and the live
    message for the other tabs (sent when the outermost transaction commits)."""
    profile, change = outcome.profile, outcome.change
    if outcome.rows is not None:
        outcome.row_html = render.row_html(outcome.row(), change.on)
        outcome.progress_html = render.progress_html(outcome.rows)
    outcome.xp_html = gamification.xp_bar_html(profile, oob=True)
    if outcome.notification is not None and outcome.notification.in_app:
        outcome.bell_html = render_bell(profile.user_id, oob=True, cached=True)
    events: list[tuple[str, dict]] = []
    if change is not None:
        if outcome.row_html:
            events.append(("habit_logged", {"habit_id": change.habit.pk, "html": outcome.row_html + outcome.progress_html}))
        else:
            events.append(("streak_update", {"habit_id": change.habit.pk}))
    if outcome.xp:
        events.append(("xp_gained", {"amount": outcome.xp, "html": outcome.xp_html}))
    events += news_.live_events(outcome.news)
    if outcome.bell_html:
        events.append(("notification", {"html": outcome.bell_html}))  # no message: the news made the toasts
    live.publish_many(profile.user_id, events)
