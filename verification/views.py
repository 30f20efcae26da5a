"""Verification's pages: the capture page (the browser anonymises, hashes and uploads to
POST /api/v1/verifications), and the media, decrypted for whoever may see it (the owner,
staff, the reviewer holding the claim; everyone else gets a 404). The review queue's
pages are in review_views.py."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from habits.models import Habit, Occurrence
from habitstory.billing import limits
from habitstory.billing.models import Kind
from habitstory.core.redirects import next_url
from habitstory.story.verification import claim_of

from . import media, services
from .models import Submission

PITCH_SEMITONES = -5  # the voice's shift (docs/privacy.md); capture.js reads it from the page
# A proof opened on its own runs nothing and loads nothing.
MEDIA_CSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise Http404("No such day") from None


@login_required
@require_safe
def capture(request: HttpRequest, habit_id: int, on: str) -> HttpResponse:
    """Prove a habit's day: photo, video or voice, anonymised in the browser."""
    habit = get_object_or_404(Habit, pk=habit_id, user=request.user, deleted_at__isnull=True)
    day = _day(on)
    today = request.user.profile.local_today()
    if day > today or day < habit.start_date:
        raise Http404("No such day")
    occurrence = Occurrence.objects.filter(habit=habit, on=day).first()
    live = services.live_submission(occurrence) if occurrence is not None and occurrence.xp_cycle else None
    limits = {kind: {"bytes": media.MAX_BYTES[kind], "seconds": media.MAX_SECONDS.get(kind)}
              for kind in Submission.Kind.values}
    return render(request, "verification/capture.html", {
        "habit": habit, "on": day, "is_today": day == today, "claim": claim_of(habit, occurrence),
        "kinds": Submission.Kind.choices, "api_url": "/api/v1/verifications",
        "done_url": next_url(request, reverse("core:today") if day == today else reverse("habits:detail", args=[habit.pk])),
        "log_url": reverse("habits:log", args=[habit.pk, day.isoformat()]),
        "limits": limits, "pitch_semitones": PITCH_SEMITONES, "submission": live,
        "is_done": occurrence is not None and occurrence.status == Occurrence.Status.DONE,
        "upload_refusal": _upload_refusal(request.user) if live is None else "",
    })


def _upload_refusal(user) -> str:
    """The Free plan's message with its upgrade link when this month's uploads are used up
    ("": an upload may be sent; billing off or Premium asks nothing)."""
    try:
        limits.ensure_can_add(user, Kind.UPLOADS)
    except limits.PlanLimitReached as exc:
        return exc.html()
    return ""


def media_response(submission: Submission) -> HttpResponse:
    """The decrypted media, never cached, never sniffed, sandboxed."""
    response = HttpResponse(services.media_bytes(submission), content_type=submission.content_type)
    extension = submission.content_type.split("/")[-1]
    response["Content-Disposition"] = f'inline; filename="proof-{submission.pk}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_CSP
    return response


def viewable(user, pk: int) -> Submission:
    """The submission if the requester may see its media; a 404 for anyone else, the same
    answer as for an id that does not exist."""
    submission = Submission.objects.filter(pk=pk).first() if pk < 2**63 else None
    if submission is None or not services.can_view_media(user, submission):
        raise Http404("No such proof")
    return submission


@login_required
@require_safe
def media_view(request: HttpRequest, pk: int) -> HttpResponse:
    return media_response(viewable(request.user, pk))
