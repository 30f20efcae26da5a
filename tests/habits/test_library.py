"""The habit template library (habits.library): the seeded templates, search and grouping,
a habit made from a template in the user's pillar of its name, and the template rules the
admin enforces."""

from __future__ import annotations

import datetime as dt
import importlib
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from habits import library
from habits import pillars as pillar_services
from habits.models import Habit, HabitTemplate, Pillar

from .conftest import TODAY

pytestmark = pytest.mark.django_db

# The slugs the archetypes' starter plans may name: they must stay.
PROMISED = [
    "drink-water", "walk-10k-steps", "run", "stretch", "meditate", "read-20-pages", "journal",
    "practise-an-instrument", "sketch", "call-a-friend", "tidy-10-minutes", "deep-work-block", "plan-tomorrow",
    "sleep-by-11", "no-screens-after-10", "max-2-coffees", "learn-a-language", "write-500-words", "gratitude",
    "strength-training", "cook-at-home", "inbox-zero",
]


def seeded() -> list[HabitTemplate]:
    return list(HabitTemplate.objects.order_by("pk"))


def make_template(**fields) -> HabitTemplate:
    fields = {"slug": "t", "name": "Floss", "pillar_name": "Health", "why": "Teeth.", **fields}
    return HabitTemplate.objects.create(**fields)


# --- the seeded library ----------------------------------------------------------------------


def test_it_seeds_about_forty_templates_in_six_pillars_with_the_promised_slugs():
    templates = seeded()
    assert 38 <= len(templates) <= 50
    assert {t.pillar_name for t in templates} == {"Health", "Mind", "Craft", "Social", "Home", "Work"}
    assert set(PROMISED) <= {t.slug for t in templates}
    assert all(t.active for t in templates)


def test_it_seeds_measurable_at_most_per_week_and_timed_templates():
    templates = seeded()
    assert sum(t.kind == "at_most" for t in templates) >= 3
    assert sum(t.kind == "at_least" for t in templates) >= 5
    assert sum(t.schedule == "per_week" for t in templates) >= 5
    assert {t.schedule for t in templates} == {"daily", "weekdays", "per_week", "every_n_days"}
    assert {t.difficulty for t in templates} == {"easy", "medium", "hard"}
    assert sum(t.timer_minutes is not None for t in templates) >= 10
    coffee = HabitTemplate.objects.get(slug="max-2-coffees")
    assert (coffee.kind, coffee.target_value, coffee.unit) == ("at_most", Decimal(2), "cups")


def test_every_seeded_template_is_valid_and_makes_a_valid_habit(owner):
    pillar_services.create_default_pillars(owner)
    for template in seeded():
        template.full_clean()
        before = library.fields_of(template)
        library.check_template(template)
        assert library.fields_of(template) == before, f"{template.slug} keeps fields its schedule does not use"
        habit = library.habit_from_template(owner, template, today=TODAY)
        habit.full_clean()
        assert habit.template == template and habit.start_date == TODAY
        assert habit.pillar.name.casefold() == template.pillar_name.casefold()
        assert library.summary(template)
    assert Habit.objects.filter(user=owner).count() == len(seeded())
    assert Pillar.objects.filter(user=owner).count() == 6  # three defaults and three made


def test_the_seeding_is_idempotent_leaves_staff_edits_alone_and_is_reversible():
    seed = importlib.import_module("habits.migrations.0009_habit_library")
    HabitTemplate.objects.filter(slug="drink-water").update(why="Staff's words.")
    HabitTemplate.objects.filter(slug="run").delete()
    make_template(slug="staff-own")
    seed.add(django_apps, None)
    seed.add(django_apps, None)
    assert HabitTemplate.objects.get(slug="drink-water").why == "Staff's words."
    assert HabitTemplate.objects.filter(slug="run").count() == 1
    assert HabitTemplate.objects.count() == len(list(seed.rows())) + 1
    seed.remove(django_apps, None)
    assert list(HabitTemplate.objects.values_list("slug", flat=True)) == ["staff-own"]


def test_quest_templates_habit_names_have_a_template_of_that_name():
    names = {t.name for t in seeded()}
    assert {"Run", "Read", "Meditate", "Practise"} <= names


# --- search and grouping ---------------------------------------------------------------------


def test_it_groups_by_pillar_defaults_first_then_by_name():
    found = library.templates()
    pillars = [shelf.pillar_name for shelf in library.shelves(found)]
    assert pillars == ["Health", "Mind", "Craft", "Home", "Social", "Work"]
    assert len(found) == HabitTemplate.objects.count()
    health = library.shelves(found)[0]
    assert [entry.template.slug for entry in health.entries][:3] == ["drink-water", "walk-10k-steps", "run"]


def test_a_pillar_name_in_another_case_shares_the_shelf():
    make_template(slug="floss", pillar_name="health", position=99)
    shelves = library.shelves(library.templates())
    assert [shelf.pillar_name for shelf in shelves].count("Health") == 1
    assert "floss" in [entry.template.slug for entry in shelves[0].entries]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("water", {"drink-water", "water-plants"}),
        ("WATER", {"drink-water", "water-plants"}),
        ("  Water  ", {"drink-water", "water-plants"}),
        ("thirst", {"drink-water"}),  # in the why
        ("water plants", {"water-plants"}),  # every word must match
        ("pages", {"read-20-pages"}),  # the unit
    ],
)
def test_it_searches_name_why_pillar_and_unit_in_any_case(query, expected):
    assert {t.slug for t in library.templates(query)} == expected


def test_a_pillar_name_finds_the_whole_shelf():
    social = {t.slug for t in library.templates("social")}
    assert social >= set(HabitTemplate.objects.filter(pillar_name="Social").values_list("slug", flat=True))


@pytest.mark.parametrize("query", ["zzzz", "%", "_", "\x00water", "'; drop table", "w" * 1000])
def test_odd_searches_find_nothing_or_something_never_fail(query):
    found = library.templates(query)
    assert isinstance(found, list)
    assert library.clean_query(query) == library.clean_query(query).strip()
    assert len(library.clean_query(query)) <= library.Q_MAX


def test_an_inactive_template_is_not_listed_nor_found_by_slug():
    HabitTemplate.objects.filter(slug="run").update(active=False)
    assert "run" not in {t.slug for t in library.templates()}
    assert library.active_template("run") is None
    assert library.active_template("walk-10k-steps").slug == "walk-10k-steps"
    assert library.active_template("") is None and library.active_template("x" * 500) is None


def test_the_summary_reads_like_the_habit_page():
    assert library.summary(HabitTemplate.objects.get(slug="read-20-pages")) == "every day · at least 20 pages"
    assert library.summary(HabitTemplate.objects.get(slug="run")) == "3× a week · 30 min timer"
    assert library.summary(HabitTemplate.objects.get(slug="max-3-meetings")) == (
        "Mon, Tue, Wed, Thu, Fri · at most 3 meetings"
    )


# --- a habit from a template -----------------------------------------------------------------


def test_it_uses_the_users_pillar_of_that_name_in_any_case(owner):
    mine = Pillar.objects.create(user=owner, name="health")
    habit = library.habit_from_template(owner, HabitTemplate.objects.get(slug="drink-water"), today=TODAY)
    assert habit.pillar == mine
    assert (habit.name, habit.kind, habit.target_value, habit.unit) == ("Drink water", "at_least", Decimal(8), "glasses")
    assert Pillar.objects.filter(user=owner).count() == 1


def test_it_makes_the_pillar_when_missing_last_in_order_and_ignores_another_users(owner, stranger):
    Pillar.objects.create(user=stranger, name="Social")
    Pillar.objects.create(user=owner, name="Health", position=4)
    habit = library.habit_from_template(owner, HabitTemplate.objects.get(slug="call-a-friend"), today=TODAY)
    assert habit.pillar.user == owner and habit.pillar.name == "Social"
    assert (habit.pillar.position, habit.pillar.icon) == (5, "people")
    assert (habit.schedule, habit.times_per_week) == ("per_week", 1)
    assert Pillar.objects.filter(user=stranger).count() == 1


def test_it_starts_today_keeps_the_template_and_copies_the_schedule(owner):
    template = HabitTemplate.objects.get(slug="deep-work-block")
    habit = library.habit_from_template(owner, template, today=TODAY)
    habit.refresh_from_db()
    assert habit.start_date == TODAY and habit.template == template
    assert (habit.weekdays, habit.timer_minutes, habit.difficulty) == ([0, 1, 2, 3, 4], 90, "hard")
    template.weekdays.append(6)  # the habit has its own list
    assert habit.weekdays == [0, 1, 2, 3, 4]


def test_it_refuses_an_inactive_template_and_makes_nothing(owner):
    template = HabitTemplate.objects.get(slug="volunteer")
    template.active = False
    template.save()
    with pytest.raises(ValidationError):
        library.habit_from_template(owner, template, today=TODAY)
    assert not Habit.objects.filter(user=owner).exists()
    assert not Pillar.objects.filter(user=owner).exists()


def test_a_habit_made_from_a_template_outlives_it(owner):
    template = make_template(slug="floss")
    habit = library.habit_from_template(owner, template, today=TODAY)
    template.delete()
    habit.refresh_from_db()
    assert habit.template is None and habit.name == "Floss"


def test_a_bad_start_date_is_refused_as_for_any_habit(owner):
    with pytest.raises(ValidationError) as error:
        library.habit_from_template(owner, HabitTemplate.objects.get(slug="run"), today=dt.date(1990, 1, 1))
    assert "start_date" in error.value.message_dict


# --- a template's rules (the admin's) --------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"schedule": "weekdays"}, "weekdays"),
        ({"schedule": "weekdays", "weekdays": [7]}, "weekdays"),
        ({"schedule": "weekdays", "weekdays": "0,1"}, "weekdays"),
        ({"schedule": "weekdays", "weekdays": [True]}, "weekdays"),
        ({"schedule": "per_week"}, "times_per_week"),
        ({"schedule": "every_n_days"}, "every_n_days"),
        ({"kind": "at_least"}, "target_value"),
        ({"kind": "at_most", "target_value": Decimal(0)}, "target_value"),
        ({"timer_minutes": 0}, "timer_minutes"),
    ],
)
def test_a_template_breaking_a_habits_rules_is_refused(fields, field):
    template = HabitTemplate(slug="t", name="T", pillar_name="Health", why="Why.", **fields)
    with pytest.raises(ValidationError) as error:
        library.check_template(template)
    assert field in error.value.message_dict


def test_fields_the_schedule_and_kind_do_not_use_are_cleared():
    template = HabitTemplate(slug="t", name="T", pillar_name="Health", why="Why.", schedule="daily",
                             weekdays=[1], times_per_week=3, every_n_days=2, target_value=Decimal(5), unit="km")
    library.check_template(template)
    assert (template.weekdays, template.times_per_week, template.every_n_days) == ([], None, None)
    assert (template.target_value, template.unit) == (None, "")
    days = HabitTemplate(slug="d", name="D", pillar_name="Health", why="Why.", schedule="weekdays", weekdays=[4, 0, 4])
    library.check_template(days)
    assert days.weekdays == [0, 4]
