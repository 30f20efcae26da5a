"""The quiz (one question a step, answers kept as you go), the result page (art, house,
radar chart, confidence, the starter plan to accept) and the history of assignments.

Every step is a plain POST that redirects; with htmx the quiz region is swapped in place
and the step's address pushed. Scores, rules, plans and houses are archetypes.services',
plans' and confidence's; these views only read and call them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect, push_url

from habitstory.billing.limits import PlanLimitReached

from . import badge, confidence, content, pages, plans, services
from .forms import PlanForm, StepForm
from .models import Assignment

# --- the quiz -----------------------------------------------------------------------------------


@login_required
@require_safe
def quiz(request: HttpRequest) -> HttpResponse:
    """Where the quiz resumes: the first question not answered yet."""
    questions = content.quiz().questions
    if not questions:
        messages.info(request, "The quiz is not ready yet. Come back soon.")
        return redirect("core:today")
    answers = pages.answers_so_far(request.user)
    return redirect("archetypes:step", number=pages.resume_at(questions, answers))


def _step_page(request: HttpRequest, number: int, form: StepForm | None = None, *, answers=None) -> HttpResponse:
    questions = content.quiz().questions
    question = questions[number - 1]
    if answers is None:
        answers = pages.answers_so_far(request.user)
    swapped = bool(request.htmx) and not request.htmx.history_restore_request  # else the whole page
    choices = pages.choices_of(question)
    if form is None:
        form = StepForm(question=question, choices=choices, initial_choice=answers.get(question.pk))
    context = {
        "form": form, "question": question, "number": number, "total": len(questions),
        "focus": pages.focus_on(form, choices) if swapped or form.errors else "",
        "percent": round(100 * (number - 1) / len(questions)),
    }
    template = "archetypes/quiz.html#quiz" if swapped else "archetypes/quiz.html"
    return render(request, template, context)


def _go_to(request: HttpRequest, number: int) -> HttpResponse:
    url = reverse("archetypes:step", args=[number])
    if request.htmx:
        return push_url(_step_page(request, number), url)
    return redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, number: int) -> HttpResponse:
    questions = content.quiz().questions
    if not 1 <= number <= len(questions):
        raise Http404("No such question.")
    if request.method == "GET":
        return _step_page(request, number)
    question = questions[number - 1]
    answers = pages.answers_so_far(request.user)
    saved = answers.get(question.pk)
    form = StepForm(request.POST, question=question, choices=pages.choices_of(question), initial_choice=saved)
    going_back = request.POST.get("action") == "back"
    if form.is_valid():
        services.save_answer(request.user, question.pk, form.chosen())
        answers[question.pk] = form.chosen()
    elif not going_back:
        pages.keep_saved(form, saved)
        return _step_page(request, number, form, answers=answers)
    if going_back:
        return _go_to(request, max(1, number - 1))
    if number < len(questions):
        return _go_to(request, number + 1)
    return _finish(request, questions, answers)


def _finish(request: HttpRequest, questions, answers: dict[int, int]) -> HttpResponse:
    try:
        services.assign(request.user, answers)
    except ValidationError as exc:
        number, message = pages.first_refusal(questions, exc)
        question = questions[number - 1]
        form = StepForm({}, question=question, choices=pages.choices_of(question))
        form.is_valid()
        form.errors["choice"] = form.error_class([message])
        pages.keep_saved(form, answers.get(question.pk))
        response = _step_page(request, number, form, answers=answers)
        return push_url(response, reverse("archetypes:step", args=[number])) if request.htmx else response
    badge.forget(request.user.pk)
    url = reverse("archetypes:result")
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_POST
def skip(request: HttpRequest) -> HttpResponse:
    services.skip_quiz(request.user)
    messages.info(request, "Skipped for now. Take the quiz any time from your profile.")
    return redirect("core:today")


# --- the result and the starter plan -------------------------------------------------------------


def _result_page(request: HttpRequest, assignment: Assignment, form: PlanForm | None = None) -> HttpResponse:
    archetype = pages.archetype_of(assignment)
    plan = plans.starter_plan(archetype)
    if form is None:
        form = PlanForm(habits=plan.habits, quests=plan.quests)
    context = {
        "assignment": assignment, "archetype": archetype, "house": assignment.house,
        "described": confidence.describe(assignment),
        "radar": pages.radar_of(assignment, archetype),
        "plan_groups": pages.plan_groups(request.user, plan, form),
        "form": form,
    }
    return render(request, "archetypes/result.html", context)


@login_required
@require_safe
def result(request: HttpRequest) -> HttpResponse:
    assignment = services.current(request.user)
    if assignment is None:
        messages.info(request, "Take the quiz first: your archetype comes from your answers.")
        return redirect("archetypes:quiz")
    return _result_page(request, assignment)


@login_required
@require_POST
def accept(request: HttpRequest) -> HttpResponse:
    """Start with the ticked habits and quests (plans.accept: one transaction, never twice
    the same template), then Today."""
    assignment = services.current(request.user)
    if assignment is None:
        return redirect("archetypes:quiz")
    archetype = pages.archetype_of(assignment)
    plan = plans.starter_plan(archetype)
    form = PlanForm(request.POST, habits=plan.habits, quests=plan.quests)
    if not form.is_valid():
        return _result_page(request, assignment, form)
    try:
        accepted = plans.accept(
            request.user, archetype, habit_ids=form.cleaned_data["habits"], quest_ids=form.cleaned_data["quests"],
            today=request.user.profile.local_today(),
        )
    except PlanLimitReached as exc:  # nothing was made; the ticks stay as they were
        form.add_error(None, exc.html())
        return _result_page(request, assignment, form)
    messages.success(request, pages.accepted_text(accepted))
    return redirect("core:today")


# --- history -----------------------------------------------------------------------------------------


@login_required
@require_safe
def history(request: HttpRequest) -> HttpResponse:
    rows = [(assignment, confidence.describe(assignment)) for assignment in services.history(request.user)]
    return render(request, "archetypes/history.html", {"rows": rows})
