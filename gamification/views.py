"""Rewards pages: achievements, the pet, the weekly leaderboard."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from archetypes import houses
from habitstory.billing.limits import PlanLimitReached
from habitstory.core.days import week_bounds
from habitstory.story.facts import progress_facts

from . import achievements as achievement_rules
from . import leaderboard as boards
from . import pets
from .models import Achievement, UserAchievement
from .services import pet_of, xp_summary

PROGRESS_UNITS = {
    Achievement.Kind.HABIT_STREAK: "days",
    Achievement.Kind.TOTAL_TICKS: "ticks",
    Achievement.Kind.FIRST_TICK: "ticks",
    Achievement.Kind.GOALS_COMPLETED: "goals",
}


@login_required
@require_safe
def achievements(request: HttpRequest) -> HttpResponse:
    unlocked = dict(
        UserAchievement.objects.filter(user=request.user).values_list("achievement_id", "unlocked_at")
    )
    active = list(Achievement.objects.filter(active=True))
    locked_kinds = {a.kind for a in active if a.pk not in unlocked}
    facts = progress_facts(request.user, locked_kinds) if locked_kinds else {}
    items = []
    for achievement in active:
        locked = achievement.pk not in unlocked
        bar = achievement_rules.progress(achievement, facts) if locked else None
        items.append({
            "achievement": achievement,
            "unlocked_at": unlocked.get(achievement.pk),
            "progress": bar,
            "progress_label": _progress_label(achievement.kind, *bar) if bar else "",
        })
    summary = xp_summary(request.user.profile)
    return render(request, "gamification/achievements.html", {
        "items": items,
        "unlocked_count": sum(1 for item in items if item["unlocked_at"]),
        "summary": summary,
        "to_next": summary["need"] - summary["into"],
    })


def _progress_label(kind: str, current: int, threshold: int) -> str:
    if kind == Achievement.Kind.LEVEL:
        return f"Level {current} of {threshold}"
    return f"{current}/{threshold} {PROGRESS_UNITS.get(kind, '')}".rstrip()


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def pet(request: HttpRequest) -> HttpResponse:
    current = pets.pet_for(request.user)
    if request.method == "POST":
        form = pets.PetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                renamed = pets.rename_pet(pet_of(request.user), data["name"], data["species"])
            except PlanLimitReached as exc:
                form.add_error("species", exc.html())  # a Premium species on Free; the name typed stays
            else:
                messages.success(request, f"Saved: {renamed}.")
                return redirect("gamification:pet")
    else:
        form = pets.PetForm(initial={"name": current.name, "species": current.species})
    species = pets.species_choices(current, request.user)
    return render(request, "gamification/pet.html", {
        "pet": current,
        "drawing": pets.drawing(current),
        "facts": pets.facts(current),
        "history": pets.history(current),
        "form": form,
        "species_choices": species,
        "species_locked": any(choice.locked for choice in species),
        "chosen_species": form["species"].value() or current.species,
    })


@login_required
@require_safe
def leaderboard(request: HttpRequest) -> HttpResponse:
    """Everyone's board, or (?scope=house) the viewer's house's; the house cup beside it."""
    scope = "house" if request.GET.get("scope") == "house" else boards.EVERYONE
    house = houses.house_of(request.user) if scope == "house" else None
    if scope == "house":
        board = houses.house_board(request.user, house) if house else None
    else:
        board = boards.weekly(request.user)
    profile = request.user.profile
    start, end = week_bounds(profile.local_today(), profile.week_start)
    return render(request, "gamification/leaderboard.html", {
        "board": board, "scope": scope, "house": house, "cup": houses.cup(viewer=request.user), "week_start": start, "week_end": end,
    })
