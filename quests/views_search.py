"""The quest search page: a GET form that works without JavaScript; with htmx the results
refresh as you type (the page's `results` partial)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from .models import Category, Quest
from .search import Q_MAX, SORTS, search

PAGE = 50  # results shown; more asks to narrow the search

ATTACHMENTS = {"": "Any", "yes": "With files", "no": "Without files"}


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=Q_MAX, label="Search quests",
                        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}))
    status = forms.MultipleChoiceField(required=False, choices=Quest.Status.choices,
                                       widget=forms.CheckboxSelectMultiple)
    category = forms.ModelChoiceField(required=False, queryset=Category.objects.none(), empty_label="Any")
    due_after = forms.DateField(required=False, label="Due from", widget=forms.DateInput(attrs={"type": "date"}))
    due_before = forms.DateField(required=False, label="Due by", widget=forms.DateInput(attrs={"type": "date"}))
    files = forms.ChoiceField(required=False, choices=ATTACHMENTS.items(), label="Attachments")
    sort = forms.ChoiceField(required=False, choices=SORTS.items(), label="Sort by")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(user=user)

    def clean(self):
        cleaned = super().clean()
        after, before = cleaned.get("due_after"), cleaned.get("due_before")
        if after and before and after > before:
            self.add_error("due_before", "The end of the due range must not be before its start.")
        return cleaned

    def filters(self) -> dict:
        """search()'s arguments from the valid form."""
        data = self.cleaned_data
        return {
            "status": data["status"],
            "category": data["category"].pk if data["category"] else None,
            "due_after": data["due_after"],
            "due_before": data["due_before"],
            "has_attachments": {"yes": True, "no": False}.get(data["files"]),
            "sort": data["sort"] or "relevance",
        }


@login_required
@require_safe
@vary_on_headers("HX-Request")
def quest_search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET, user=request.user)
    quests, more = [], False
    if form.is_valid():
        found = list(search(request.user, form.cleaned_data["q"], **form.filters())[: PAGE + 1])
        quests, more = found[:PAGE], len(found) > PAGE
    context = {"form": form, "quests": quests, "more": more, "page": PAGE, "searched": bool(request.GET)}
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "quests/search.html#results" if fragment else "quests/search.html"
    return render(request, template, context)
