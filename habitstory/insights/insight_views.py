"""The Insights page (/insights/): today's forecast with what drives it, what-if sliders,
the statements found in the user's days, the models' state, and mood and energy charts
with life events marked. What-if is a plain GET form (/insights/what-if/) that htmx
sends on every slider move, answered with the result region alone.

Thin: the numbers come from predictions, statements, whatif and charts. Forecasts and
what-if are Premium's when billing is on (habitstory.billing.limits.has_feature): a Free
account sees its statements and charts, and an upgrade card where they would be."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from habitstory.billing import limits
from habitstory.billing.models import Feature

from . import charts, drivers, predictions, services, statements, whatif
from .history import INPUTS
from .models import Mood

MOOD_LABELS = dict(Mood.choices)


def _forecast_view(forecast: dict) -> dict:
    """The forecast as the page shows it: mood's likeliest word and its chance, energy's
    range, and each kind's drivers with the headline."""
    mood = forecast.get("mood")
    shown = {"mood": None, "energy": forecast.get("energy"), "kinds": []}
    if mood:
        label = mood["label"]
        shown["mood"] = {"label": MOOD_LABELS[label], "chance": round(100 * mood["probabilities"][label]),
                         "bars": [{"label": MOOD_LABELS[m], "percent": round(100 * p)}
                                  for m, p in mood["probabilities"].items()]}
    for kind in ("mood", "energy"):
        found = [d for d in forecast.get("drivers", []) if d.get("kind") == kind]
        if forecast.get(kind):
            shown["kinds"].append({"kind": kind, "summary": drivers.summary(kind, found), "drivers": found})
    return shown


def _sliders(values: dict, errors: dict | None = None) -> list[dict]:
    return [{"slider": s, "value": values.get(s.name, s.default), "reads": s.reads(values.get(s.name, s.default)),
             "error": (errors or {}).get(s.name, "")} for s in whatif.SLIDERS]


def _result_view(result: dict | None) -> dict | None:
    """The what-if answer as the page shows it: its sentence and a row per input changed
    and per forecast (as logged, what if)."""
    if result is None:
        return None
    rows = []
    after, before = result["after"], result["before"]
    if after.get("energy") or after.get("mood"):
        for name, change in result["inputs"].items():
            if change["before"] == change["after"]:
                continue
            slider = whatif.BY_NAME[name]
            rows.append((slider.label, slider.reads(change["before"]), slider.reads(change["after"])))
        if after.get("energy"):
            rows.append(("Energy forecast", f"{before['energy']['value']:g} of 10", f"{after['energy']['value']:g} of 10"))
        if after.get("mood"):
            rows.append(("Mood forecast", MOOD_LABELS[before["mood"]["label"]], MOOD_LABELS[after["mood"]["label"]]))
    return {"text": result["text"], "rows": rows}


def _messages(errors: dict) -> list[str]:
    """Each refused input named: "Sleep: Choose from 0 to 24."."""
    return [f"{whatif.BY_NAME[name].label if name in whatif.BY_NAME else name}: {message}"
            for name, message in errors.items()]


def _logged_values(user, day: dt.date) -> dict[str, float]:
    """The day's logged inputs, where the sliders start."""
    checkin = services.get_checkin(user, day)
    if checkin is None:
        return {}
    return {name: float(getattr(checkin, name)) for name in INPUTS if getattr(checkin, name) is not None}


def _slider_values(asked: dict, errors: dict) -> dict[str, float]:
    """Where the sliders stand after a what-if: the values sent, but for those refused."""
    return {name: float(raw) for name, raw in asked.items()
            if name in whatif.BY_NAME and name not in errors and raw not in ("", None)}


def _asked(query: QueryDict) -> dict[str, str]:
    """The inputs a what-if request sends (sliders left out are not changed)."""
    return {name: query[name] for name in query if name not in ("csrfmiddlewaretoken",)}


def _page(request: HttpRequest, today: dt.date, *, asked: dict | None = None, result: dict | None = None,
          errors: dict | None = None) -> dict:
    user = request.user
    premium = limits.has_feature(user, Feature.FORECASTS)
    forecast = predictions.forecast(user, today) if premium else {"status": predictions.status(user).as_dict()}
    values = {**_logged_values(user, today), **_slider_values(asked or {}, errors or {})} if premium else {}
    return {
        "today": today,
        "premium": {"forecasts": premium, "what_if": premium and limits.has_feature(user, Feature.WHAT_IF)},
        "status": forecast.get("status") or {},
        "forecast": _forecast_view(forecast),
        "sliders": _sliders(values, errors),
        "result": _result_view(result),
        "errors": _messages(errors or {}),
        "report": statements.statements(user, today=today),
        "charts": charts.load(user, today),
    }


@login_required
@require_safe
def insights(request: HttpRequest) -> HttpResponse:
    today = services.local_today(request.user)
    return render(request, "insights/insights.html", _page(request, today))


@login_required
@require_safe
@vary_on_headers("HX-Request")
def what_if(request: HttpRequest) -> HttpResponse:
    """The forecast with the sliders' values; with htmx, the result region only. On Free
    (billing on) the Insights page, whose what-if card offers Premium."""
    user = request.user
    today = services.local_today(user)
    if not limits.has_feature(user, Feature.WHAT_IF):
        return render(request, "insights/insights.html", _page(request, today))
    asked = _asked(request.GET)
    result, errors = None, {}
    try:
        result = whatif.what_if(user, today, asked)
    except ValidationError as error:
        errors = {name: " ".join(messages) for name, messages in error.message_dict.items()}
    if request.htmx and not request.htmx.history_restore_request:
        sliders = _sliders(_slider_values(asked, errors))
        context = {"result": _result_view(result), "errors": _messages(errors), "sliders": sliders, "swapped": True}
        return render(request, "insights/insights.html#what-if-result", context)
    return render(request, "insights/insights.html", _page(request, today, asked=asked, result=result, errors=errors))
