from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .models import Habit


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    habits = (
        Habit.objects.filter(user=request.user, deleted_at__isnull=True)
        .exclude(status=Habit.Status.ARCHIVED)
        .select_related("pillar")
        .annotate(done_count=Count("occurrences", filter=Q(occurrences__status="done")))
        .order_by("pillar__position", "pillar_id", "position", "id")
    )
    return render(request, "habits/index.html", {"habits": habits})
