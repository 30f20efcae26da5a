"""Check-ins and life events through their services: validation names the field, nothing
half-saved, one check-in per day, every write marks the user's data as changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from habitstory.insights import services, state
from habitstory.insights.models import CheckIn, LifeEvent, TrainingState

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def fields_of(error: ValidationError) -> set[str]:
    return set(error.message_dict)


def test_save_checkin_creates_then_replaces_the_days_row(owner):
    services.save_checkin(owner, TODAY, {"mood": "positive", "energy": "7.5", "sleep_hours": 8})
    again = services.save_checkin(owner, TODAY, {"mood": "neutral"})
    assert CheckIn.objects.filter(user=owner).count() == 1
    assert again.mood == "neutral"
    assert again.energy is None  # a full save clears what it doesn't name
    assert again.sleep_hours is None


def test_partial_save_keeps_other_fields(owner):
    services.save_checkin(owner, TODAY, {"mood": "positive", "energy": 6})
    checkin = services.save_checkin(owner, TODAY, {"stress": "3.5"}, partial=True)
    assert (checkin.mood, checkin.energy, checkin.stress) == ("positive", Decimal("6"), Decimal("3.5"))


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"mood": "ecstatic"}, "mood"),
        ({"energy": 10.5}, "energy"),
        ({"energy": 7.25}, "energy"),
        ({"energy": -1}, "energy"),
        ({"sleep_hours": 25}, "sleep_hours"),
        ({"exercise_minutes": 1441}, "exercise_minutes"),
        ({"exercise_minutes": 12.5}, "exercise_minutes"),
        ({"social_minutes": "lots"}, "social_minutes"),
        ({"work_hours": "nan"}, "work_hours"),
        ({"stress": 11}, "stress"),
        ({"note": "x" * 2001}, "note"),
        ({"note": "bell\x07"}, "note"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_values_name_the_field_and_save_nothing(owner, values, field):
    with pytest.raises(ValidationError) as caught:
        services.save_checkin(owner, TODAY, values)
    assert field in fields_of(caught.value)
    assert not CheckIn.objects.exists()


def test_a_future_day_is_refused_in_the_users_time_zone(owner):
    owner.profile.timezone = "Pacific/Kiritimati"  # UTC+14: already the 24th there
    owner.profile.save()
    services.save_checkin(owner, TODAY + dt.timedelta(days=1), {"mood": "neutral"})
    with pytest.raises(ValidationError) as caught:
        services.save_checkin(owner, TODAY + dt.timedelta(days=2), {"mood": "neutral"})
    assert fields_of(caught.value) == {"date"}


def test_backfill_is_allowed_and_every_field_is_optional(owner):
    checkin = services.save_checkin(owner, TODAY - dt.timedelta(days=400), {})
    assert checkin.pk and checkin.mood == "" and checkin.energy is None


def test_writes_mark_the_data_changed_and_bump_the_cache_generation(owner):
    before = state.generation(owner.pk)
    services.save_checkin(owner, TODAY, {"mood": "positive"})
    assert TrainingState.objects.get(user=owner).data_changed_at == NOW
    assert state.generation(owner.pk) > before
    middle = state.generation(owner.pk)
    assert services.delete_checkin(owner, TODAY) is True
    assert state.generation(owner.pk) > middle
    assert services.delete_checkin(owner, TODAY) is False


def test_life_event_round_trip(owner):
    event = services.create_life_event(owner, {"type": "exam", "title": "Finals", "start": TODAY,
                                               "end": TODAY + dt.timedelta(days=3), "data": {"subject": "maths"}})
    services.update_life_event(event, {"title": "Final exams"})
    event.refresh_from_db()
    assert (event.title, event.last_day) == ("Final exams", TODAY + dt.timedelta(days=3))
    assert list(services.life_events(owner, types=["exam"], start=TODAY + dt.timedelta(days=2))) == [event]
    assert not services.life_events(owner, start=TODAY + dt.timedelta(days=4)).exists()
    services.delete_life_event(event)
    assert not LifeEvent.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"type": "party", "title": "x", "start": TODAY}, "type"),
        ({"type": "exam", "title": "", "start": TODAY}, "title"),
        ({"type": "exam", "title": "a\u202eb", "start": TODAY}, "title"),
        ({"type": "exam", "title": "x", "start": TODAY, "end": TODAY - dt.timedelta(days=1)}, "end"),
        ({"type": "exam", "title": "x", "start": TODAY, "data": {"k": "v" * 5000}}, "data"),
        ({"type": "exam", "title": "x", "start": TODAY, "data": [1, 2]}, "data"),
        ({"type": "exam", "title": "x", "start": TODAY, "data": {"k": float("nan")}}, "data"),
        ({"type": "exam", "title": "x", "start": TODAY, "data": {"k": [float("inf")]}}, "data"),
        ({"type": "exam", "title": "x", "start": TODAY, "data": {"k": {"k": {"k": {"k": {"k": {"k": {"k": {
            "k": {"k": {"k": {"k": 1}}}}}}}}}}}}, "data"),
        ({"type": "exam", "title": "x", "start": dt.date(1990, 1, 1)}, "start"),
        ({"type": "exam", "title": "x", "start": TODAY, "owner": 3}, "owner"),
    ],
)
def test_bad_life_events_name_the_field(owner, values, field):
    with pytest.raises(ValidationError) as caught:
        services.create_life_event(owner, values)
    assert field in fields_of(caught.value)
    assert not LifeEvent.objects.exists()
