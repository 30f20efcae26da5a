"""/pillars: list, create, read, rename/recolour, delete. Validation goes through
habits.forms.PillarForm, the one place the pillar rules live (a name unique per user,
ignoring case), and saving through habits.pillar_services.save_pillar (a new pillar goes last,
within the Free plan's limit)."""

from __future__ import annotations

from django.db import IntegrityError
from django.http import HttpRequest
from ninja import Router
from ninja.responses import Status

from habits import pillars as pillar_services
from habits.forms import PillarForm
from habits.models import Pillar

from ..auth import user_of
from ..envelope import ApiError, invalid, ok, responses
from ..queries import pillar_for
from ..schemas import PillarIn, PillarOut, PillarPatch, pillar_data

router = Router(tags=["pillars"])

DUPLICATE = "You already have a pillar with this name."


def _save(user, pillar: Pillar | None, data: dict) -> Pillar:
    form = PillarForm(data, instance=pillar, user=user)
    if not form.is_valid():
        details = {("non_field_errors" if field == "__all__" else field): list(errors)
                   for field, errors in form.errors.items()}
        if form.has_error("name", "duplicate"):  # a clash with what is stored, not bad input
            raise ApiError(409, details=details)
        raise invalid(details)
    try:  # a new one may pass the Free plan's limit: 403 plan_limit (envelope)
        return pillar_services.save_pillar(form.save(commit=False))
    except IntegrityError:  # the same name sent twice at once
        raise ApiError(409, details={"name": [DUPLICATE]}) from None


@router.get("/pillars", response=responses(list[PillarOut]), summary="List your pillars")
def list_pillars(request: HttpRequest):
    pillars = Pillar.objects.filter(user=user_of(request)).order_by("position", "id")
    return ok([pillar_data(pillar) for pillar in pillars])


@router.post("/pillars", response=responses(PillarOut, 201, body=True), summary="Create a pillar")
def create_pillar(request: HttpRequest, payload: PillarIn):
    """A new pillar goes last. `color` defaults to the app's accent colour. On the Free
    plan, past its pillars: 403 `plan_limit` with `details` {limit, used, kind}."""
    color = payload.color if payload.color is not None else Pillar._meta.get_field("color").default
    pillar = _save(user_of(request), None, {"name": payload.name, "color": color, "icon": payload.icon})
    return Status(201, ok(pillar_data(pillar)))


@router.get("/pillars/{int:pillar_id}", response=responses(PillarOut), summary="Read a pillar")
def read_pillar(request: HttpRequest, pillar_id: int):
    return ok(pillar_data(pillar_for(user_of(request), pillar_id)))


@router.patch("/pillars/{int:pillar_id}", response=responses(PillarOut, body=True), summary="Change a pillar")
def update_pillar(request: HttpRequest, pillar_id: int, payload: PillarPatch):
    """Partial: name, color, icon. The order (`position`) is changed in the app."""
    user = user_of(request)
    pillar = pillar_for(user, pillar_id)
    data = {"name": pillar.name, "color": pillar.color, "icon": pillar.icon}
    data.update(payload.model_dump(exclude_unset=True))
    return ok(pillar_data(_save(user, pillar, data)))


@router.delete("/pillars/{int:pillar_id}", response=responses(None), summary="Delete a pillar")
def delete_pillar(request: HttpRequest, pillar_id: int):
    """Its habits stay, unsorted (`pillar: null`). Answers 200 with `data: null`."""
    pillar_services.delete_pillar(pillar_for(user_of(request), pillar_id))
    return ok(None)
