"""The input limits in the web forms, the admin and the services (the API's are in
tests/api/test_limits.py): one error for one mistake, and the right one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from goals import services as goal_services
from goals.models import Goal, GoalEntry
from habits import services
from habits.forms import DayForm, HabitForm
from habits.models import Habit, Occurrence

from .conftest import TODAY
from .test_habit_pages import form_data

pytestmark = pytest.mark.django_db


def habit_form(owner, **overrides) -> HabitForm:
    return HabitForm(form_data(**overrides), user=owner, today=TODAY)


@pytest.mark.parametrize(
    "fields,field,message",
    [
        ({"schedule": "per_week", "times_per_week": "9"}, "times_per_week", "Choose between 1 and 7 times per week."),
        ({"schedule": "per_week", "times_per_week": "0"}, "times_per_week", "Choose between 1 and 7 times per week."),
        ({"schedule": "per_week", "times_per_week": ""}, "times_per_week", "Choose between 1 and 7 times per week."),
        ({"schedule": "every_n_days", "every_n_days": "0"}, "every_n_days", "Repeat every 1 day or more."),
        ({"kind": "at_least", "target_value": "1e20"}, "target_value", "Enter a target up to 9,999,999.99."),
        ({"kind": "at_least", "target_value": "0"}, "target_value", "The target must be more than 0."),
        ({"kind": "at_most", "target_value": ""}, "target_value", "A measurable habit needs a target, such as 8 (glasses)."),
        ({"kind": "at_least", "target_value": "8.123"}, "target_value", "Use at most 2 decimal places."),
    ],
)
def test_one_mistake_is_one_error_and_the_right_one(owner, fields, field, message):
    form = habit_form(owner, **fields)
    assert not form.is_valid()
    assert form.errors == {field: [message]}


def test_the_habit_form_takes_the_models_limits(owner):
    form = habit_form(owner)
    assert form.fields["name"].max_length == 80
    assert form.fields["notes"].max_length == Habit._meta.get_field("notes").max_length == 2000
    assert 'maxlength="2000"' in str(form["notes"])
    assert habit_form(owner, notes="n" * 2001).errors == {"notes": ["Ensure this value has at most 2000 characters (it has 2001)."]}


@pytest.mark.parametrize(
    "fields,field",
    [({"name": "Read\u202e"}, "name"), ({"name": "Read\x07"}, "name"), ({"unit": "pa\x1bges", "kind": "at_least",
                                                                            "target_value": "5"}, "unit"),
     ({"notes": "bell\x07"}, "notes")],
)
def test_the_habit_form_refuses_control_and_direction_characters(owner, fields, field):
    assert set(habit_form(owner, **fields).errors) == {field}


def test_notes_keep_tabs_and_line_breaks(owner):
    form = habit_form(owner, notes="one\ttwo\r\nthree")
    assert form.is_valid(), form.errors


def test_the_day_form_and_the_services_take_the_notes_limit(owner):
    habit = services.save_habit(Habit(user=owner, name="Read", start_date=TODAY - dt.timedelta(days=5)))
    assert DayForm(habit=habit, occurrence=None).fields["note"].max_length == 2000
    for note in ["n" * 2001, "bell\x07"]:
        with pytest.raises(ValidationError) as error:
            services.set_day(habit, TODAY, "done", note=note)
        assert set(error.value.message_dict) == {"note"}
        with pytest.raises(ValidationError):
            services.log_occurrence(habit, TODAY, "done", note=note)
    assert not Occurrence.objects.exists()


def test_an_entry_that_rounds_to_0_is_refused_by_the_service(owner):
    goal = Goal.objects.create(user=owner, name="Read", target_value=10, start_date=TODAY)
    now = dt.datetime(2026, 11, 23, 12, tzinfo=dt.timezone.utc)
    for amount in ["0.001", "-0.004", "0.005"]:
        with pytest.raises(ValidationError) as error:
            goal_services.add_entry(goal, Decimal(amount), "", today=TODAY, now=now)
        assert set(error.value.message_dict) == {"amount"}
    with pytest.raises(ValidationError) as error:
        goal_services.add_entry(goal, 1, "bell\x07", today=TODAY, now=now)
    assert set(error.value.message_dict) == {"note"}
    assert not GoalEntry.objects.exists()


def test_the_admin_forms_take_the_same_limits(admin_user):
    request = RequestFactory().get("/")
    request.user = admin_user
    habit_form_class = site._registry[Habit].get_form(request)
    assert habit_form_class.base_fields["notes"].max_length == 2000
    goal_form_class = site._registry[Goal].get_form(request)
    assert goal_form_class.base_fields["description"].max_length == 2000
    form = goal_form_class({"name": "Evil\u202e", "description": "d" * 2001, "target_value": "5", "start_date": "2026-11-23",
                            "current_value": "0", "completion_cycle": "0"})
    assert {"name", "description"} <= set(form.errors)
