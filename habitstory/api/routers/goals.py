"""/goals: list, create, read, change, delete; link habits with a weight; manual entries;
progress by day.

A goal's current value and completion are never written here: every change that can move
them (a new goal, a new target or start date, a link or weight, an entry) is settled by
habitstory.story.goals.commit_goal_change / commit_goal_entry, in the same transaction
as the change, which also awards (or takes back) the completion XP."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from ninja import Router
from ninja.responses import Status

from habitstory.story.goals import commit_goal_change, commit_goal_delete, commit_goal_entry, commit_link, commit_unlink
from goals import charts
from goals import services as goal_services
from goals.forms import GoalForm, LinkForm
from goals.models import Goal, GoalEntry, GoalHabit

from ..auth import user_of
from ..envelope import invalid, model_error_details, ok, responses
from ..goal_schemas import (
    GOAL_FIELDS,
    GoalEntryIn,
    GoalEntryResult,
    GoalHabitIn,
    GoalIn,
    GoalOut,
    GoalPatch,
    GoalProgressOut,
    goal_data,
    goal_entry_data,
)
from ..pagination import Key, Order, cursor_param, limit_param, ok_page, paged, paginate
from ..queries import habit_for

router = Router(tags=["goals"])

# Fields a PATCH may change; a change to these can move progress and is settled.
EDITABLE = ["name", "description", "target_value", "unit", "start_date", "deadline"]
SETTLES = {"target", "start_date"}
# Open goals first, then by deadline (none last).
GOAL_ORDER = Order("goals", Key("completed_at", nulls="first"), Key("deadline", nulls="last"), Key("id"))


# --- loading --------------------------------------------------------------------------------


def _goals(user):
    """The user's goals with their links to living habits (a deleted habit's link is
    hidden and does not count, as in goals.services.contribution)."""
    links = GoalHabit.objects.filter(habit__deleted_at__isnull=True).order_by("id")
    return Goal.objects.filter(user=user).prefetch_related(Prefetch("links", queryset=links, to_attr="live_links"))


def _goal(user, pk: int, *, links: bool = True) -> Goal:
    goal = (_goals(user) if links else Goal.objects.filter(user=user)).filter(pk=pk).first()
    if goal is None:
        raise Http404("No such goal")
    return goal


def _own(user, pk: int) -> Goal:
    """The user's goal (404 for anyone else's). The commit-step functions lock it, after
    the user's profile, as every commit does."""
    goal = Goal.objects.filter(user=user, pk=pk).first()
    if goal is None:
        raise Http404("No such goal")
    return goal


def _goal_response(user, pk: int) -> dict:
    # Read back as stored and settled: "8.00", the current value, completed_at.
    return ok(goal_data(_goal(user, pk), user.profile.local_today()))


# --- validation -----------------------------------------------------------------------------


def _form_details(form) -> dict[str, list[str]]:
    return {
        GOAL_FIELDS.get(field, "non_field_errors" if field == "__all__" else field): list(errors)
        for field, errors in form.errors.items()
    }


def _validated(user, goal: Goal | None, data: dict, today: dt.date) -> Goal:
    """The goal with the fields sent (API names) applied and checked by goals.forms.GoalForm
    (the web form's rules: a name, a target more than 0, a start date from 2000 to a year
    ahead, a deadline on or after the start), not saved. All the problems at once, as a
    400 naming the API's fields."""
    fields = {
        "name": goal.name if goal else "",
        "description": goal.description if goal else "",
        "target_value": goal.target_value if goal else None,
        "unit": goal.unit if goal else "",
        "start_date": goal.start_date if goal else today,
        "deadline": goal.deadline if goal else None,
    }
    for field in ("name", "description", "deadline"):
        if field in data:
            fields[field] = data[field]
    if data.get("start_date") is not None:
        fields["start_date"] = data["start_date"]
    if "target" in data:
        fields["target_value"] = data["target"]["value"]
        fields["unit"] = data["target"].get("unit", "")  # PATCH: exclude_unset drops the default
    form = GoalForm(fields, instance=goal, user=user, today=today)
    if not form.is_valid():
        raise invalid(_form_details(form))
    return form.save(commit=False)


# --- goals ----------------------------------------------------------------------------------


@router.get("/goals", response=paged(GoalOut), summary="List your goals")
def list_goals(request: HttpRequest, status: Literal["open", "completed"] | None = None,
               cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Open goals first, then by deadline (none last), a page at a time (`meta.next`).
    Filter with `?status=open|completed`."""
    goals = _goals(user_of(request))
    if status:
        goals = goals.filter(completed_at__isnull=status == "open")
    page = paginate(goals, GOAL_ORDER, cursor, limit)
    today = user_of(request).profile.local_today()
    return ok_page([goal_data(goal, today) for goal in page.items], page)


@router.post("/goals", response=responses(GoalOut, 201, body=True), summary="Create a goal")
def create_goal(request: HttpRequest, payload: GoalIn):
    """`target.value` more than 0; `start_date` defaults to your local today (done days of
    linked habits count from it); `deadline`, if any, on or after it."""
    user = user_of(request)
    today = user.profile.local_today()
    goal = _validated(user, None, payload.model_dump(), today)
    with transaction.atomic():
        goal_services.save_goal(goal)  # Free at its limit of active goals: 403 plan_limit
        commit_goal_change(goal)
    return Status(201, _goal_response(user, goal.pk))


@router.get("/goals/{int:goal_id}", response=responses(GoalOut), summary="Read a goal")
def read_goal(request: HttpRequest, goal_id: int):
    user = user_of(request)
    return ok(goal_data(_goal(user, goal_id), user.profile.local_today()))


@router.patch("/goals/{int:goal_id}", response=responses(GoalOut, body=True), summary="Change a goal")
def update_goal(request: HttpRequest, goal_id: int, payload: GoalPatch):
    """Partial: only the fields sent change; `target` is replaced whole. A new target or
    start date recomputes the progress, which may complete or reopen the goal."""
    user = user_of(request)
    data = payload.model_dump(exclude_unset=True)
    today = user.profile.local_today()
    goal = _validated(user, _own(user, goal_id), data, today)  # a 400 before anything is written

    def change(locked: Goal) -> None:
        # Never progress; a completed goal a new target reopens needs room on Free (403 plan_limit).
        goal_services.save_changes(_validated(user, locked, data, today), EDITABLE)

    if SETTLES & set(data):
        commit_goal_change(goal, change=change)
    else:
        with transaction.atomic():
            change(Goal.objects.select_for_update().get(pk=goal.pk))
    return _goal_response(user, goal_id)


@router.delete("/goals/{int:goal_id}", response=responses(None), summary="Delete a goal")
def delete_goal(request: HttpRequest, goal_id: int):
    """With its links and entries. XP it earned stays in your ledger. Answers 200 with
    `data: null`."""
    commit_goal_delete(_own(user_of(request), goal_id))
    return ok(None)


# --- links ----------------------------------------------------------------------------------


@router.put("/goals/{int:goal_id}/habits/{int:habit_id}", response=responses(GoalOut, body=True), summary="Link a habit")
def link_habit(request: HttpRequest, goal_id: int, habit_id: int, payload: GoalHabitIn):
    """Link one of your habits, or change its weight: each done day of the habit (on or
    after the goal's start) adds weight × value (1 for a yes/no habit). Idempotent."""
    user = user_of(request)
    goal = _own(user, goal_id)
    habit = habit_for(user, habit_id)  # not theirs, or deleted: 404
    form = LinkForm({"habit": habit.pk, "weight": payload.weight}, user=user)
    if not form.is_valid():
        raise invalid({field: list(errors) for field, errors in form.errors.items()})
    commit_link(goal, habit, form.cleaned_data["weight"])
    return _goal_response(user, goal_id)


@router.delete("/goals/{int:goal_id}/habits/{int:habit_id}", response=responses(GoalOut), summary="Unlink a habit")
def unlink_habit(request: HttpRequest, goal_id: int, habit_id: int):
    """The habit's done days stop counting (which may reopen the goal). Idempotent: a
    habit that is not linked is left as it is. Answers with the goal."""
    user = user_of(request)
    goal = _own(user, goal_id)
    habit = habit_for(user, habit_id)
    commit_unlink(goal, habit)
    return _goal_response(user, goal_id)


# --- entries and progress -------------------------------------------------------------------


@router.post(
    "/goals/{int:goal_id}/entries", response=responses(GoalEntryResult, 201, body=True), summary="Add an entry"
)
def add_entry(request: HttpRequest, goal_id: int, payload: GoalEntryIn):
    """Progress made outside habits, dated your local today: a positive amount adds, a
    negative one takes back. Answers with the entry and the goal (`completed_at` is set
    when this entry reached the target)."""
    user = user_of(request)
    goal = _goal(user, goal_id, links=False)
    with transaction.atomic():
        try:
            commit_goal_entry(goal, payload.amount, payload.note or "")
        except ValidationError as error:
            raise invalid(model_error_details(error)) from None
        # The goal's row stays locked until this transaction ends: the newest entry is ours.
        entry = GoalEntry.objects.filter(goal=goal).order_by("-id").first()
    goal = _goal(user, goal_id)
    return Status(201, ok({"entry": goal_entry_data(entry), "goal": goal_data(goal, user.profile.local_today())}))


@router.get("/goals/{int:goal_id}/progress", response=responses(GoalProgressOut), summary="A goal's progress")
def goal_progress(request: HttpRequest, goal_id: int):
    """The cumulative value at the end of each day from the start date to your local
    today (one day, the start, when the goal starts later). Entries dated before the
    start count on the first day, so the last day's value is `current_value`."""
    user = user_of(request)
    goal = _goal(user, goal_id, links=False)
    series = charts.progress_series(goal, user.profile.local_today())
    return ok({
        "target": {"value": goal.target_value, "unit": goal.unit},
        "current_value": goal.current_value,
        "completed_at": goal.completed_at,
        "start_date": goal.start_date,
        "days": [{"date": day, "value": value} for day, value in series],
    })
