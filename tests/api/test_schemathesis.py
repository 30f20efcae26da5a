"""The API against its own OpenAPI schema, with schemathesis: every operation, requests
generated from the schema (valid ones and invalid ones), sent in-process to the ASGI app
with an API token, and every check schemathesis has: no 5xx, responses and status codes as
documented, valid data accepted, invalid data refused, auth not ignored, and the rest.

A bounded number of examples per operation (EXAMPLES, or SCHEMATHESIS_EXAMPLES in the
environment for a longer run), derandomised so a run in CI is the same as here.

Two runs: one as schemathesis draws the ids (so an operation on an object is mostly a 404),
and one where the valid requests name the user's own habit, goal, pillar, quest (and a
second quest, a template, an archetype), so every handler runs to the end. Both runs have a
small quiz (tests/api/archetype_content.py), and a valid assign request answers it whole.

A few rules cannot be stated by JSON Schema, and the schema says them in words instead (see
habitstory/api/schemas.py): a start date from 1 January 2000 to a year from today, a
deadline on or after the start date, `schedule.start` the same as `start_date` when both
are sent, a range of days at most 2 years (logs) or 1 year (XP events) with `from` on or
before `to`; and, for an existing object, what is stored: a day logged no later than today
and not before the habit's start, a measurable habit with a target, only a prompted day
snoozed, a quest's due time with a due date, an attachment's content of a type taken; a
prompt window that ends after it starts, quiet hours that do not end when they start; a
list's cursor one the server gave. The generated *valid* requests are kept inside those
rules (`map_case`); the invalid ones are sent as generated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import zlib

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from PIL import Image

from archetypes.models import Archetype
from goals.models import Goal
from habits.models import Habit, Pillar
from habits.services import save_habit
from habitstory.insights.models import LifeEvent
from habitstory.insights.services import create_life_event
from quests.models import QuestTemplate
from quests.services import create_quest
from habitstory.api import auth
from habitstory.api import services as token_services
from habitstory.api.api import api
from habitstory.asgi import application

from .archetype_content import CHOICES as QUIZ_CHOICES
from .archetype_content import Small

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "30"))
EARLIEST = dt.date(2000, 1, 1)
EVENT_START = "2026-01-01"  # the fixture's life event's, which a PATCH may leave as it is


def _grey_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (128, 128, 128)).save(out, "JPEG")
    return out.getvalue()


PROOF_JPEG = _grey_jpeg()  # a photo a proof may be

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1"))
schema.app = application


def _within(value: str, low: dt.date, high: dt.date) -> str:
    """A generated YYYY-MM-DD moved into [low, high], still depending on what was drawn."""
    day = dt.date.fromisoformat(value)
    return (low + dt.timedelta(days=day.toordinal() % ((high - low).days + 1))).isoformat()


def _steer_dates(body: dict, today: dt.date) -> None:
    latest = today + dt.timedelta(days=366)
    if isinstance(body.get("start_date"), str):
        body["start_date"] = _within(body["start_date"], EARLIEST, latest)
    schedule = body.get("schedule")
    if isinstance(schedule, dict) and isinstance(schedule.get("start"), str):
        schedule["start"] = body.get("start_date") or _within(schedule["start"], EARLIEST, latest)
    if isinstance(body.get("deadline"), str):
        start = dt.date.fromisoformat(body["start_date"]) if isinstance(body.get("start_date"), str) else today
        body["deadline"] = max(dt.date.fromisoformat(body["deadline"]), start).isoformat()


def _steer_range(query: dict, years: int) -> None:
    if isinstance(query.get("from"), str) and isinstance(query.get("to"), str):
        start, end = sorted([dt.date.fromisoformat(query["from"]), dt.date.fromisoformat(query["to"])])
        start = max(start, end - dt.timedelta(days=365 * years - 1))
        query["from"], query["to"] = start.isoformat(), end.isoformat()
    elif isinstance(query.get("from"), str):
        query["from"] = _within(query["from"], dt.date.today() - dt.timedelta(days=300), dt.date.today())


def _steer_windows(body: dict) -> None:
    """Notification preferences: a prompt window that ends after it starts, quiet hours
    that do not start and end at the same time."""
    window, quiet = body.get("prompt_window"), body.get("quiet_hours")
    if isinstance(window, dict) and {"start", "end"} <= set(window):
        start, end = sorted([window["start"], window["end"]], key=dt.time.fromisoformat)
        if dt.time.fromisoformat(start) == dt.time.fromisoformat(end):
            start, end = "00:00", "23:59"
        window.update(start=start, end=end)
    if isinstance(quiet, dict) and {"start", "end"} <= set(quiet):
        if dt.time.fromisoformat(quiet["start"]) == dt.time.fromisoformat(quiet["end"]):
            quiet["end"] = "01:00" if dt.time.fromisoformat(quiet["start"]) == dt.time(0) else "00:00"


def _steer_insights(case, today: dt.date) -> None:
    """Check-ins and what-ifs: a day up to today; forecasts: a day up to a year ahead; life
    events: a start up to a year ahead, an end on or after it, data of at most 4 KB."""
    latest = today + dt.timedelta(days=366)
    day = case.path_parameters.get("day") if isinstance(case.path_parameters, dict) else None
    if isinstance(day, str) and case.path.startswith(("/api/v1/checkins/", "/api/v1/insights/")):
        with contextlib.suppress(ValueError):
            case.path_parameters["day"] = _within(day, EARLIEST, today if "checkins" in case.path else latest)
    body = case.body if isinstance(case.body, dict) else None
    if body is not None and isinstance(body.get("date"), str) and case.path == "/api/v1/insights/what-if":
        body["date"] = _within(body["date"], EARLIEST, today)
    if body is not None and case.path.startswith("/api/v1/life-events"):
        if isinstance(body.get("start"), str):
            body["start"] = _within(body["start"], EARLIEST, latest)
        start = body["start"] if isinstance(body.get("start"), str) else _stored_start(case)
        if isinstance(body.get("end"), str):
            body["end"] = max(body["end"], start)
        elif "end" not in body and "start" in body:
            body["end"] = None  # the end an earlier example stored may be before this start
        if "data" in body:
            body["data"] = _without_nul(body["data"])
        if len(json.dumps(body.get("data"), separators=(",", ":")).encode()) > 4096:
            body["data"] = {}


def _without_nul(value):
    """JSON with no NUL character in its strings (the parser refuses them: PostgreSQL
    cannot store them)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _stored_start(case) -> str:
    """The start of the life event a PATCH changes, as earlier examples left it."""
    event_id = (case.path_parameters or {}).get("event_id")
    if not OWN or event_id != OWN.get("event_id"):  # not the fixture's (and maybe no database yet)
        return EVENT_START
    stored = LifeEvent.objects.filter(pk=event_id).values_list("start", flat=True).first()
    return stored.isoformat() if stored else EVENT_START


def _complete_answers(drawn) -> dict:
    """Answers to every question of the fixture's quiz, the choices picked by what was drawn."""
    seed = zlib.crc32(repr(drawn).encode())
    return {str(question): choices[(seed + index) % len(choices)]
            for index, (question, choices) in enumerate(QUIZ_CHOICES.items())}


def _steer_proof(case, today: dt.date) -> None:
    """A valid proof's file is one of the types taken, sent with its own hash, for a habit
    and a day (the user has none: a 404 unless a test gave it one)."""
    if case.path != "/api/v1/verifications" or case.method != "POST" or not isinstance(case.body, dict):
        return
    case.body.update(kind="photo", file=PROOF_JPEG, sha256=hashlib.sha256(PROOF_JPEG).hexdigest(),
                     habit=str(OWN.get("habit_id", 1)), on=today.isoformat())
    case.body.pop("occurrence", None)


@schema.hook
def map_case(context, case):
    """Keep valid requests inside the rules the schema states in words (see above); a
    list's `cursor` is only one the server gave (tests/api/test_pagination.py)."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return case
    today = dt.date.today()
    if isinstance(case.body, dict):
        _steer_dates(case.body, today)
        _steer_windows(case.body)
        if case.path == "/api/v1/archetypes/assign":  # a valid body answers the quiz as it is
            case.body["answers"] = _complete_answers(case.body.get("answers"))
    _steer_insights(case, today)
    _steer_proof(case, today)
    if isinstance(case.query, dict):
        _steer_range(case.query, 1 if case.path.endswith("xp-events") else 2)
        case.query.pop("cursor", None)
    return case


@pytest.fixture
def token(transactional_db, django_user_model, monkeypatch) -> str:
    # Thousands of requests from one user and one address: no rate limits here.
    monkeypatch.setattr(auth.PerUserThrottle, "allow_request", lambda self, request: True)
    monkeypatch.setattr(auth, "FAILED_AUTH_LIMIT", 10**9)
    user = django_user_model.objects.create_user("fuzz@example.com", "fuzz-password-123")
    Small()  # a quiz (with the ids of QUIZ_CHOICES) and archetypes, whatever an earlier test left
    return token_services.issue_token(user, "schemathesis")[1]


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_the_api_keeps_to_its_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})


# --- the same, on the user's own objects ---------------------------------------------------

deep = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1")).include(
    path_regex=r"\{(habit|goal|pillar|quest|archetype|event)_id\}|from-template"
).exclude(path_regex="snooze$")  # only a prompted day can be snoozed: tests/api/test_snooze.py
deep.app = application
OWN: dict[str, int] = {}  # the fixture's objects, for the hook
START = dt.date(2026, 1, 1)


@deep.hook("map_case")
def map_own_case(context, case):
    """Valid requests name the user's own objects and keep to what is stored."""
    if case.meta is None or not case.meta.generation.mode.is_positive or not OWN:
        return case
    case = map_case(context, case)
    for name in ("habit_id", "goal_id", "pillar_id", "quest_id", "other_id", "slug", "archetype_id", "event_id"):
        if name in case.path_parameters:
            case.path_parameters[name] = OWN[name]
    if "event_id" in case.path_parameters:
        _steer_insights(case, dt.date.today())  # again: with the stored start of the fixture's event
    if "day" in case.path_parameters:
        span = (dt.date.today() - START).days
        case.path_parameters["day"] = (START + dt.timedelta(days=hash(str(case.path_parameters["day"])) % span)).isoformat()
    body = case.body if isinstance(case.body, dict) else None
    if body is not None and case.path.startswith("/api/v1/habits/{habit_id}") and case.method == "PATCH":
        if body.get("type") in ("at_least", "at_most") and not body.get("target"):
            body["target"] = {"value": 8}
        if body.get("type") is None and body.get("target", {}) is None:
            del body["target"]  # the habit is measurable: it keeps a target
    if body is not None and case.path == "/api/v1/goals/{goal_id}" and case.method == "PATCH":
        _steer_goal_dates(body, case.path_parameters.get("goal_id"))
    if body is not None and case.path == "/api/v1/quests/{quest_id}" and body.get("due_time") is not None:
        body.setdefault("due_date", START.isoformat())  # the quest has none: a time needs one
    if body is not None and case.path.endswith("/attachments") and "file" in body:
        body["file"] = b"Notes for the quest.\n"  # a file's type is read from its content: text
    return case


def _steer_goal_dates(body: dict, goal_id) -> None:
    """Earlier examples change the goal: its deadline stays on or after its start, as
    stored or as sent (the server refuses the rest, rightly)."""
    stored = Goal.objects.filter(pk=goal_id).values_list("start_date", "deadline").first() if str(goal_id).isdigit() else None
    stored_start, stored_deadline = stored or (START, None)
    start = body["start_date"] if isinstance(body.get("start_date"), str) else stored_start.isoformat()
    if isinstance(body.get("deadline"), str):
        body["deadline"] = max(body["deadline"], start)
    elif "deadline" not in body and stored_deadline is not None and stored_deadline.isoformat() < start:
        body["deadline"] = start


@pytest.fixture
def own_token(token, django_user_model) -> str:
    user = django_user_model.objects.get(email="fuzz@example.com")
    habit = save_habit(Habit(user=user, name="Water", kind="at_least", target_value=8, start_date=START))
    goal = Goal.objects.create(user=user, name="Drink", target_value=100, start_date=START)
    pillar = Pillar.objects.create(user=user, name="Health")
    quest, other = (create_quest(user, title=title, today=START) for title in ("Write draft", "Edit"))
    # Not a ready-made template's slug (quests/migrations/0003): those may still be there.
    template = QuestTemplate.objects.create(slug="fuzz-plan", title="Fuzz plan", xp_reward=50)
    event = create_life_event(user, {"type": "exam", "title": "Finals", "start": dt.date.fromisoformat(EVENT_START)})
    OWN.update(habit_id=habit.pk, goal_id=goal.pk, pillar_id=pillar.pk, quest_id=quest.pk, other_id=other.pk,
               slug=template.slug, archetype_id=Archetype.objects.first().pk, event_id=event.pk)
    return token


@deep.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_the_api_keeps_to_its_schema_on_real_objects(case, own_token):
    case.call_and_validate(headers={"Authorization": f"Bearer {own_token}"})
