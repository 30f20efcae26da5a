"""The commit step (DESIGN.md §3): every log and undo of a habit, from Today, the habit's
calendar, the API and the scheduler, goes through `commit()`.

In one transaction it locks the habit (and, through habits.services, the day's
occurrence), applies the change and the habit's statistics, appends XP events, moves the
profile's XP, level and today's XP and the pet, feeds goals (and, when they land, quest
objectives) and unlocks achievements. Live events go out after commit. Undo is the same
step: it appends compensating ledger entries. Doing it twice, or from two tabs at once,
leaves the state of doing it once: repeated ticks find nothing to award, and a
(source, reason) pair can be written once only.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone

from goals import services as goal_services
from goals.models import Goal
from habits import services as habit_services
from habits import today_cache
from habits.models import Habit, Occurrence
from habitstory import live
from quests import services as quest_services

from . import achievements, rules
from .models import Pet, PetEvent, XPEvent

logger = logging.getLogger(__name__)

ACTIONS = ("done", "skip", "start", "undo", "value", "plus", "minus")


@dataclass
class Outcome:
    """What a commit changed, for the caller's response and the live events."""

    occurrence: Occurrence | None
    xp: int = 0
    level_before: int = 1
    level_after: int = 1
    goals_completed: list[Goal] = field(default_factory=list)
    goals_reopened: list[Goal] = field(default_factory=list)
    unlocked: list = field(default_factory=list)  # Achievement definitions
    rows: list | None = None  # Today's rows after the change, when the day is today
    result: object = None  # what a goal change returned
    profile: object = None  # the user's profile as the commit left it
    row_html: str = ""  # the changed Today row, rendered once (out-of-band) for every tab
    progress_html: str = ""  # Today's progress card (out-of-band), for the other tabs
    recent: object = None  # habits.services.Recent after the change
    habit: Habit | None = None
    on: dt.date | None = None
    today: dt.date | None = None

    @property
    def levelled_up(self) -> bool:
        return self.level_after > self.level_before

    def row(self):
        """The changed habit's Today row (None when the day is not today)."""
        if self.rows is None or self.habit is None:
            return None
        found = next((row for row in self.rows if row.habit.pk == self.habit.pk), None)
        return found or habit_services.today_row(self.habit, self.on)


# --- the commit step ------------------------------------------------------------------------

def commit(
    habit: Habit,
    on: dt.date,
    action: str,
    *,
    value=None,
    note: str | None = None,
    now: dt.datetime | None = None,
) -> Outcome:
    """Apply one action to a habit's day and everything that follows from it, atomically."""
    if action not in ACTIONS:
        raise ValidationError({"action": f"Unknown action {action!r}."})
    now = now or timezone.now()
    with transaction.atomic(), today_cache.batched():
        profile = _lock_profile(habit.user_id)
        user = profile.user
        habit.user = user
        today = profile.local_today(now)
        occurrence = _apply(habit, on, action, value, note, now)  # locks the habit and the day
        before = getattr(occurrence, "before", None)
        if occurrence is not None and Occurrence.habit.is_cached(occurrence):
            habit = occurrence.habit  # the locked instance, its statistics just rewritten
        else:
            habit.refresh_from_db(fields=habit_services.STAT_FIELDS)
        habit.user = user
        outcome = Outcome(occurrence, level_before=profile.level, habit=habit, on=on, today=today, profile=profile)
        outcome.recent = habit_services.recent(user, today)
        if on == today:
            outcome.rows = habit_services.today_rows(user, today, outcome.recent)
            outcome.row_html = render_row(outcome.row(), today)
            outcome.progress_html = render_progress(outcome.rows)

        before_status = before[0] if before else None
        outcome.xp += _tick_xp(user, habit, occurrence, before_status, on, today)
        after = (occurrence.status, occurrence.value) if occurrence else None
        transitions = goal_services.apply_habit_change(habit, on, before, after, now=now)
        outcome.xp += _goal_xp(user, transitions, today, outcome)
        quest_services.feed_objectives(habit, occurrence, before_status)
        _finish(user, profile, outcome, today, now, habit=habit, on=on, action=action)
    _publish_after_commit(user, outcome)
    return outcome


def _commit_goal(goal: Goal, settle, now: dt.datetime | None) -> Outcome:
    """The commit step for a goal: lock the user (profile) and the goal, let `settle(goal,
    today, now)` change it and return (result, transitions), then XP, achievements, level
    and pet, and the news after commit."""
    now = now or timezone.now()
    with transaction.atomic():
        profile = _lock_profile(goal.user_id)
        user = profile.user
        goal = Goal.objects.select_for_update().get(pk=goal.pk)
        today = profile.local_today(now)
        outcome = Outcome(None, level_before=profile.level)
        outcome.result, transitions = settle(goal, today, now)
        outcome.xp += _goal_xp(user, transitions, today, outcome)
        _finish(user, profile, outcome, today, now)
    _publish_after_commit(user, outcome)
    return outcome


def commit_goal_entry(goal: Goal, amount, note: str = "", *, now: dt.datetime | None = None) -> Outcome:
    """A manual goal entry (+/−) with its consequences: completion, XP, achievements."""
    return _commit_goal(
        goal, lambda g, today, now: (None, goal_services.add_entry(g, amount, note, today=today, now=now)), now
    )


def commit_goal_change(goal: Goal, *, change=None, now: dt.datetime | None = None) -> Outcome:
    """Change a goal's settings or links (`change(goal)`, run under the locks) and settle
    what follows: recompute it, complete or reopen it, move XP."""

    def settle(locked: Goal, today: dt.date, now: dt.datetime):
        result = change(locked) if change else None
        return result, goal_services.refresh_goals([locked], now=now)

    return _commit_goal(goal, settle, now)


def commit_link(goal: Goal, habit: Habit, weight, *, now: dt.datetime | None = None) -> Outcome:
    """Link a habit to a goal (or change its weight); outcome.result is (link, created)."""
    return commit_goal_change(goal, change=lambda g: goal_services.link_habit(g, habit, weight), now=now)


def commit_unlink(goal: Goal, habit: Habit, *, now: dt.datetime | None = None) -> Outcome:
    """Unlink a habit (if linked); outcome.result says whether it was."""
    return commit_goal_change(goal, change=lambda g: goal_services.unlink_habit(g, habit), now=now)


def commit_goal_delete(goal: Goal, *, now: dt.datetime | None = None) -> Outcome:
    """Delete a goal; the XP its completion earned goes with it (otherwise completing and
    deleting goals would mint XP)."""
    now = now or timezone.now()
    with transaction.atomic():
        profile = _lock_profile(goal.user_id)
        user = profile.user
        goal = Goal.objects.select_for_update().get(pk=goal.pk)
        today = profile.local_today(now)
        outcome = Outcome(None, level_before=profile.level)
        if goal.completed_at is not None:
            source = f"goal:{goal.pk}:{goal.completion_cycle}"
            outcome.xp += _compensate(user, source, XPEvent.Reason.GOAL_COMPLETED, XPEvent.Reason.GOAL_REOPENED, today)
        goal.delete()
        _move_profile(profile, outcome, today)
        _move_pet(user, outcome.xp, today)
    _publish_after_commit(user, outcome)
    return outcome


def _lock_profile(user_id: int):
    """Every commit for a user starts here: the profile row is the user's lock, so their
    commits (ticks on different habits, goal entries) run one after another and always
    take their locks in the same order (profile, habit, occurrence, goals)."""
    from habitstory.accounts.models import Profile

    return Profile.objects.select_for_update(of=("self",)).select_related("user").get(user_id=user_id)


def _apply(habit: Habit, on: dt.date, action: str, value, note, now) -> Occurrence | None:
    status = {"done": Occurrence.Status.DONE, "skip": Occurrence.Status.SKIPPED, "start": Occurrence.Status.STARTED}
    if action in status:
        return habit_services.log_occurrence(habit, on, status[action], value=value, note=note, now=now)
    if action == "undo":
        return habit_services.undo_occurrence(habit, on, now=now)
    if action == "value":
        return habit_services.log_value(habit, on, value, note=note, now=now)
    return habit_services.adjust_value(habit, on, 1 if action == "plus" else -1, now=now)


def _finish(user, profile, outcome: Outcome, today: dt.date, now: dt.datetime, **tick) -> None:
    """Achievements, then the profile's and the pet's XP, level and mood."""
    projected = rules.level_for(profile.xp_total + outcome.xp)[0]
    unlocked = achievements.check(user, today=today, now=now, level=projected, outcome=outcome, **tick)
    for achievement in unlocked:
        outcome.xp += _award(user, achievement.xp_reward, XPEvent.Reason.ACHIEVEMENT, f"achievement:{achievement.code}:{user.pk}", today)
    outcome.unlocked = unlocked
    _move_profile(profile, outcome, today)
    outcome.profile = profile
    _move_pet(user, outcome.xp, today, outcome.recent)


# --- XP --------------------------------------------------------------------------------------

def _award(user, amount: int, reason: str, source: str, today: dt.date) -> int:
    """Write one ledger row. The callers only award what is not yet awarded, and the
    profile lock serialises a user's commits; the unique (source, reason) constraint is
    the last line: a double award fails the whole commit rather than counting twice."""
    if not amount:
        return 0
    XPEvent.objects.create(user=user, amount=amount, reason=reason, source=source, on=today)
    return amount


def _compensate(user, source: str, award_reason: str, undo_reason: str, today: dt.date) -> int:
    """Take back what `source` was awarded, once."""
    awarded = XPEvent.objects.filter(source=source, reason=award_reason).values_list("amount", flat=True).first()
    if not awarded:
        return 0
    return _award(user, -awarded, undo_reason, source, today)


def _tick_xp(user, habit: Habit, occurrence: Occurrence | None, before: str | None, on: dt.date, today: dt.date) -> int:
    """XP for a day that became done (today or yesterday only), or back for one undone."""
    if occurrence is None:
        return 0
    was_done = before == Occurrence.Status.DONE
    is_done = occurrence.status == Occurrence.Status.DONE
    if is_done and not was_done:
        if on < today - dt.timedelta(days=1):
            return 0  # backfilled history changes stats, not XP
        cycle = occurrence.xp_cycle + 1
        Occurrence.objects.filter(pk=occurrence.pk).update(xp_cycle=cycle)
        occurrence.xp_cycle = cycle
        amount = rules.tick_xp(habit.difficulty, habit.current_streak)
        return _award(user, amount, XPEvent.Reason.HABIT_DONE, f"occurrence:{occurrence.pk}:{cycle}", today)
    if was_done and not is_done:
        source = f"occurrence:{occurrence.pk}:{occurrence.xp_cycle}"
        return _compensate(user, source, XPEvent.Reason.HABIT_DONE, XPEvent.Reason.HABIT_UNDONE, today)
    return 0


def _goal_xp(user, transitions, today: dt.date, outcome: Outcome) -> int:
    """+100 for each goal completed, back for each one reopened."""
    xp = 0
    for goal, change in transitions:
        source = f"goal:{goal.pk}:{goal.completion_cycle}"
        if change == "completed":
            xp += _award(user, rules.GOAL_XP, XPEvent.Reason.GOAL_COMPLETED, source, today)
            outcome.goals_completed.append(goal)
        elif change == "reopened":
            xp += _compensate(user, source, XPEvent.Reason.GOAL_COMPLETED, XPEvent.Reason.GOAL_REOPENED, today)
            outcome.goals_reopened.append(goal)
    return xp


def _move_profile(profile, outcome: Outcome, today: dt.date) -> None:
    """The profile was locked and read at the start of the commit."""
    profile.xp_total += outcome.xp
    profile.level = rules.level_for(profile.xp_total)[0]
    profile.xp_today = (profile.xp_today if profile.xp_today_on == today else 0) + outcome.xp
    profile.xp_today_on = today
    profile.save(update_fields=["xp_total", "level", "xp_today", "xp_today_on", "updated_at"])
    outcome.level_after = profile.level


def pet_of(user) -> Pet:
    pet, created = Pet.objects.get_or_create(user=user)
    if created:
        PetEvent.objects.create(pet=pet, kind=PetEvent.Kind.HATCHED, detail=f"{pet.name} arrived as an egg.")
    return pet


def _move_pet(user, xp: int, today: dt.date, snapshot=None) -> None:
    """The profile lock already serialises this user's commits."""
    pet = pet_of(user)
    events = []
    if xp:
        pet.xp = max(0, pet.xp + xp)
        level = rules.level_for(pet.xp)[0]
        if level > pet.level:
            events.append(PetEvent(pet=pet, kind=PetEvent.Kind.LEVEL_UP, detail=f"{pet.name} reached level {level}."))
        pet.level = level
        stage = rules.stage_for(level)
        if stage != pet.stage:
            events.append(PetEvent(pet=pet, kind=PetEvent.Kind.STAGE, detail=f"{pet.name} became {stage}."))
            pet.stage = stage
    mood = rules.mood_for(*recent_activity(user, today, snapshot))
    if mood != pet.mood:
        events.append(PetEvent(pet=pet, kind=PetEvent.Kind.MOOD, detail=f"{pet.name} is {mood}."))
        pet.mood = mood
    pet.save(update_fields=["xp", "level", "stage", "mood", "updated_at"])
    if events:
        PetEvent.objects.bulk_create(events)


def recent_activity(user, today: dt.date, snapshot=None) -> tuple[int | None, int | None]:
    """(the last 7 days' consistency over active habits, days since the last done), from
    a habits.services.Recent snapshot (read here when not given)."""
    snapshot = snapshot if snapshot is not None and snapshot.day == today else habit_services.recent(user, today)
    week = [today - dt.timedelta(days=n) for n in range(7)]
    done = {(habit_id, on) for _, habit_id, on, status, *_ in snapshot.occurrences if status == Occurrence.Status.DONE}
    counts = [habit_week(habit, today, {day for day in week if (habit.pk, day) in done}) for habit in snapshot.habits]
    return activity(counts, [habit.last_done_on for habit in snapshot.habits], today)


def habit_week(habit, today: dt.date, done_days: set[dt.date]) -> tuple[int, int]:
    """(expected, done) of one active habit over the 7 days ending today, given its done
    days among them: today still open does not count against; "N per week" expects N and
    counts up to N done days."""
    if habit.is_per_week:
        times = habit.times_per_week or 0
        return times, min(times, len(done_days))
    spec = habit.schedule_spec()
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


def activity(counts: list[tuple[int, int]], last_done: list[dt.date | None], today: dt.date) -> tuple[int | None, int | None]:
    """recent_activity from each habit's (expected, done) and last done day."""
    expected = sum(e for e, _ in counts)
    hits = sum(h for _, h in counts)
    consistency = rules.round_half_up(rules.Fraction(100 * hits, expected)) if expected else None
    last = max((day for day in last_done if day), default=None)
    days_since = (today - last).days if last else None
    return consistency, days_since


# --- rebuilds ----------------------------------------------------------------------------------------

def rebuild_xp(users, progress=None) -> int:
    """Rewrite profiles' XP, level and today's XP, and pets' XP and level, from the ledger.
    Idempotent."""
    from habitstory.accounts.models import Profile

    users = list(users)
    for number, user in enumerate(users, start=1):
        with transaction.atomic():
            profile = Profile.objects.select_for_update().get(user=user)
            today = profile.local_today()
            total = XPEvent.objects.filter(user=user).aggregate(s=Sum("amount"))["s"] or 0
            profile.xp_total = total
            profile.level = rules.level_for(total)[0]
            profile.xp_today = XPEvent.objects.filter(user=user, on=today).aggregate(s=Sum("amount"))["s"] or 0
            profile.xp_today_on = today
            profile.save(update_fields=["xp_total", "level", "xp_today", "xp_today_on", "updated_at"])
            pet = pet_of(user)
            pet.xp = max(0, total)
            pet.level = rules.level_for(pet.xp)[0]
            pet.stage = rules.stage_for(pet.level)
            pet.save(update_fields=["xp", "level", "stage", "updated_at"])
        if progress:
            progress(number, len(users))
    return len(users)


# --- what the header and the live events show ----------------------------------------------------

def render_row(row, day: dt.date, error: str | None = None) -> str:
    """A Today row as an out-of-band fragment: the htmx answer and the live event alike."""
    context = {"row": row, "day": day, "oob": True, "error": error, "sprite": static("icons/nav.svg")}
    return render_to_string("habits/today.html#habit-row", context)


def render_progress(rows) -> str:
    """Today's progress card as an out-of-band fragment."""
    context = {**habit_services.day_progress(rows), "progress_oob": True}
    return render_to_string("habits/today.html#progress", context)


def xp_summary(profile) -> dict:
    today = profile.local_today()
    level, into, need = rules.level_for(profile.xp_total)
    return {
        "total": profile.xp_total,
        "level": level,
        "into": into,
        "need": need,
        "percent": min(100, round(100 * into / need)) if need else 100,
        "today": profile.xp_today if profile.xp_today_on == today else 0,
    }


def xp_bar_html(profile, *, oob: bool = False) -> str:
    return render_to_string("gamification/_xp_bar.html", {"xp": xp_summary(profile), "oob": oob})


def _publish_after_commit(user, outcome: Outcome) -> None:
    """Tell the user's other tabs, in one message, once the transaction has committed: the
    changed row (today) or a streak update, the XP bar, and any level-up, goal or
    achievement news."""
    events: list[tuple[str, dict]] = []
    if outcome.habit is not None:
        if outcome.row_html:
            html = outcome.row_html + outcome.progress_html
            events.append(("habit_logged", {"habit_id": outcome.habit.pk, "html": html}))
        else:
            events.append(("streak_update", {"habit_id": outcome.habit.pk}))
    if outcome.xp:
        profile = outcome.profile or type(user.profile).objects.get(user=user)
        events.append(("xp_gained", {"amount": outcome.xp, "html": xp_bar_html(profile, oob=True)}))
    if outcome.levelled_up:
        events.append(("level_up", {"new_level": outcome.level_after, "tone": "success", "key": f"level:{outcome.level_after}",
                                    "message": f"Level {outcome.level_after}! Your story grows."}))
    for goal in outcome.goals_completed:
        events.append(("goal_completed", {"goal_id": goal.pk, "tone": "success", "key": f"goal:{goal.pk}:{goal.completion_cycle}",
                                          "message": f"Goal complete: {goal.name}"}))
    for achievement in outcome.unlocked:
        events.append(("achievement_unlocked", {"code": achievement.code, "tone": "success", "key": f"achievement:{achievement.code}",
                                                "message": f"Achievement unlocked: {achievement.name}"}))
    live.publish_many(user.pk, events)
