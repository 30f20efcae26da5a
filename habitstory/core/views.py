from __future__ import annotations

import functools
import json

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from . import pwa
from .health import job_runs, run_checks


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks, "jobs": job_runs()},
        status=200 if healthy else 503,
    )


@require_safe
@cache_control(max_age=3600, public=True)
def manifest(request: HttpRequest) -> HttpResponse:
    return HttpResponse(
        json.dumps(pwa.manifest(), indent=2), content_type="application/manifest+json"
    )


@require_safe
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and tools ask for whatever a page's <link rel="icon">
    says (a JSON answer, the API's docs…): the app's icon, as a PNG."""
    return HttpResponse(_favicon_png(), content_type="image/png")


@functools.cache
def _favicon_png() -> bytes:
    with open(finders.find("icons/icon-192.png"), "rb") as icon:
        return icon.read()


@require_safe
@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    urls = pwa.precache_urls()
    script = render_to_string(
        "core/sw.js",
        {
            "precache_json": json.dumps(urls),
            "offline_url_json": json.dumps(urls[0]),
            "version": pwa.cache_version(urls),
            "icon_json": json.dumps(static("icons/icon-192.png")),
            "queue_module_json": json.dumps(static("js/offline-queue.js")),
            "kept_pages_json": json.dumps(pwa.KEPT_PAGES),
            "logout_path_json": json.dumps(reverse("account_logout")),
        },
    )
    response = HttpResponse(script, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "core/offline.html")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors: whatever broke must not break the error page too.
    return HttpResponse(render_to_string("500.html"), status=500)
