"""Stripe's webhook endpoint, /billing/webhook/ (docs/billing.md, "Webhooks")."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import webhooks


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    """400 when the signature is not Stripe's (nothing else read); 200 once handled, or
    already handled before. Any other error is a 500 and nothing is recorded: Stripe retries."""
    try:
        webhooks.handle(request.body, request.headers.get("Stripe-Signature"))
    except webhooks.InvalidWebhook:
        return JsonResponse({"error": "invalid signature"}, status=400)
    return JsonResponse({"received": True})
