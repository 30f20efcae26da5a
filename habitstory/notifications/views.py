"""The inbox and the push devices. Every inbox change is a POST that calls
notifications.services, then redirects (or, for htmx, re-renders the changed item with the
bell out-of-band); the push endpoints answer the profile page's script in JSON."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from . import push, services
from .models import Notification, PushSubscription

PER_PAGE = 50


def _get_notification(request: HttpRequest, pk: int) -> Notification:
    return get_object_or_404(Notification, pk=pk, user=request.user, in_app=True)


@login_required
@require_safe
def inbox(request: HttpRequest) -> HttpResponse:
    notifications = Notification.objects.filter(user=request.user, in_app=True).only(
        "id", "kind", "title", "body", "url", "created_at", "read_at"
    )
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@login_required
@require_safe
def bell(request: HttpRequest) -> HttpResponse:
    """The header bell with its number, for pages rendered while the count was not cached."""
    context = {"unread_notifications": services.unread_count(request.user)}
    return render(request, "notifications/_bell.html", context)


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = _get_notification(request, pk)
    services.mark_read(notification)
    if request.htmx:
        item = render_to_string("notifications/inbox.html#item", {"notification": notification}, request)
        return HttpResponse(item + services.render_bell(request.user.pk, oob=True))
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    changed = services.mark_all_read(request.user)
    messages.success(request, f"Marked {changed} notification{'s' if changed != 1 else ''} read.")
    return redirect("notifications:inbox")


@login_required
@require_POST
def clear_read(request: HttpRequest) -> HttpResponse:
    deleted = services.clear_read(request.user)
    messages.success(
        request,
        f"Cleared {deleted} read notification{'s' if deleted != 1 else ''} older than "
        f"{services.CLEAR_READ_AFTER_DAYS} days.",
    )
    return redirect("notifications:inbox")


# --- Web Push devices -------------------------------------------------------------------------


def _json_body(request: HttpRequest) -> object:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None


@login_required
@require_safe
def push_devices(request: HttpRequest) -> HttpResponse:
    """The profile page's push card alone, re-rendered after this browser (un)subscribes."""
    return render(request, "notifications/push_devices.html")


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """Store this browser's push subscription (the JSON of `PushSubscription.toJSON()`)."""
    if not push.enabled():
        return JsonResponse({"errors": {"push": "Push notifications are not set up on this server."}}, status=409)
    try:
        subscription, created = push.subscribe(
            request.user, _json_body(request), device=push.device_label(request.headers.get("User-Agent", ""))
        )
    except push.SubscriptionError as error:
        return JsonResponse({"errors": error.details}, status=400)
    return JsonResponse({"id": subscription.pk, "device": subscription.device}, status=201 if created else 200)


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> JsonResponse:
    """Forget this browser (it unsubscribed itself): {"endpoint": …}."""
    data = _json_body(request)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str) or not endpoint:
        return JsonResponse({"errors": {"endpoint": "Send the endpoint of the subscription to remove."}}, status=400)
    return JsonResponse({"removed": push.unsubscribe(request.user, endpoint=endpoint)})


@login_required
@require_POST
def push_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove one device from the list on the profile page."""
    subscription = get_object_or_404(PushSubscription, pk=pk, user=request.user)
    push.unsubscribe(request.user, pk=subscription.pk)
    messages.success(request, f"{subscription.device or 'That browser'} will no longer get push notifications.")
    return redirect(reverse("accounts:profile") + "#push-devices")
