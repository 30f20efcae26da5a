"""/life-events: what happened over a day or a span of days (an illness, an exam, a move):
list, create, read, change, delete. Every write goes through habitstory.insights.services."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.responses import Status

from habitstory.insights import services
from habitstory.insights.models import LifeEvent

from ..auth import user_of
from ..envelope import invalid, model_error_details, ok, responses
from ..fields import DayText
from ..insight_schemas import EventType, LifeEventIn, LifeEventOut, LifeEventPatch, life_event_data
from ..pagination import Key, Order, cursor_param, limit_param, ok_page, paged, paginate
from .habits import parse_day

router = Router(tags=["life events"])

NEWEST_FIRST = Order("life-events", Key("start", descending=True), Key("id", descending=True))


def _event(user, pk: int) -> LifeEvent:
    event = LifeEvent.objects.filter(user=user, pk=pk).select_related("user__profile").first()
    if event is None:
        raise Http404("No such life event")
    return event


def _values(data: dict) -> dict:
    if isinstance(data.get("title"), str):
        data["title"] = data["title"].strip()
    return data


@router.get("/life-events", response=paged(LifeEventOut), by_alias=True, summary="List your life events")
def list_life_events(
    request: HttpRequest,
    type: EventType | None = Query(None, description="Only events of this type."),  # type: ignore[valid-type]
    from_: DayText = Query(None, alias="from",  # type: ignore[assignment]
                           description="YYYY-MM-DD: events that last until this day or later."),
    to: DayText = Query(None, description="YYYY-MM-DD: events that start on this day or before."),
    cursor: str | None = cursor_param(),
    limit: int = limit_param(),
):
    """Your life events, latest start first, a page at a time (`meta.next`); with `from`
    and `to`, those that overlap the range."""
    start = parse_day(from_, "from") if from_ is not None else None
    end = parse_day(to, "to") if to is not None else None
    if start and end and start > end:
        raise invalid({"from": "Must be on or before `to`."})
    events = services.life_events(user_of(request), types=[type] if type else None, start=start, end=end)
    page = paginate(events, NEWEST_FIRST, cursor, limit)
    return ok_page([life_event_data(event) for event in page.items], page)


@router.post("/life-events", response=responses(LifeEventOut, 201, body=True), summary="Add a life event")
def create_life_event(request: HttpRequest, payload: LifeEventIn):
    """A start from 1 January 2000 to a year from your local today; an end on or after
    the start (or none, for a single day)."""
    try:
        event = services.create_life_event(user_of(request), _values(payload.model_dump()))
    except ValidationError as error:
        raise invalid(model_error_details(error)) from None
    return Status(201, ok(life_event_data(event)))


@router.get("/life-events/{int:event_id}", response=responses(LifeEventOut), summary="Read a life event")
def read_life_event(request: HttpRequest, event_id: int):
    return ok(life_event_data(_event(user_of(request), event_id)))


@router.patch("/life-events/{int:event_id}", response=responses(LifeEventOut, body=True),
              summary="Change a life event")
def update_life_event(request: HttpRequest, event_id: int, payload: LifeEventPatch):
    """Only the fields sent change; `"end": null` makes it a single day, `"data": null`
    empties the data. The end stays on or after the start, as sent or as stored."""
    event = _event(user_of(request), event_id)
    values = _values(payload.model_dump(exclude_unset=True))
    try:
        event = services.update_life_event(event, values)
    except ValidationError as error:
        raise invalid(model_error_details(error)) from None
    return ok(life_event_data(event))


@router.delete("/life-events/{int:event_id}", response=responses(None), summary="Delete a life event")
def delete_life_event(request: HttpRequest, event_id: int):
    """Answers 200 with `data: null`."""
    services.delete_life_event(_event(user_of(request), event_id))
    return ok(None)
