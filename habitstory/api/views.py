"""The profile page's "API tokens" card: list, create (the token is shown once), revoke.
Plain POST → redirect pages; the card itself is the {% api_tokens %} tag."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .forms import ApiTokenForm
from .models import ApiToken

NEW_TOKEN_KEY = "api_new_token"  # in the session until the card has shown it once


def _back_to_profile() -> HttpResponse:
    return redirect(reverse("accounts:profile") + "#api-tokens")


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        token, raw = services.issue_token(request.user, form.cleaned_data["name"])
        request.session[NEW_TOKEN_KEY] = {"name": token.name, "token": raw}
        messages.success(request, f"Token “{token.name}” created. Copy it now: it will not be shown again.")
        return _back_to_profile()
    return render(request, "api/tokens.html", {"api_token_form": form})


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_token(token)
    messages.success(request, f"Token “{token.name}” revoked; requests that use it are now refused.")
    return _back_to_profile()
