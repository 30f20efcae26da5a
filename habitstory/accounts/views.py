from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from habitstory.insights import state as insights_state

from .forms import ProfileForm


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user.profile)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            if "pooled_learning" in form.changed_data:  # as PATCH /api/v1/me: retrain tonight, forecasts go
                insights_state.data_changed(request.user.pk)
            messages.success(request, "Your settings are saved.")
            return redirect("accounts:profile")
        messages.error(request, "Some settings need another look.")
    return render(request, "accounts/profile.html", {"form": form})
