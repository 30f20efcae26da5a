"""The API's docs page: Swagger UI from the copy django-ninja ships, no CDN and no inline
script (the site's Content-Security-Policy allows scripts from 'self' with a nonce only).

ninja serves those files through django.contrib.staticfiles only when "ninja" is an
installed app; it is not, so the three files the page needs are served from the package
by `docs_asset`, with a version in the URL so they can be cached for good."""

from __future__ import annotations

from pathlib import Path

import ninja
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from ninja.openapi.docs import DocsBase

from habitstory.core.streaming import served

from .envelope import error_response

NINJA_STATIC = Path(ninja.__file__).resolve().parent / "static" / "ninja"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}


class SwaggerPage(DocsBase):
    def render_page(self, request: HttpRequest, api, **kwargs) -> HttpResponse:
        return render(
            request,
            "api/docs.html",
            {"api": api, "openapi_url": self.get_openapi_url(api, kwargs), "ninja_version": ninja.__version__},
        )


@require_safe
def docs_asset(request: HttpRequest, name: str) -> HttpResponse:
    content_type = ASSETS.get(name)
    if content_type is None:
        return error_response(404)
    response = FileResponse((NINJA_STATIC / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return served(request, response)
