"""A PlanLimitReached a view did not turn into a form error (a button, not a form: restore,
resume, reopen) becomes a message with the upgrade link, on the page the user was on."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils.http import url_has_allowed_host_and_scheme

from .limits import PlanLimitReached


class PlanLimitMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, PlanLimitReached):
            return None
        if getattr(request, "htmx", False):
            toasts = render_to_string("billing/_limit_toast.html", {"message": exception.html()})
            response = HttpResponse(toasts, status=200)
            response["HX-Reswap"] = "none"  # the page stays; the toast comes out of band
            return response
        messages.error(request, exception.html())
        back = request.headers.get("referer", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                               require_https=request.is_secure()):
            back = "/"
        return HttpResponseRedirect(back)
