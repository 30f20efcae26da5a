"""The API tokens page (/profile/tokens/): list, create (the token is shown once, with a
copy button), revoke. Plain POST → redirect pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import services
from .forms import ApiTokenForm
from .models import ApiToken

NEW_TOKEN_KEY = "api_new_token"  # in the session until the tokens page has shown it once


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        token, raw = services.issue_token(request.user, form.cleaned_data["name"])
        request.session[NEW_TOKEN_KEY] = {"name": token.name, "token": raw}
        messages.success(request, f"Token “{token.name}” created. Copy it now: it will not be shown again.")
        return redirect("tokens:index")
    new_token = request.session.pop(NEW_TOKEN_KEY, None) if request.method == "GET" else None
    return render(request, "api/tokens.html", {
        "form": form,
        "tokens": list(ApiToken.objects.filter(user=request.user)),
        "new_token": new_token,
    })


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    services.revoke_token(token)
    messages.success(request, f"Token “{token.name}” revoked; requests that use it are now refused.")
    return redirect("tokens:index")
