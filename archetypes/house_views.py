"""House pages: the houses and this week's cup, past weeks' cups (Premium's when billing is
on), one house's page, changing house."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from habitstory.billing import limits
from habitstory.billing.models import Feature
from habitstory.core.days import week_bounds

from . import houses
from .models import House


class HouseChangeForm(forms.Form):
    house = forms.ModelChoiceField(
        queryset=House.objects.none(),
        to_field_name="slug",
        widget=forms.RadioSelect,
        label="Move to",
        error_messages={"required": "Choose the house to move to.", "invalid_choice": "Choose one of the houses listed."},
    )

    def __init__(self, *args, current: House, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = House.objects.exclude(pk=current.pk)


@login_required
@require_safe
def house_list(request: HttpRequest) -> HttpResponse:
    standings = houses.cup(viewer=request.user)
    return render(request, "archetypes/house_list.html", {
        "standings": standings,
        "in_a_house": any(standing.yours for standing in standings),
        "cup_history": limits.has_feature(request.user, Feature.CUP_HISTORY),  # no query with billing off
    })


@login_required
@require_safe
def cup_history(request: HttpRequest) -> HttpResponse:
    """The last weeks' cups, each week dated in the viewer's own weeks; Free sees what it is
    and an upgrade card (nothing computed)."""
    if not limits.has_feature(request.user, Feature.CUP_HISTORY):
        return render(request, "archetypes/house_cup_history.html", {"locked": True})
    profile = request.user.profile
    this_week, _ = week_bounds(profile.local_today(), profile.week_start)
    mine = houses.house_of(request.user)
    weeks = []
    for past in houses.cup_history():
        start = this_week - dt.timedelta(weeks=past.weeks_ago)
        standings = [replace(standing, yours=mine is not None and standing.house.pk == mine.pk)
                     for standing in past.standings]
        weeks.append({"start": start, "end": start + dt.timedelta(days=6), "standings": standings,
                      "winners": past.winners})
    return render(request, "archetypes/house_cup_history.html", {"locked": False, "weeks": weeks})


@login_required
@require_safe
def house_detail(request: HttpRequest, slug: str) -> HttpResponse:
    house = get_object_or_404(House, slug=slug)
    return _render_house(request, house)


@login_required
@require_POST
def change_house(request: HttpRequest) -> HttpResponse:
    membership = houses.membership_of(request.user)
    if membership is None:
        messages.error(request, "Take the quiz to join a house first.")
        return redirect("archetypes:houses")
    form = HouseChangeForm(request.POST, current=membership.house)
    if not form.is_valid():
        return _render_house(request, membership.house, form=form, status=400)
    try:
        houses.change_house(request.user, form.cleaned_data["house"])
    except houses.HouseChangeTooSoon as too_soon:
        when = timezone.localtime(too_soon.next_allowed)
        form.add_error("house", f"You can change house once a week: next from {when:%a %-d %b, %H:%M}.")
        return _render_house(request, membership.house, form=form, status=400)
    messages.success(request, f"Welcome to {form.cleaned_data['house'].name}.")
    return redirect("archetypes:house", slug=form.cleaned_data["house"].slug)


def _render_house(request: HttpRequest, house: House, *, form: HouseChangeForm | None = None, status: int = 200):
    membership = houses.membership_of(request.user)
    your_house = membership.house if membership else None
    context = {
        "house": house,
        "standing": houses.standing_of(house, houses.cup()),
        "your_house": your_house,
        "is_member": your_house is not None and your_house.pk == house.pk,
    }
    if membership is not None:
        next_allowed = houses.next_change_allowed(membership)
        context["next_allowed"] = next_allowed
        context["can_change"] = timezone.now() >= next_allowed
        context["form"] = form or HouseChangeForm(current=your_house, initial={"house": house.slug})
    return render(request, "archetypes/house.html", context, status=status)
