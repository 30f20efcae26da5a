"""/checkins: a day's check-in (how it went: mood, energy, sleep, exercise, time with
people, work, stress, a note), created or replaced by PUT, listed by range, deleted.
Every write goes through habitstory.insights.services (the rules, and the mark that the
user's data changed: retraining tonight, cached forecasts dropped)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Query, Router

from habitstory.insights import services

from ..auth import user_of
from ..envelope import invalid, model_error_details, ok, responses
from ..fields import DayPath, DayText
from ..insight_schemas import CheckInIn, CheckInOut, checkin_data
from ..pagination import Key, Order, cursor_param, limit_param, ok_page, paged, paginate
from .habits import parse_day

router = Router(tags=["check-ins"])

OLDEST_FIRST = Order("checkins", Key("on"), Key("id"))


@router.get("/checkins", response=paged(CheckInOut), by_alias=True, summary="List your check-ins")
def list_checkins(
    request: HttpRequest,
    from_: DayText = Query(None, alias="from",  # type: ignore[assignment]
                           description="YYYY-MM-DD: from this day on; on or before `to`."),
    to: DayText = Query(None, description="YYYY-MM-DD: up to this day."),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
):
    """Your check-ins, oldest first, a page at a time (`meta.next`); days without one are
    left out."""
    start = parse_day(from_, "from") if from_ is not None else None
    end = parse_day(to, "to") if to is not None else None
    if start and end and start > end:
        raise invalid({"from": "Must be on or before `to`."})
    page = paginate(services.checkins(user_of(request), start, end), OLDEST_FIRST, cursor, limit)
    return ok_page([checkin_data(checkin) for checkin in page.items], page)


@router.get("/checkins/{day}", response=responses(CheckInOut), summary="Read a day's check-in")
def read_checkin(request: HttpRequest, day: DayPath):
    """The check-in of a day (YYYY-MM-DD, your local date); a 404 when there is none."""
    checkin = services.get_checkin(user_of(request), parse_day(day, "date"))
    if checkin is None:
        raise Http404("No check-in that day")
    return ok(checkin_data(checkin))


@router.put("/checkins/{day}", response=responses(CheckInOut, body=True), summary="Check in for a day")
def save_checkin(request: HttpRequest, day: DayPath, payload: CheckInIn):
    """Creates the day's check-in or replaces it whole: a field left out (or null) is
    stored empty. The day is your local today or before (backfill), from 1 January 2000;
    a later day is a 400 naming `date`."""
    user = user_of(request)
    on = parse_day(day, "date")
    try:
        checkin = services.save_checkin(user, on, payload.model_dump())
    except ValidationError as error:
        raise invalid(model_error_details(error)) from None
    return ok(checkin_data(checkin))


@router.delete("/checkins/{day}", response=responses(None), summary="Delete a day's check-in")
def delete_checkin(request: HttpRequest, day: DayPath):
    """Answers 200 with `data: null`; a 404 when there is no check-in that day."""
    if not services.delete_checkin(user_of(request), parse_day(day, "date")):
        raise Http404("No check-in that day")
    return ok(None)
