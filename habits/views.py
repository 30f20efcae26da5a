"""Habit pages. Every change is a POST that calls habits.services, or the commit step
(habitstory.story.commit) for a change to a day, then redirects (or, for htmx, answers
with the changed regions, out-of-band)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from gamification.rules import earns_xp
from habitstory.billing.limits import PlanLimitReached
from habitstory.core.formatting import long_date
from habitstory.core.redirects import next_url
from habitstory.core.streaming import served
from habitstory.insights import slips
from habitstory.insights.forms import today_card
from habitstory.story import commit as story
from habitstory.story import news
from habitstory.story import render as fragments

from . import exports, imports, library, services, today_cache, today_list
from . import pillars as pillar_services
from .charts import history_of
from .current import stats_now
from .forms import DayForm, HabitForm, ImportForm, PillarForm
from .models import DELETED_KEPT_DAYS, EARLIEST_START, Habit, Occurrence, Pillar


def _get_habit(request: HttpRequest, pk: int, *, pillar: bool = True) -> Habit:
    habits = Habit.objects.for_user(request.user)
    return get_object_or_404(habits.select_related("pillar") if pillar else habits, pk=pk)


def _get_pillar(request: HttpRequest, pk: int) -> Pillar:
    return get_object_or_404(Pillar, pk=pk, user=request.user)


def _parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404("Not a date") from None


def _error_text(error: ValidationError) -> str:
    return " ".join(message for messages_ in error.message_dict.values() for message in messages_)


# --- Today ------------------------------------------------------------------------------------

_CSRF_PLACEHOLDER = "csrf-token-placeholder-5e2b"


@login_required
@require_safe
def today(request: HttpRequest) -> HttpResponse:
    profile = request.user.profile
    day = profile.local_today()
    sprite = static("icons/nav.svg")
    key = today_cache.list_key(request.user.pk, day.isoformat(), profile.week_start, sprite,
                               slips.version(request.user.pk, day))
    html = cache.get(key)
    rows = None
    if html is None:
        rows = today_list.today_rows(request.user, day)
        slipping = slips.likely_to_slip(request.user, day)  # "likely to slip" (one query without a model)
        for row in rows:
            row.slip_chance = slipping.get(row.habit.pk)
        context = {"rows": rows, "day": day, "sprite": sprite, "csrf_token": _CSRF_PLACEHOLDER, **today_list.day_progress(rows)}
        html = render_to_string("habits/today.html#habit-list", context)
        cache.set(key, html, today_cache.LIST_SECONDS)
    list_html = mark_safe(html.replace(_CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308 - our template
    return render(
        request,
        "habits/today.html",
        {"day": day, "profile": profile, "list_html": list_html, "rows": rows, "day_ends_at": profile.day_ends_at(day),
         **today_card(request.user, day)},  # the check-in card (one query)
    )


@login_required
@require_POST
def log(request: HttpRequest, pk: int, on: str) -> HttpResponse:
    """One tap on Today or the habit page: done, skip, undo, start, +, − or a value. Goes
    through the commit step (XP, level, pet, goals, achievements)."""
    day = _parse_day(on)
    # A reference to the habit: the commit step reads it under its lock, as the user's own
    # alive habit (one query; Habit.DoesNotExist for anyone else's).
    reference = Habit(pk=pk, user=request.user)
    try:
        outcome = story.commit(reference, day, request.POST.get("action", ""), value=request.POST.get("value"))
    except Habit.DoesNotExist:
        raise Http404("No such habit") from None
    except ValidationError as exc:
        if request.htmx and request.POST.get("answer") == "calendar":
            return _calendar_answer(request, pk, day, error=_error_text(exc))
        habit = _get_habit(request, pk, pillar=False)
        if request.htmx:
            return HttpResponse(fragments.refused_answer(request.user, habit, day, _error_text(exc)))
        messages.error(request, _error_text(exc))
        return redirect(next_url(request, reverse("core:today")))
    if request.htmx and request.POST.get("answer") == "calendar":  # a tap on the habit page's calendar
        return _calendar_answer(request, pk, day, outcome)
    if request.htmx:
        # Everything comes back out-of-band: the row (the same HTML the other tabs get),
        # today's progress, the XP bar and the news as toasts.
        if outcome.rows is None:  # a day other than today: its row and progress
            outcome.progress_html = fragments.progress_html(today_list.today_rows(request.user, day))
            outcome.row_html = fragments.row_html(today_list.today_row(outcome.habit, day), day)
        return HttpResponse(fragments.tick_answer(outcome))
    news.flash(request, outcome.news)
    return redirect(next_url(request, reverse("core:today")))


# --- Habits ---------------------------------------------------------------------------------------

@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    habits = (
        Habit.objects.for_user(request.user)
        .select_related("pillar")
        .order_by("pillar__position", "pillar_id", "position", "id")
    )
    active = [h for h in habits if h.status != Habit.Status.ARCHIVED]
    archived = [h for h in habits if h.status == Habit.Status.ARCHIVED]
    deleted = Habit.objects.filter(user=request.user, deleted_at__isnull=False).count()
    return render(request, "habits/index.html", {"habits": active, "archived": archived, "deleted_count": deleted})


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """The new-habit form, blank or pre-filled from a library template (?template=<slug>),
    under the library's search (?q=…; htmx asks for the results region alone)."""
    if request.method == "GET" and request.htmx and not request.htmx.history_restore_request:
        return render(request, "habits/form.html#template-results", _library(request))
    today_ = request.user.profile.local_today()
    habit = Habit(user=request.user)
    if request.method == "GET" and request.GET.get("pillar", "").isdigit():
        habit.pillar = Pillar.objects.filter(user=request.user, pk=request.GET["pillar"]).first()
    slug = (request.POST if request.method == "POST" else request.GET).get("template", "")
    template = library.active_template(slug) if slug else None
    if slug and template is None:
        messages.error(request, "That template is not in the library: start from a blank habit or pick another.")
    form = HabitForm(request.POST or None, instance=habit, user=request.user, today=today_, template=template)
    if request.method == "POST" and (template or not slug) and form.is_valid():
        try:
            if template is None:
                services.save_habit(form.save(commit=False))
            else:
                library.save_from_template(form.save(commit=False), template,
                                           new_pillar=form.cleaned_data.get("new_pillar", False))
        except PlanLimitReached as exc:  # what was typed stays, with the upgrade link
            form.add_error(None, exc.html())
        else:
            messages.success(request, f"“{habit.name}” is on your list.")
            return redirect("core:today")
    context = {"form": form, "habit": None, "chosen": template, **_library(request)}
    return render(request, "habits/form.html", context)


def _library(request: HttpRequest) -> dict:
    """The new-habit page's template library, searched by ?q= (one query)."""
    query = library.clean_query(request.GET.get("q", ""))
    found = library.templates(query)
    return {"shelves": library.shelves(found), "found_count": len(found), "q": query, "q_max": library.Q_MAX}


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    habit = _get_habit(request, pk)
    form = HabitForm(request.POST or None, instance=habit, user=request.user, today=habit.start_date)
    if request.method == "POST" and form.is_valid():
        services.save_habit(form.save(commit=False))
        messages.success(request, "Saved.")
        return redirect("habits:detail", pk=habit.pk)
    return render(request, "habits/form.html", {"form": form, "habit": habit})


def _habit_page(request: HttpRequest, habit: Habit) -> dict:
    """What the habit page shows: its figures and its history (cached, habits.charts)."""
    habit.user = request.user  # the owner, whose profile stats_now reads (loaded here once)
    profile = request.user.profile
    day = profile.local_today()
    history = history_of(habit, day, profile.week_start)
    result = stats_now([habit], day)[habit.pk]  # from the habit's fold and today's row
    return {"habit": habit, "day": day, "stats": result, "strength": round(100 * result.strength),
            "chance": slips.chance(request.user, day, habit.pk), **history}


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "habits/detail.html", _habit_page(request, _get_habit(request, pk)))


_TAPPED = {Occurrence.Status.DONE: "done", Occurrence.Status.SKIPPED: "skipped"}


def _calendar_answer(request: HttpRequest, pk: int, day: dt.date, outcome=None, error: str = "") -> HttpResponse:
    """A tap on the habit page's calendar (htmx), answered with the calendar, fresh, and
    out-of-band what the day is now, the other charts, the figures, the XP bar, the bell
    and the news."""
    context = _habit_page(request, _get_habit(request, pk))
    context.update(tapped=day, tapped_title=long_date(day), error=error, oob=True)
    if outcome is not None:
        after = outcome.change.after if outcome.change is not None else None
        context.update(
            tapped_text=_TAPPED.get(after.status if after else None, "cleared"), xp_html=outcome.xp_html,
            bell_html=outcome.bell_html, toasts_html=fragments.toasts_html(outcome.news),
        )
    return render(request, "habits/detail.html#calendar-answer", context)


@login_required
@require_http_methods(["GET", "POST"])
def day(request: HttpRequest, pk: int, on: str) -> HttpResponse:
    """Edit one day from the habit's calendar (backfill: counts for stats; only today and
    yesterday earn XP). A day before the habit's start offers to move the start back."""
    habit = _get_habit(request, pk)
    date = _parse_day(on)
    today_ = request.user.profile.local_today()
    if date > today_ or date < EARLIEST_START:
        raise Http404("Not a day of this habit")
    if date < habit.start_date:  # asked, never moved silently: the offer posts to move_start
        return render(request, "habits/day.html", {"habit": habit, "date": date, "before_start": True})
    occurrence = Occurrence.objects.filter(habit=habit, on=date).first()
    form = DayForm(request.POST or None, habit=habit, occurrence=occurrence)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            outcome = story.commit_day(habit, date, data["status"], value=data.get("value"), note=data["note"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{date:%-d %B} saved.")
            news.flash(request, outcome.news)
            return redirect("habits:detail", pk=habit.pk)
    context = {"habit": habit, "date": date, "form": form, "occurrence": occurrence, "today": today_,
               "earns_xp": earns_xp(date, today_),
               "is_done": occurrence is not None and occurrence.status == Occurrence.Status.DONE,
               "capture_url": reverse("verification:capture", args=[habit.pk, date.isoformat()])
               if habit.requires_verification else ""}
    return render(request, "habits/day.html", context)


@login_required
@require_safe
def pick_day(request: HttpRequest, pk: int) -> HttpResponse:
    """The habit page's "Open the day" form (GET ?on=…): that day's editor."""
    habit = _get_habit(request, pk, pillar=False)
    return redirect("habits:day", pk=habit.pk, on=_parse_day(request.GET.get("on", "")).isoformat())


@login_required
@require_POST
def move_start(request: HttpRequest, pk: int) -> HttpResponse:
    """The day editor's offer, confirmed: the habit starts on an earlier day (`start`),
    whose editor opens next."""
    habit = _get_habit(request, pk, pillar=False)
    start = _parse_day(request.POST.get("start", ""))
    try:
        services.move_start(habit, start)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("habits:detail", pk=habit.pk)
    messages.success(request, f"“{habit.name}” now starts on {start:%-d %B %Y}.")
    return redirect("habits:day", pk=habit.pk, on=start.isoformat())


@login_required
@require_POST
def change_status(request: HttpRequest, pk: int) -> HttpResponse:
    habit = _get_habit(request, pk)
    status = request.POST.get("status")
    if status not in Habit.Status.values:
        messages.error(request, "Unknown status.")
    else:
        services.set_status(habit, status)
        messages.success(request, f"“{habit.name}” is {habit.get_status_display().lower()}.")
    return redirect(next_url(request, reverse("habits:detail", args=[habit.pk])))


@login_required
@require_POST
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    habit = _get_habit(request, pk)
    services.delete_habit(habit)
    messages.success(request, f"“{habit.name}” deleted. You can restore it for {DELETED_KEPT_DAYS} days.")
    return redirect("habits:index")


@login_required
@require_safe
def deleted(request: HttpRequest) -> HttpResponse:
    habits = Habit.objects.filter(user=request.user, deleted_at__isnull=False).order_by("-deleted_at")
    return render(request, "habits/deleted.html", {"habits": habits, "kept_days": DELETED_KEPT_DAYS})


@login_required
@require_POST
def restore(request: HttpRequest, pk: int) -> HttpResponse:
    habit = get_object_or_404(Habit, pk=pk, user=request.user, deleted_at__isnull=False)
    services.restore_habit(habit)
    messages.success(request, f"“{habit.name}” is back.")
    return redirect("habits:index")


@login_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    habit = _get_habit(request, pk)
    siblings = Habit.objects.for_user(request.user).filter(pillar=habit.pillar)
    services.move(habit, siblings, "up" if request.POST.get("direction") == "up" else "down")
    return redirect(next_url(request, reverse("habits:index")))


@login_required
@require_POST
def apply_suggestion(request: HttpRequest, pk: int) -> HttpResponse:
    habit = _get_habit(request, pk)
    try:
        services.apply_suggestion(habit, request.POST.get("code", ""))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "Suggestion applied.")
    return redirect("habits:detail", pk=habit.pk)


# --- Export and import -------------------------------------------------------------------------

@login_required
@require_safe
def export_csv(request: HttpRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(exports.iter_csv(request.user), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="habitstory-{timezone.localdate():%Y-%m-%d}.csv"'
    return served(request, response)


@login_required
@require_safe
def export_json(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(exports.export_json(request.user), json_dumps_params={"indent": 1})
    response["Content-Disposition"] = f'attachment; filename="habitstory-{timezone.localdate():%Y-%m-%d}.json"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_json(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            summary = imports.import_json(request.user, form.cleaned_data["data"])
        except ValidationError as exc:
            for path, errors in list(exc.message_dict.items())[:10]:
                form.add_error("file", f"{path}: {' '.join(errors)}")
        except PlanLimitReached as exc:
            form.add_error(None, format_html("Nothing was imported. {}", exc.html()))
        else:
            messages.success(
                request,
                f"Imported: {summary['habits_created']} new habits, {summary['habits_matched']} matched, "
                f"{summary['occurrences_created']} days added, {summary['occurrences_updated']} updated.",
            )
            return redirect("habits:index")
    return render(request, "habits/import.html", {"form": form})


# --- Dashboard ---------------------------------------------------------------------------------------

@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    profile = request.user.profile
    day = profile.local_today()
    rows = today_list.today_rows(request.user, day)
    week_start, week_end = today_list.week_bounds(day, profile.week_start)
    habits = Habit.objects.for_user(request.user).filter(status=Habit.Status.ACTIVE).select_related("pillar")
    context = {
        "day": day,
        **today_list.day_progress(rows),
        "week_done": today_list.done_between(request.user, week_start, min(week_end, day)),
        "week_start": week_start,
        "best": habits.filter(current_streak__gt=0).order_by("-current_streak", "name")[:5],
        "at_risk": habits.filter(at_risk=True).order_by("name"),
        "pillars": today_list.pillar_summaries(request.user, day),
    }
    return render(request, "habits/dashboard.html", context)


# --- Pillars ------------------------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def pillars(request: HttpRequest) -> HttpResponse:
    form = PillarForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            pillar = pillar_services.save_pillar(form.save(commit=False))
        except PlanLimitReached as exc:  # what was typed stays, with the upgrade link
            form.add_error(None, exc.html())
        else:
            messages.success(request, f"Pillar “{pillar.name}” added.")
            return redirect("habits:pillars")
    day = request.user.profile.local_today()
    return render(
        request, "habits/pillars.html", {"form": form, "summaries": today_list.pillar_summaries(request.user, day)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def pillar_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pillar = _get_pillar(request, pk)
    form = PillarForm(request.POST or None, instance=pillar, user=request.user)
    if request.method == "POST" and form.is_valid():
        pillar_services.save_pillar(form.save(commit=False))
        messages.success(request, "Pillar saved.")
        return redirect("habits:pillars")
    return render(request, "habits/pillar_form.html", {"form": form, "pillar": pillar})


@login_required
@require_POST
def pillar_delete(request: HttpRequest, pk: int) -> HttpResponse:
    pillar = _get_pillar(request, pk)
    pillar_services.delete_pillar(pillar)
    messages.success(request, f"Pillar “{pillar.name}” deleted; its habits are now unsorted.")
    return redirect("habits:pillars")


@login_required
@require_POST
def pillar_move(request: HttpRequest, pk: int) -> HttpResponse:
    pillar = _get_pillar(request, pk)
    services.move(pillar, Pillar.objects.filter(user=request.user), request.POST.get("direction", "down"))
    return redirect("habits:pillars")
