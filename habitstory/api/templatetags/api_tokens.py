from __future__ import annotations

from django import template

from ..forms import ApiTokenForm
from ..models import ApiToken
from ..views import NEW_TOKEN_KEY

register = template.Library()


@register.inclusion_tag("api/_tokens.html", takes_context=True)
def api_tokens(context) -> dict:
    """The "API tokens" card for the signed-in user: their tokens, the create form (bound,
    with its errors, when the tokens view re-renders it) and, once, a token just created."""
    request = context["request"]
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "tokens": list(ApiToken.objects.filter(user=user)),
        "form": context.get("api_token_form") or ApiTokenForm(user=user),
        "new_token": request.session.pop(NEW_TOKEN_KEY, None),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
