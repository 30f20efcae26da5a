"""Quest pages: the board, a quest's page, the forms, templates. Anything that can move XP
or unlock a quest (status, objectives, edits, deletion) goes through the commit step
(habitstory.story.quests) and shows its news; creating, dependencies and templates call
quests.services, graph and templates_ directly. Every change is a POST that redirects, or
for htmx answers with the changed region."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from habitstory.billing.limits import PlanLimitReached
from habitstory.core.redirects import next_url
from habitstory.story import news
from habitstory.story import quests as story
from habitstory.story import render as fragments

from . import board, formatting, graph, services, svg, templates_
from .forms import DependencyForm, ObjectiveFormSet, QuestForm, objective_initial, with_more_rows
from .models import Objective, Quest, QuestTemplate
from .next_up import next_up

NEXT_UP_SHOWN = 5
ACTION_DONE = {
    "start": "“{}” started.",
    "complete": "“{}” is done.",
    "reopen": "“{}” is open again.",
    "abandon": "“{}” abandoned. Reopen it any time.",
}


def _get_quest(request: HttpRequest, pk: int) -> Quest:
    return get_object_or_404(Quest.objects.select_related("category"), pk=pk, user=request.user)


def _settle(request: HttpRequest, outcome, fallback: str = "") -> None:
    """Tell the user what the commit step decided (completion, unlocks, level, achievements)."""
    news.flash(request, outcome.news)
    if fallback and not outcome.news:
        messages.success(request, fallback)


def _refusal(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- the board --------------------------------------------------------------------------------


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "quests/index.html", _board_context(request))


def _board_context(request: HttpRequest) -> dict:
    whole = request.POST.get("column") or request.GET.get("column")
    whole = whole if whole in (Quest.Status.OPEN, Quest.Status.ACTIVE) else None
    columns, abandoned = board.columns(request.user, whole=whole)
    today = request.user.profile.local_today()
    ranked = next_up(request.user, today=today, now=timezone.now(), limit=NEXT_UP_SHOWN)
    return {"columns": columns, "abandoned": abandoned, "next_up": ranked, "today": today, "whole": whole}


@login_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a quest one place up or down its board column (htmx: the board comes back)."""
    quest = _get_quest(request, pk)
    board.move(quest, "up" if request.POST.get("direction") == "up" else "down")
    if request.htmx:
        return render(request, "quests/index.html#board", _board_context(request))
    whole = request.POST.get("column")
    shown = f"?column={whole}" if whole in (Quest.Status.OPEN, Quest.Status.ACTIVE) else ""
    return redirect(reverse("quests:index") + f"{shown}#quest-card-{quest.pk}")


# --- create, edit, delete ----------------------------------------------------------------------


def _form_page(request: HttpRequest, quest: Quest | None) -> HttpResponse:
    """The new and edit forms: the quest's fields and its objectives (a formset, with
    "More objective rows" for adding some without JavaScript)."""
    user = request.user
    services.categories(user)  # the defaults, the first time
    data = request.POST if request.method == "POST" else None
    more = data is not None and "more_rows" in data
    objective_ids = [o.pk for o in quest.objectives.all()] if quest else []
    form = QuestForm(data, user=user, suggest=services.suggest_xp, initial=_initial(quest))
    formset = ObjectiveFormSet(
        with_more_rows(data) if more else data, user=user, objective_ids=objective_ids,
        initial=objective_initial(quest) if quest else None,
    )
    if data is not None and not more and form.is_valid() and formset.is_valid():
        try:
            fields = {**form.quest_fields(), "objectives": formset.specs(services.ObjectiveSpec)}
            if quest is None:
                saved = services.create_quest(user, **fields, today=user.profile.local_today())
                messages.success(request, f"“{saved.title}” is on your board.")
            else:
                outcome = story.commit_quest_update(quest, **fields)
                saved = outcome.result
                _settle(request, outcome, "Saved.")
        except ValidationError as exc:
            _put_errors(form, exc)
        except PlanLimitReached as exc:
            form.add_error(None, exc.html())  # what was typed stays
        else:
            return redirect("quests:detail", pk=saved.pk)
    context = {"form": form, "formset": formset, "quest": quest, "title": quest.title if quest else ""}
    return render(request, "quests/form.html", context)


def _initial(quest: Quest | None) -> dict:
    if quest is None:
        return {}
    return {
        "title": quest.title, "description": quest.description, "category": quest.category_id,
        "priority": quest.priority, "due_date": quest.due_date, "due_time": quest.due_time,
        "effort_minutes": quest.effort_minutes, "xp_reward": quest.xp_reward,
    }


def _put_errors(form: QuestForm, exc: ValidationError) -> None:
    """The services' refusal on the fields it names (the rest above the form)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        if field == "category" and form.cleaned_data.get("new_category"):
            field = "new_category"
        form.add_error(field if field in form.fields else None, errors)


@login_required
@require_safe
def xp_suggestion(request: HttpRequest) -> HttpResponse:
    """htmx, from the quest form: its XP field again, following a new effort or priority."""
    xp, offered = QuestForm(request.GET, user=request.user, suggest=services.suggest_xp).following(request.GET)
    form = QuestForm(user=request.user, suggest=services.suggest_xp, initial={"xp_reward": xp})
    form.initial["xp_suggested"] = offered
    return render(request, "quests/form.html#xp-field", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _form_page(request, _get_quest(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks first, naming the quests that wait for it (their link to it goes too)."""
    quest = _get_quest(request, pk)
    if request.method == "GET":
        return render(request, "quests/delete.html", {"quest": quest, "dependents": graph.dependents(quest)})
    outcome = story.commit_quest_delete(quest)
    messages.success(request, f"“{quest.title}” deleted.")
    _settle(request, outcome)
    return redirect("quests:index")


# --- a quest's page -----------------------------------------------------------------------------


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _quest_page(request, _get_quest(request, pk))


def _page_context(quest: Quest, **extra) -> dict:
    return {"page": board.quest_page(quest), "quest": quest, **extra}


def _quest_page(request: HttpRequest, quest: Quest, *, dependency_form: DependencyForm | None = None) -> HttpResponse:
    """A quest's page, in a constant number of queries however many quests the user has."""
    context = _page_context(
        quest,
        description=formatting.render(quest.description),
        graph=svg.draw(quest),
        dependency_form=dependency_form or DependencyForm(quest=quest),
    )
    return render(request, "quests/detail.html", context)


@login_required
@require_POST
def act(request: HttpRequest, pk: int) -> HttpResponse:
    """Start, complete, reopen or abandon, through the commit step."""
    quest = _get_quest(request, pk)
    action = request.POST.get("action", "")
    if action not in ACTION_DONE:
        return HttpResponseBadRequest("Unknown action.")
    try:
        outcome = story.commit_quest(quest, action)
    except services.QuestLocked as exc:
        names = ", ".join(f"“{waiting.title}”" for waiting in exc.waiting_for)
        messages.error(request, f"“{quest.title}” is locked: it waits for {names}. Finish that first.")
    except ValidationError as exc:
        messages.error(request, _refusal(exc))
    else:
        _settle(request, outcome, ACTION_DONE[action].format(quest.title))
    return redirect(next_url(request, reverse("quests:detail", args=[quest.pk])))


@login_required
@require_POST
def objective(request: HttpRequest, pk: int, objective_pk: int) -> HttpResponse:
    """Tick or untick a manual objective. htmx: the quest's state region comes back (and
    out-of-band the XP bar and the news); without JavaScript, a redirect."""
    quest = _get_quest(request, pk)
    target = get_object_or_404(Objective, pk=objective_pk, quest=quest)
    done = request.POST.get("done") == "1"
    outcome, error = None, ""
    try:
        outcome = story.commit_objective(quest, target.pk, done)
    except ValidationError as exc:
        error = _refusal(exc)
    if request.htmx:
        quest.refresh_from_db()
        html = render_to_string("quests/detail.html#quest-state", _page_context(quest, error=error), request)
        if outcome is not None:
            html += outcome.xp_html + outcome.bell_html + fragments.toasts_html(outcome.news)
        return HttpResponse(html)
    if error:
        messages.error(request, error)
    else:
        _settle(request, outcome)
    return redirect(reverse("quests:detail", args=[quest.pk]) + f"#objective-{target.pk}")


# --- dependencies ----------------------------------------------------------------------------------


@login_required
@require_POST
def add_dependency(request: HttpRequest, pk: int) -> HttpResponse:
    quest = _get_quest(request, pk)
    form = DependencyForm(request.POST, quest=quest)
    if form.is_valid():
        other = form.cleaned_data["depends_on"]
        try:
            graph.add_dependency(quest, other)
        except services.DependencyCycle as exc:
            form.add_error("depends_on", f"That would make a loop: {exc.messages[0]}. Choose another quest.")
        except ValidationError as exc:
            form.add_error("depends_on", _refusal(exc))
        else:
            messages.success(request, f"“{quest.title}” now waits for “{other.title}”.")
            return redirect(reverse("quests:detail", args=[quest.pk]) + "#dependencies")
    return _quest_page(request, quest, dependency_form=form)


@login_required
@require_POST
def remove_dependency(request: HttpRequest, pk: int, other_pk: int) -> HttpResponse:
    quest = _get_quest(request, pk)
    other = get_object_or_404(Quest, pk=other_pk, user=request.user)
    if graph.remove_dependency(quest, other):
        messages.success(request, f"“{quest.title}” no longer waits for “{other.title}”.")
    return redirect(reverse("quests:detail", args=[quest.pk]) + "#dependencies")


# --- templates ---------------------------------------------------------------------------------------


def _templates_for(request: HttpRequest):
    return QuestTemplate.objects.filter(Q(user__isnull=True, active=True) | Q(user=request.user))


@login_required
@require_safe
def template_list(request: HttpRequest) -> HttpResponse:
    found = list(templates_.templates_for(request.user))
    for template in found:
        template.summary = formatting.plain(template.description)
    mine = [template for template in found if template.user_id is not None]
    staff = [template for template in found if template.user_id is None]
    groups = [("Your templates", mine, "mine-title"), ("Ready-made", staff, "staff-title")]
    return render(request, "quests/templates.html", {"groups": groups})


@login_required
@require_POST
def from_template(request: HttpRequest, template_pk: int) -> HttpResponse:
    template = get_object_or_404(_templates_for(request), pk=template_pk)
    try:
        quest = templates_.from_template(request.user, template, today=request.user.profile.local_today())
    except ValidationError as exc:
        messages.error(request, _refusal(exc))
        return redirect("quests:templates")
    messages.success(request, f"“{quest.title}” is on your board, from the template.")
    return redirect("quests:detail", pk=quest.pk)


@login_required
@require_POST
def delete_template(request: HttpRequest, template_pk: int) -> HttpResponse:
    """One of your own templates (staff's and another user's are a 404)."""
    try:
        template = templates_.delete_template(request.user, template_pk)
    except QuestTemplate.DoesNotExist:
        raise Http404 from None
    messages.success(request, f"Deleted the template “{template.title}”. Quests made from it stay.")
    return redirect("quests:templates")


@login_required
@require_POST
def save_template(request: HttpRequest, pk: int) -> HttpResponse:
    quest = _get_quest(request, pk)
    try:
        template = templates_.save_as_template(quest)
    except ValidationError as exc:
        messages.error(request, _refusal(exc))
        return redirect("quests:detail", pk=quest.pk)
    messages.success(request, f"Saved “{template.title}” as a template: start a new quest from it any time.")
    return redirect(reverse("quests:templates") + f"#template-{template.pk}")
