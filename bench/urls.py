"""The app's URLs plus a minimal logged-in page: the same middleware and base template with
no content, the baseline the benchmark compares the Today page with."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path

from habitstory.urls import handler404, handler500, urlpatterns as app_urlpatterns  # noqa: F401


@login_required
def minimal(request):
    return render(request, "base.html")


urlpatterns = [path("bench/minimal/", minimal), *app_urlpatterns]
