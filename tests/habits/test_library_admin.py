"""Staff's habit template admin: listed by pillar, searchable, and a template must obey a
habit's rules (schedule fields for its schedule, a target for a measurable kind)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from habits.models import HabitTemplate

pytestmark = pytest.mark.django_db

URL = "/admin/habits/habittemplate/"


@pytest.fixture
def staff_client(client, make_user):
    client.force_login(make_user("staff@example.com", is_staff=True, is_superuser=True))
    return client


def template_data(**overrides) -> dict:
    data = {
        "name": "Floss", "slug": "floss", "pillar_name": "Health", "why": "Teeth last longer.", "position": "0",
        "active": "on", "schedule": "daily", "weekdays": "[]", "times_per_week": "", "every_n_days": "",
        "kind": "yes_no", "target_value": "", "unit": "", "difficulty": "easy", "timer_minutes": "",
    }
    return data | overrides


def test_it_lists_templates_by_pillar_and_searches(staff_client):
    page = staff_client.get(URL)
    assert page.status_code == 200 and b"Drink water" in page.content
    assert b"?pillar_name=Social" in page.content  # the pillar filter
    found = staff_client.get(URL, {"q": "thirst"}).content.decode()
    assert "Drink water" in found and "Strength training" not in found


def test_it_adds_a_valid_template_with_the_slug_from_the_name(staff_client):
    assert b"prepopulated" in staff_client.get(URL + "add/").content
    response = staff_client.post(URL + "add/", template_data(schedule="per_week", times_per_week="2",
                                                               weekdays="[1, 2]"))
    assert response.status_code == 302, response.content
    template = HabitTemplate.objects.get(slug="floss")
    assert (template.times_per_week, template.weekdays) == (2, [])  # what per-week does not use is cleared


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"schedule": "weekdays"}, "weekdays", "Pick at least one day"),
        ({"schedule": "weekdays", "weekdays": "[9]"}, "weekdays", "0 (Monday) to 6 (Sunday)"),
        ({"schedule": "weekdays", "weekdays": '"mon"'}, "weekdays", "0 (Monday) to 6 (Sunday)"),
        ({"schedule": "per_week"}, "times_per_week", "between 1 and 7"),
        ({"schedule": "per_week", "times_per_week": "8"}, "times_per_week", "less than or equal to 7"),
        ({"schedule": "every_n_days"}, "every_n_days", "every 1 day or more"),
        ({"kind": "at_least"}, "target_value", "needs a target"),
        ({"kind": "at_most", "target_value": "0"}, "target_value", "more than 0"),
        ({"timer_minutes": "0"}, "timer_minutes", "1 minute or more"),
    ],
)
def test_a_template_breaking_a_habits_rules_is_refused_naming_the_field(staff_client, overrides, field, message):
    response = staff_client.post(URL + "add/", template_data(**overrides))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not HabitTemplate.objects.filter(slug="floss").exists()


def test_staff_edit_a_seeded_template_and_retire_it(staff_client):
    template = HabitTemplate.objects.get(slug="drink-water")
    data = template_data(name="Drink water", slug="drink-water", kind="at_least", target_value="6", unit="glasses",
                         active="")
    response = staff_client.post(f"{URL}{template.pk}/change/", data)
    assert response.status_code == 302, response.content
    template.refresh_from_db()
    assert (template.target_value, template.active) == (Decimal(6), False)


def test_a_user_who_is_not_staff_cannot_reach_it(owner_client):
    assert owner_client.get(URL).status_code == 302
