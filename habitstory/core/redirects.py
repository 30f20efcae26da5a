"""Where a form goes back to after it is sent: the `next` it carries, when that is a path of
this site, else the page's default. A bare name ("0", "today") would be read by
`redirect()` as a view name and fail; another site ("//x", "https://x") is an open redirect."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def next_url(request: HttpRequest, default: str) -> str:
    """The `next` of the POST (or the query string) if it is a path of this site, else `default`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
