"""The inbox. Every change is a POST that calls notifications.services, then redirects
(or, for htmx, re-renders the changed item with the bell out-of-band)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST, require_safe

from . import services
from .models import Notification

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
