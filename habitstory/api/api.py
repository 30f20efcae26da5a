"""The JSON API, version 1, mounted at /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at
/api/v1/docs). Every response is an envelope (see envelope.py), including a 404 for an
unknown path and a 405 for a method a path does not take."""

from __future__ import annotations

import functools
import json

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, re_path, reverse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.responses import NinjaJSONEncoder

from . import envelope
from .auth import FAILED_AUTH_LIMIT, RATE_LIMIT, BearerToken, BrowserSession, PerUserThrottle
from .docs import SwaggerPage, docs_asset
from .pagination import DEFAULT_LIMIT, MAX_LIMIT
from .parser import StrictJSONParser
from .routers import analytics, habits, pillars, suggestions

DESCRIPTION = """
Your habits, logs, statistics and pillars, goals, rewards, quests, notifications, archetype and house,
check-ins, life events and insights, as JSON.

**Authentication.** Create a personal access token on your profile's API tokens page
(`/profile/tokens/`, or with `manage.py create_token EMAIL`) and send it as
`Authorization: Bearer <token>`. In the browser, your session works too; unsafe methods
then need the `X-CSRFToken` header.

**Envelope.** Success: `{"data": …, "meta": {"timestamp", "version"}}`. Failure:
`{"error": {"code", "message", "details": {field: [messages]}}, "meta": …}` with codes
`validation_error` (400), `unauthorized` (401), `csrf_failed` / `forbidden` (403),
`not_found` (404, also for another user's objects, and for an id in a body that is not
yours), `method_not_allowed` (405), `conflict` (409: a pillar's name you already use),
`payload_too_large` (413), `unsupported_media_type` (415: a body not sent as
`Content-Type: application/json`) and `rate_limited` (429, with `Retry-After`).

**Limits.** {rate} requests a minute per user (all their tokens and the session together).
After {failed} wrong tokens in a minute from one client address, every request with a token
from that address is answered 429 until the minute ends.
Each field's limits are in this schema, as the server checks them: lengths (names 1–80
characters, pillar names 1–40, notes and descriptions up to 2,000), characters (no
control characters; tabs and line breaks only in notes and descriptions; no
text-direction overrides in names and units), ranges. Amounts are JSON numbers, rounded to
2 decimal places. A time is `HH:MM`, without a time zone. What a schema cannot say is
checked too and named in the field's description: a start date from 1 January 2000 to a
year from today, a deadline on or after the start.

**Lists** come a page at a time, in a fixed order: `?limit=` (1–{max_limit}, default {default_limit}) and
`?cursor=`, the value of the previous page's `meta.next` (null on the last page). A cursor
is opaque and signed: one that was altered, or made for another list, is a 400 naming
`cursor`. A page starts right after the row that ended the one before, so rows added or
removed meanwhile are neither skipped nor repeated.

**Quests.** Status changes are actions: `POST /quests/{id}/start`, `/complete`, `/reopen`,
`/abandon`, and `/progress` ticks a manual objective; each answers with the quest and what
the change did (`xp`, and the quests it `completed`, `reopened`, `unlocked` or made
`ready`). Quest errors have their own codes: `quest_locked` (409: it waits for quests not
done, named in `details.waiting_for` and `details.waiting_for_ids`), `dependency_cycle`
(400: the edge would close a loop, given in `details.cycle` and `details.cycle_ids`, first
quest repeated last), `dependency_exists`, `quest_finished`, `quest_abandoned` and
`quest_has_dependents` (409), `objective_not_manual` (400); attachments add
`unsupported_file` (400) and `payload_too_large` (413).

**Archetypes.** `GET /quiz` gives the active questions with their choices' ids and the quiz
version; send every answer to `POST /archetypes/assign` as `{"answers": {"<question_id>":
"<choice_id>", …}}` (ids as strings or whole numbers) for your archetype, house, trait scores
(0–100), `confidence` (0–1) and the rule that matched (or "nearest profile"). A missing
answer, an unknown question or choice, or a choice of another question is a 400 naming
`answers.<question_id>`. `GET /users/me/archetype` is your active assignment (404
`no_assignment` before the quiz); `GET /archetypes` the archetypes with their profiles and
starter plans; `GET /houses` the houses in this week's cup. The quiz and the archetypes may be
up to an hour old, unless staff changed them.

**Check-ins and insights.** `PUT /checkins/{day}` creates or replaces a day's check-in (every
field optional; your local today or before); `GET /insights/predictions/{day}` forecasts that
day's mood, energy and due habits from the inputs logged for it and the days before, with
your own models once you have 60 labelled days, or meanwhile the pooled model if you opted in
(`PATCH /me` with `{"pooled_learning": true}`); `mood` and `energy` are null until a model
serves you, and `status` says how far the learning is.

**Dates** are your local dates (your profile's time zone and day start), YYYY-MM-DD.
DELETE answers 200 with `data: null` (or, for a log, the day after the undo).
""".replace("{rate}", RATE_LIMIT.split("/")[0]).replace("{failed}", str(FAILED_AUTH_LIMIT)).replace(
    "{max_limit}", str(MAX_LIMIT)).replace("{default_limit}", str(DEFAULT_LIMIT))


@csrf_exempt
def not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    return envelope.error_response(404, message="No such endpoint. See /api/v1/docs.")


def root(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """/api/v1/: where the description and the docs are (no credentials needed)."""
    data = {"version": envelope.VERSION, "openapi": reverse("api:openapi-json"), "docs": reverse("api:openapi-view")}
    return HttpResponse(json.dumps(envelope.ok(data), cls=NinjaJSONEncoder), content_type="application/json")


def _json_405(view):
    """ninja answers a method a path does not take with a plain-text 405; make it an
    envelope (keeping the Allow header)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith("application/json"):
            allowed = response.get("Allow", "")
            response = envelope.error_response(405, message=f"This path takes {allowed}.")
            response["Allow"] = allowed
        return response

    return wrapped


class HabitStoryAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        return operation.view_func.__name__  # "create_habit", unique across the routers

    def _get_urls(self) -> list:
        urls = []
        for pattern in super()._get_urls():
            if pattern.name == "api-root":  # ninja's root view is a bare 404
                pattern = URLPattern(pattern.pattern, root, pattern.default_args, pattern.name)
            elif isinstance(pattern, URLPattern):
                pattern = URLPattern(pattern.pattern, _json_405(pattern.callback), pattern.default_args, pattern.name)
            urls.append(pattern)
        return [
            *urls,
            path("docs/assets/<str:name>", docs_asset, name="docs-asset"),
            re_path(r"^", not_found),  # everything else, a path with a newline in it too
        ]


api = HabitStoryAPI(
    title="HabitStory API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    parser=StrictJSONParser(),
    auth=[BearerToken(), BrowserSession()],
    throttle=[PerUserThrottle(RATE_LIMIT)],
    docs=SwaggerPage(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
envelope.install(api)
api.add_router("", habits.router)
api.add_router("", analytics.router)
api.add_router("", suggestions.router)
api.add_router("", pillars.router)
api.add_router("", "habitstory.api.routers.rewards.router")
api.add_router("", "habitstory.api.routers.goals.router")
api.add_router("", "habitstory.api.routers.notifications.router")
api.add_router("", "habitstory.api.routers.quests.router")
api.add_router("", "habitstory.api.routers.quest_attachments.router")
api.add_router("", "habitstory.api.routers.archetypes.router")
api.add_router("", "habitstory.api.routers.checkins.router")
api.add_router("", "habitstory.api.routers.life_events.router")
api.add_router("", "habitstory.api.routers.insights.router")
api.add_router("", "habitstory.api.routers.verifications.router")
api.add_router("", "habitstory.api.routers.reviews.router")
api.add_router("", "habitstory.api.routers.plan.router")
