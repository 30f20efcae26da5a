"""The story layer's one page: the navigation box's search over habits, goals and quests
(habitstory.story.search). A GET form; with htmx the groups refresh as you type."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from quests.search import Q_MAX

from .search import find


@login_required
@require_safe
@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "story/search.html#groups" if fragment else "story/search.html"
    return render(request, template, {"found": find(request.user, q), "q_max": Q_MAX})
