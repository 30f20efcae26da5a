"""Every API response is an envelope: `{"data": …, "meta": …}` on success and
`{"error": {"code", "message", "details"}, "meta": …}` on failure.

Handlers return `ok(data)`; anything that goes wrong becomes an error envelope here, so a
client never sees Django's HTML pages nor a 500 for something it sent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    BadRequest,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.responses import NinjaJSONEncoder
from ninja.schema import DjangoGetter
from pydantic import ModelWrapValidatorHandler, ValidationInfo, model_validator

from habitstory.billing.limits import PlanLimitReached

from . import fields

logger = logging.getLogger(__name__)
SCHEDULE_KINDS = frozenset({"daily", "weekdays", "per_week", "every_n_days"})

VERSION = "v1"
T = TypeVar("T")

# One code per status, for errors that carry no code of their own.
CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    500: "server_error",
}
MESSAGES = {
    400: "Some fields need another look.",
    401: "Send a valid API token as “Authorization: Bearer <token>”, or sign in.",
    403: "This request is not allowed.",
    404: "Not found.",
    405: "This method is not allowed here.",
    409: "This clashes with something you already have.",
    413: "The request body is too large.",
    415: "Send the body as JSON, with the header “Content-Type: application/json”.",
    429: "Too many requests; slow down and retry after the time in the Retry-After header.",
    500: "Something went wrong on our side. It has been logged.",
}


# --- schemas (for OpenAPI and response validation) ------------------------------------------


class Out(Schema):
    """A response schema. The handlers build their answers as plain dicts, which pydantic
    validates directly; ninja's own way wraps every value in a DjangoGetter first, whose
    lookups field by field in Python cost about 13 times as much (1 ms for a list of 30
    habits). Anything but a dict still goes ninja's way."""

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler, info: ValidationInfo) -> Any:
        if type(values) is dict:
            return handler(values)
        return handler(DjangoGetter(values, cls, info.context))


class Meta(Out):
    timestamp: dt.datetime
    version: str


class Envelope(Out, Generic[T]):
    data: T
    meta: Meta


class ErrorBody(Out):
    code: str
    message: str
    # Each field's messages; for 403 `plan_limit`: {"limit": 10, "used": 10, "kind": "habits"}.
    details: dict[str, list[str] | int | str]


class ErrorEnvelope(Out):
    error: ErrorBody
    meta: Meta


ERROR_STATUSES = frozenset({400, 401, 403, 404, 429})
BODY_ERROR_STATUSES = frozenset({*ERROR_STATUSES, 409, 413, 415})


def responses(schema: Any, status: int = 200, *, body: bool = False) -> dict:
    """The `response=` of an operation: its envelope, and the error envelope it may return
    (`body`: an operation that reads a JSON body, which may also be too large, not JSON
    (415), or clash with what is stored (409))."""
    return {status: Envelope[schema], (BODY_ERROR_STATUSES if body else ERROR_STATUSES): ErrorEnvelope}


class UnsupportedMediaType(Exception):
    """A request body that is not sent as JSON (parser.StrictJSONParser)."""


# --- building envelopes ---------------------------------------------------------------------


def meta() -> dict:
    return {"timestamp": timezone.now().astimezone(dt.timezone.utc), "version": VERSION}


def ok(data: Any) -> dict:
    return {"data": data, "meta": meta()}


class ApiError(Exception):
    """An error the client can act on; becomes an error envelope with this status."""

    def __init__(self, status: int, message: str | None = None, details: Mapping | None = None,
                 code: str | None = None) -> None:
        self.status = status
        self.code = code or CODES.get(status, "error")
        self.message = message or MESSAGES.get(status, "Request failed.")
        self.details = {key: list(value) for key, value in (details or {}).items()}
        super().__init__(self.message)


def invalid(details: Mapping[str, list[str] | str], message: str | None = None) -> ApiError:
    """A 400 naming the fields: {"schedule.days": ["Pick at least one day of the week."]}."""
    return ApiError(
        400,
        message,
        {key: [value] if isinstance(value, str) else value for key, value in details.items()},
    )


def error_response(status: int, code: str | None = None, message: str | None = None,
                   details: Mapping | None = None) -> HttpResponse:
    body = {
        "error": {
            "code": code or CODES.get(status, "error"),
            "message": message or MESSAGES.get(status, "Request failed."),
            "details": dict(details or {}),
        },
        "meta": meta(),
    }
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder), status=status, content_type="application/json; charset=utf-8"
    )


# --- translating errors ---------------------------------------------------------------------


def model_error_details(error: DjangoValidationError, field_names: Mapping[str, str] | None = None) -> dict:
    """A Django ValidationError (from a service or full_clean) as API details, with model
    field names turned into the API's names (weekdays → schedule.days)."""
    field_names = field_names or {}
    if hasattr(error, "error_dict"):
        items = error.message_dict.items()
    else:
        items = [(NON_FIELD_ERRORS, error.messages)]
    details: dict[str, list[str]] = {}
    for field, messages in items:
        key = field_names.get(field, "non_field_errors" if field == NON_FIELD_ERRORS else field)
        details.setdefault(key, []).extend(messages)
    return details


def _schema_message(error: dict, key: str) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind == "missing" and key == "body":
        return "Send a JSON object."
    if kind == "missing":
        return "This field is required."
    if kind == "extra_forbidden":
        return "Unknown field."
    if kind in {"model_attributes_type", "dict_type", "model_type"}:
        return "Send a JSON object."
    return fields.message_for(kind, key, context) or str(error.get("msg", "Invalid value."))


def schema_error_details(errors: list[dict]) -> dict:
    """ninja/pydantic errors ({"loc": ["body", "payload", "target", "value"], …}) as
    {"target.value": [message]}. List positions are dropped ("schedule.days"), and so is
    the kind a schedule was read as ("schedule.weekdays.days")."""
    details: dict[str, list[str]] = {}
    for error in errors:
        loc = list(error.get("loc") or ())
        source = str(loc.pop(0)) if loc else "body"
        if source == "body" and loc:
            loc.pop(0)  # the view argument's name
        parts = [str(part) for part in loc if not isinstance(part, int)]
        if len(parts) > 1 and parts[0] == "schedule" and parts[1] in SCHEDULE_KINDS:
            del parts[1]
        if parts == ["schedule"] and error.get("type", "").startswith("union_tag"):
            parts.append("kind")
        key = ".".join(parts) or source
        details.setdefault(key, []).append(_schema_message(error, key))
    return details


def install(api: NinjaAPI) -> None:
    """Replace ninja's default error responses with envelopes."""

    @api.exception_handler(ApiError)
    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(PlanLimitReached)
    def on_plan_limit(request: HttpRequest, exc: PlanLimitReached) -> HttpResponse:
        return error_response(403, exc.code, exc.message, exc.details)

    @api.exception_handler(NinjaValidationError)
    def on_schema_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        return error_response(400, details=schema_error_details(exc.errors))

    @api.exception_handler(DjangoValidationError)
    def on_model_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return error_response(400, details=model_error_details(exc))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404)

    @api.exception_handler(AuthenticationError)
    def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = error_response(401)
        response["WWW-Authenticate"] = 'Bearer realm="HabitStory API"'
        return response

    @api.exception_handler(Throttled)
    def on_throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
        response = error_response(429)
        if exc.wait is not None:  # ninja sets it too after a throttle, not after auth's (auth.py)
            response["Retry-After"] = str(math.ceil(exc.wait))
        return response

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, UnsupportedMediaType):  # raised by the parser, wrapped by ninja
            return error_response(415)
        if exc.status_code == 400:  # ninja could not parse the body
            return error_response(400, details={"body": ["Send a valid JSON object."]})
        if exc.status_code == 403 and "CSRF" in exc.message:
            return error_response(
                403, "csrf_failed", "CSRF check failed: send the csrftoken cookie's value in an X-CSRFToken header."
            )
        return error_response(exc.status_code, message=exc.message)

    _install_body_errors(api)

    @api.exception_handler(Exception)
    def on_bug(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
        return error_response(500)


def _install_body_errors(api: NinjaAPI) -> None:
    """A body too large, or one that cannot be read at all (headers, multipart)."""

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return error_response(413)

    @api.exception_handler(SuspiciousOperation)
    def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        return error_response(400, "bad_request", "The request could not be understood.")

    @api.exception_handler(MultiPartParserError)
    def on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return error_response(400, "bad_request", "The multipart body could not be read.")

    @api.exception_handler(BadRequest)
    def on_bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
        return error_response(400, "bad_request", "The request could not be understood.")
