"""Goal progress: current value = manual entries + Σ weight × value over done occurrences
of linked habits on or after the goal's start date (value 1 for yes/no habits).

A log moves the linked goals by weight × the change in what that day counts
(`apply_day_change`, inside the commit step's transaction: one query, none when nothing
changed); anything else it depends on (an entry, a link or weight, the target or start
date) recomputes the goal from scratch (`refresh_goals`), and the property tests check the
two always agree. Both return completion transitions for the commit step to settle XP.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DecimalField, F, Sum, Value, When

from habits.models import Habit, Occurrence
from habits.services import DayChange, DayState
from habitstory.billing import limits
from habitstory.billing.models import Kind

from .models import Goal, GoalEntry, GoalHabit

MAX_ENTRY = Decimal("9999999999.99")  # GoalEntry.amount's largest
CENT = Decimal("0.01")


def contribution(goal_ids: list[int]) -> dict[int, Decimal]:
    """Σ weight × value per goal over done occurrences of its linked habits since its start
    (one query for any number of goals)."""
    value = Case(
        When(habit__kind=Habit.Kind.YES_NO, then=Value(Decimal(1))),
        default=F("habit__occurrences__value"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    rows = (
        GoalHabit.objects.filter(
            goal_id__in=goal_ids,
            habit__deleted_at__isnull=True,
            habit__occurrences__status=Occurrence.Status.DONE,
            habit__occurrences__on__gte=F("goal__start_date"),
        )
        .values("goal_id")
        .annotate(total=Sum(F("weight") * value, output_field=DecimalField(max_digits=20, decimal_places=4)))
    )
    return {row["goal_id"]: row["total"] or Decimal(0) for row in rows}


def manual(goal_ids: list[int]) -> dict[int, Decimal]:
    rows = GoalEntry.objects.filter(goal_id__in=goal_ids).values("goal_id").annotate(total=Sum("amount"))
    return {row["goal_id"]: row["total"] or Decimal(0) for row in rows}


def refresh_goals(goals: list[Goal], *, now: dt.datetime) -> list[tuple[Goal, str]]:
    """Recompute these goals; returns [(goal, "completed" | "reopened")] for those that
    crossed their target. Completion is stamped once; going back under the target reopens
    the goal (and the next completion is a new cycle)."""
    if not goals:
        return []
    ids = [goal.pk for goal in goals]
    habits, entries = contribution(ids), manual(ids)
    transitions = []
    for goal in goals:
        goal.current_value = (habits.get(goal.pk, Decimal(0)) + entries.get(goal.pk, Decimal(0))).quantize(
            Decimal("0.01")
        )
        transitions += _settle(goal, now)
    return transitions


def _counted(habit: Habit, state: DayState | None) -> Decimal:
    """What one day of a habit adds to a goal per unit of weight."""
    if state is None or state.status != Occurrence.Status.DONE:
        return Decimal(0)
    if habit.kind == Habit.Kind.YES_NO:
        return Decimal(1)
    return Decimal(state.value or 0)


def apply_day_change(change: DayChange, *, now: dt.datetime) -> list[tuple[Goal, str]]:
    """The commit step's goal update for one day of a habit: linked goals that count that
    day move by weight × (what the day counts now − what it counted before). Nothing to do
    (no query) when the day's contribution did not change."""
    delta = _counted(change.habit, change.after) - _counted(change.habit, change.before)
    if not delta:
        return []
    links = list(
        GoalHabit.objects.select_for_update(of=("goal",)).select_related("goal")
        .filter(habit=change.habit, goal__start_date__lte=change.on).order_by("goal_id")
    )
    transitions = []
    for link in links:
        goal = link.goal
        goal.current_value = (goal.current_value + link.weight * delta).quantize(Decimal("0.01"))
        transitions += _settle(goal, now)
    return transitions


def completed_count(user) -> int:
    """How many of the user's goals are complete now."""
    return Goal.objects.filter(user=user, completed_at__isnull=False).count()


def lock(goal: Goal) -> Goal:
    """The goal's row, locked (the commit step takes it after the user's profile)."""
    return Goal.objects.select_for_update().get(pk=goal.pk)


def _settle(goal: Goal, now: dt.datetime) -> list[tuple[Goal, str]]:
    reached = goal.current_value >= goal.target_value
    transition = []
    if reached and goal.completed_at is None:
        goal.completed_at = now
        goal.completion_cycle += 1
        transition = [(goal, "completed")]
    elif not reached and goal.completed_at is not None:
        goal.completed_at = None
        transition = [(goal, "reopened")]
    goal.save(update_fields=["current_value", "completed_at", "completion_cycle", "updated_at"])
    return transition


def add_entry(goal: Goal, amount, note: str, *, today: dt.date, now: dt.datetime) -> list[tuple[Goal, str]]:
    try:
        amount = Decimal(str(amount))
    except ArithmeticError:
        raise ValidationError({"amount": "Enter a number, such as 5 or -2.5."}) from None
    # Checked as stored, to the cent: 0.001 is 0.00, refused like 0.
    if not amount.is_finite() or abs(amount) > MAX_ENTRY or amount.quantize(CENT) == 0:
        raise ValidationError({"amount": "Enter a number other than 0 (up to 9,999,999,999.99)."})
    note = (note or "").strip()
    try:
        GoalEntry._meta.get_field("note").run_validators(note)
    except ValidationError as error:
        raise ValidationError({"note": error.messages}) from None
    GoalEntry.objects.create(goal=goal, amount=amount.quantize(CENT), note=note, on=today)
    return refresh_goals([goal], now=now)


def link_habit(goal: Goal, habit: Habit, weight) -> tuple[GoalHabit, bool]:
    """Link a habit (or change its weight). Callers go through the commit step
    (habitstory.story.goals.commit_link), which recomputes the goal."""
    weight = Decimal(str(weight))
    if not weight.is_finite() or weight <= 0:
        raise ValidationError({"weight": "The weight must be more than 0."})
    return GoalHabit.objects.update_or_create(goal=goal, habit=habit, defaults={"weight": weight})


def unlink_habit(goal: Goal, habit: Habit) -> bool:
    deleted, _ = GoalHabit.objects.filter(goal=goal, habit=habit).delete()
    return bool(deleted)


def active_count(user) -> int:
    """The user's goals not completed (billing's "goals" count: Free has a limit on them)."""
    return Goal.objects.filter(user_id=user.pk, completed_at__isnull=True).count()


def save_goal(goal: Goal) -> Goal:
    """Validate and save a new goal with no progress yet (its links and entries come
    after, through the commit step or a seed's refresh_goals). A Free account at its
    limit of active goals is refused (PlanLimitReached) before anything is written."""
    goal.full_clean()
    with transaction.atomic():
        limits.ensure_can_add(goal.user, Kind.GOALS)
        goal.save()
    return goal


def save_changes(goal: Goal, fields: list[str]) -> Goal:
    """Save a goal's settings (`fields`, already set on the locked instance). A completed
    goal that a new target or start date would take back under its target is reopened by
    that: on Free, only while there is room for one more active goal (PlanLimitReached
    otherwise, and nothing is written). Progress and completion are refresh_goals' to write."""
    goal.save(update_fields=[*fields, "updated_at"])
    if goal.completed_at is not None and limits.enabled() and not limits.is_premium(goal.user) and _would_reopen(goal):
        limits.ensure_can_add(goal.user, Kind.GOALS)
    return goal


def _would_reopen(goal: Goal) -> bool:
    value = contribution([goal.pk]).get(goal.pk, Decimal(0)) + manual([goal.pk]).get(goal.pk, Decimal(0))
    return value < goal.target_value


def delete_goal(goal: Goal) -> None:
    """Delete a goal with its entries and links. Callers go through the commit step
    (habitstory.story.goals.commit_goal_delete), which takes back its completion XP."""
    goal.delete()
