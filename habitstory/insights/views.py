"""Check-in, life-event and timeline pages. Every change is a POST that calls
habitstory.insights.services, then redirects (or, for htmx, answers with the check-in card,
fresh); a form with errors re-renders with what was typed. Another user's event is a 404.
(The Insights page and what-if are insight_views.py.)"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from habits import today_list
from habitstory.core.formatting import long_date
from habitstory.core.redirects import next_url
from habitstory.story import timeline as story_timeline

from . import services
from .forms import CheckInForm, LifeEventForm, card_context
from .models import LifeEvent


def _parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404("Not a date") from None


def _checkin_day(request: HttpRequest, value: str) -> dt.date:
    """A day that can have a check-in: the user's today or before, from 2000 on."""
    day = _parse_day(value)
    if not services.EARLIEST <= day <= services.local_today(request.user):
        raise Http404("Not a day to check in")
    return day


def _get_event(request: HttpRequest, pk: int) -> LifeEvent:
    return get_object_or_404(LifeEvent.objects.select_related("user__profile"), pk=pk, user=request.user)


# --- check-ins ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, on: str) -> HttpResponse:
    """A day's check-in (today, or any day before: backfill), that day's habits and events."""
    day = _checkin_day(request, on)
    today = services.local_today(request.user)
    compact, back = request.POST.get("card") == "compact", next_url(request, "")
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid() and (saved := form.save(request.user, day)) is not None:
            if request.htmx:  # the card, fresh
                context = card_context(CheckInForm(checkin=saved), day, today, compact=compact, saved=True,
                                       next_url=back)
                return render(request, "insights/checkin.html#checkin-card", context)
            messages.success(request, f"Check-in for {long_date(day)} saved.")
            return redirect(back or reverse("insights:checkin", args=[day.isoformat()]))
        if request.htmx:  # the card, with what was typed and the errors
            context = card_context(form, day, today, compact=compact, next_url=back)
            return render(request, "insights/checkin.html#checkin-card", context)
        existing = services.get_checkin(request.user, day)
    else:
        existing = services.get_checkin(request.user, day)
        form = CheckInForm(checkin=existing)
    context = {
        **card_context(form, day, today, compact=False, next_url=back),
        "day": day, "today": today, "checkin": existing,
        "rows": today_list.today_rows(request.user, day),
        "events": services.life_events(request.user, start=day, end=day),
        "previous": day - dt.timedelta(days=1) if day > services.EARLIEST else None,
        "next": day + dt.timedelta(days=1) if day < today else None,
    }
    return render(request, "insights/checkin.html", context)


@login_required
@require_POST
def checkin_delete(request: HttpRequest, on: str) -> HttpResponse:
    day = _checkin_day(request, on)
    if services.delete_checkin(request.user, day):
        messages.success(request, f"Check-in for {long_date(day)} deleted.")
    return redirect("insights:checkin", on=day.isoformat())


@login_required
@require_safe
def pick_day(request: HttpRequest) -> HttpResponse:
    """The "Open a day" form (GET ?on=…): that day's check-in."""
    day = _checkin_day(request, request.GET.get("on", ""))
    return redirect("insights:checkin", on=day.isoformat())


# --- life events ----------------------------------------------------------------------------------

EVENTS_SHOWN = 100


@login_required
@require_safe
def events(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("type", "")
    types = [chosen] if chosen in LifeEvent.Type.values else None
    listed = list(services.life_events(request.user, types=types)[: EVENTS_SHOWN + 1])
    context = {
        "events": listed[:EVENTS_SHOWN], "more": len(listed) > EVENTS_SHOWN, "types": LifeEvent.Type.choices,
        "chosen": chosen if types else "",
    }
    return render(request, "insights/events.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request: HttpRequest) -> HttpResponse:
    initial = {"start": services.local_today(request.user)}
    if request.GET.get("on"):
        initial["start"] = _parse_day(request.GET["on"])
    form = LifeEventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and (event := form.save(request.user)) is not None:
        messages.success(request, f"“{event.title}” added.")
        return redirect(next_url(request, reverse("insights:events")))
    return render(request, "insights/event_form.html", {"form": form, "event": None})


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _get_event(request, pk)
    title = event.title  # the form writes what was typed into the instance, even when refused
    form = LifeEventForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid() and form.save(request.user) is not None:
        messages.success(request, f"“{event.title}” saved.")
        return redirect(next_url(request, reverse("insights:events")))
    return render(request, "insights/event_form.html", {"form": form, "event": event, "title": title})


@login_required
@require_http_methods(["GET", "POST"])
def event_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first (a page of its own, so it works without JavaScript), then deletes."""
    event = _get_event(request, pk)
    if request.method == "POST":
        services.delete_life_event(event)
        messages.success(request, f"“{event.title}” deleted.")
        return redirect("insights:events")
    return render(request, "insights/event_delete.html", {"event": event})


# --- the timeline ---------------------------------------------------------------------------------


@login_required
@require_safe
def timeline(request: HttpRequest) -> HttpResponse:
    """Check-ins, life events, level-ups and goals completed, a window of days at a time,
    newest first, filterable by kind and life events by type (GET ?kind=…&type=…&until=YYYY-MM-DD)."""
    today = services.local_today(request.user)
    try:
        end = dt.date.fromisoformat(request.GET.get("until") or today.isoformat())
    except ValueError:
        end = today
    end = max(min(end, today), services.EARLIEST)
    kinds = [kind for kind in request.GET.getlist("kind") if kind in story_timeline.KINDS]
    types = [value for value in request.GET.getlist("type") if value in LifeEvent.Type.values]
    window = story_timeline.window(request.user, end, kinds=kinds or None, event_types=types or None, today=today)
    return render(request, "insights/timeline.html", {
        "window": window, "kinds": story_timeline.KIND_CHOICES, "chosen": set(kinds),
        "types": LifeEvent.Type.choices, "chosen_type": types[0] if len(types) == 1 else "",
    })
