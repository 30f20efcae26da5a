"""Goal pages. Every change is a POST that ends in the commit step
(habitstory.story.goals.commit_goal_change / commit_goal_entry: recompute, completion,
XP, live events), then redirects; a form with errors re-renders its page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from habitstory.billing.limits import PlanLimitReached
from habitstory.story import goals as story
from habitstory.story import news
from habits.models import Habit

from . import charts, services
from .forms import EntryForm, GoalForm, LinkForm
from .models import Goal, GoalHabit

RECENT_ENTRIES = 10


def _get_goal(request: HttpRequest, pk: int) -> Goal:
    return get_object_or_404(Goal, pk=pk, user=request.user)


def _settle(request: HttpRequest, outcome) -> None:
    """Tell the user what the commit step decided (completion, level, achievements)."""
    news.flash(request, outcome.news)


# --- list, create, edit, delete --------------------------------------------------------------


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    today = request.user.profile.local_today()
    goals = [charts.summary(goal, today) for goal in Goal.objects.filter(user=request.user)]
    open_ = sorted(
        (s for s in goals if not s.is_completed),
        key=lambda s: (s.goal.deadline is None, s.goal.deadline or today, s.goal.pk),
    )
    done = sorted((s for s in goals if s.is_completed), key=lambda s: s.goal.completed_at, reverse=True)
    return render(request, "goals/index.html", {"open_goals": open_, "completed_goals": done, "today": today})


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    today = request.user.profile.local_today()
    form = GoalForm(request.POST or None, user=request.user, today=today)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                goal = services.save_goal(form.save(commit=False))
                outcome = story.commit_goal_change(goal)
        except PlanLimitReached as exc:
            form.add_error(None, exc.html())  # what was typed stays
        else:
            messages.success(request, f"“{goal.name}” is set. Link the habits that move it forward.")
            _settle(request, outcome)
            return redirect("goals:detail", pk=goal.pk)
    return render(request, "goals/form.html", {"form": form, "goal": None})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _get_goal(request, pk)
    name = goal.name  # the form writes what was typed into the instance, even when invalid
    today = request.user.profile.local_today()
    form = GoalForm(request.POST or None, instance=goal, user=request.user, today=today)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.fields}

        def change(locked) -> None:
            # Only the form's fields: progress and completion are the commit step's to write.
            for name, value in fields.items():
                setattr(locked, name, value)
            services.save_changes(locked, list(fields))

        try:
            outcome = story.commit_goal_change(goal, change=change)
        except PlanLimitReached as exc:
            form.add_error(None, exc.html())  # a completed goal this edit would reopen, on Free at the limit
        else:
            messages.success(request, "Saved.")
            _settle(request, outcome)
            return redirect("goals:detail", pk=goal.pk)
    return render(request, "goals/form.html", {"form": form, "goal": goal, "name": name})


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    goal = _get_goal(request, pk)
    story.commit_goal_delete(goal)
    messages.success(request, f"“{goal.name}” deleted.")
    return redirect("goals:index")


# --- the goal page ------------------------------------------------------------------------------


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _goal_page(request, _get_goal(request, pk))


def _goal_page(
    request: HttpRequest, goal: Goal, *, link_form: LinkForm | None = None, entry_form: EntryForm | None = None
) -> HttpResponse:
    """The goal page, in a constant number of queries however many habits feed it."""
    today = request.user.profile.local_today()
    summary = charts.summary(goal, today)
    series = charts.progress_series(goal, today)
    links = charts.link_contributions(goal)
    context = {
        "goal": goal,
        "summary": summary,
        "today": today,
        "chart": charts.progress_chart(goal, series, today, summary.pace),
        "links": links,
        "link_form": link_form or LinkForm(user=request.user),
        "entry_form": entry_form or EntryForm(),
        "entries": charts.entry_rows(goal.entries.all()[:RECENT_ENTRIES]),
    }
    return render(request, "goals/detail.html", context)


@login_required
@require_POST
def link(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a habit to the goal, or change its weight."""
    goal = _get_goal(request, pk)
    habit_id = request.POST.get("habit", "")
    if habit_id.isdigit():
        get_object_or_404(Habit.objects.for_user(request.user), pk=int(habit_id))  # not theirs: 404
    form = LinkForm(request.POST, user=request.user)
    if not form.is_valid():
        return _goal_page(request, goal, link_form=form)
    outcome = story.commit_link(goal, form.cleaned_data["habit"], form.cleaned_data["weight"])
    link_, created = outcome.result
    name = link_.habit.name
    messages.success(request, f"“{name}” now feeds this goal." if created else f"“{name}” weight saved.")
    _settle(request, outcome)
    return redirect("goals:detail", pk=goal.pk)


@login_required
@require_POST
def unlink(request: HttpRequest, pk: int, habit_pk: int) -> HttpResponse:
    goal = _get_goal(request, pk)
    link_ = get_object_or_404(GoalHabit.objects.select_related("habit"), goal=goal, habit_id=habit_pk)
    outcome = story.commit_unlink(goal, link_.habit)
    messages.success(request, f"“{link_.habit.name}” no longer feeds this goal.")
    _settle(request, outcome)
    return redirect("goals:detail", pk=goal.pk)


@login_required
@require_POST
def add_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """A manual + or − entry, through the commit step."""
    goal = _get_goal(request, pk)
    form = EntryForm(request.POST)
    if form.is_valid():
        try:
            data = form.cleaned_data
            outcome = story.commit_goal_entry(goal, data["amount"], data["note"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Entry added.")
            _settle(request, outcome)
            return redirect("goals:detail", pk=goal.pk)
    return _goal_page(request, goal, entry_form=form)
