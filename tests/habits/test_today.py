"""The Today page and its one-tap log endpoint."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from habits import recompute, services
from habits.models import Habit, Occurrence

from .conftest import TODAY

pytestmark = pytest.mark.django_db


def log_url(habit, day=TODAY):
    return f"/habits/{habit.pk}/log/{day.isoformat()}/"


def names(response):
    return [row.habit.name for row in response.context["rows"]]


def test_it_lists_the_habits_due_today_in_the_users_order(owner_client, make_habit, pillar, now):
    make_habit("Stretch", pillar=pillar, position=1)
    make_habit("Water", pillar=pillar, position=0)
    make_habit("Saturday run", schedule="weekdays", weekdays=[5])
    make_habit("Alternate", schedule="every_n_days", every_n_days=2, start_date=TODAY - dt.timedelta(days=1))
    make_habit("Even", schedule="every_n_days", every_n_days=2, start_date=TODAY - dt.timedelta(days=2))
    make_habit("Paused", status="paused")
    make_habit("Archived", status="archived")
    make_habit("Tomorrow", start_date=TODAY + dt.timedelta(days=1))
    response = owner_client.get("/")
    assert names(response) == ["Water", "Stretch", "Even"]
    assert b'datetime="2026-11-23"' in response.content


def test_n_per_week_stays_until_met_and_done_today_stays_ticked(owner_client, make_habit, now):
    run = make_habit("Run", schedule="per_week", times_per_week=2)
    Occurrence.objects.create(habit=run, on=TODAY - dt.timedelta(days=3), status="done")  # last week
    response = owner_client.get("/")
    assert names(response) == ["Run"]
    assert b"0/2 this week" in response.content
    Occurrence.objects.create(habit=run, on=TODAY, status="done")
    response = owner_client.get("/")
    assert names(response) == ["Run"]
    assert b"1/2 this week" in response.content


def test_a_per_week_habit_met_this_week_leaves_today(owner_client, make_habit, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False)  # Wednesday
    run = make_habit("Run", schedule="per_week", times_per_week=2)
    for day in (dt.date(2026, 11, 23), dt.date(2026, 11, 24)):
        Occurrence.objects.create(habit=run, on=day, status="done")
    assert names(owner_client.get("/")) == []


def test_a_tick_marks_done_updates_stats_and_redirects_without_js(owner_client, make_habit, now):
    habit = make_habit()
    response = owner_client.post(log_url(habit), {"action": "done", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    occurrence = Occurrence.objects.get(habit=habit, on=TODAY)
    assert occurrence.status == "done" and occurrence.completed_at == now
    habit.refresh_from_db()
    assert (habit.current_streak, habit.total_done, habit.last_done_on) == (1, 1, TODAY)


@pytest.mark.parametrize("target", ["0", "today", "//evil.example/", "https://evil.example/", "javascript:x"])
def test_a_next_that_is_not_a_path_of_this_site_goes_to_today(owner_client, make_habit, now, target):
    """A bare name was read by redirect() as a view name: a 500 for next=0."""
    response = owner_client.post(log_url(make_habit()), {"action": "done", "next": target})
    assert response.status_code == 302 and response["Location"] == "/"


def test_the_same_tick_twice_leaves_one_occurrence(owner_client, make_habit, now):
    habit = make_habit()
    owner_client.post(log_url(habit), {"action": "done"})
    owner_client.post(log_url(habit), {"action": "done"})
    assert Occurrence.objects.filter(habit=habit).count() == 1
    habit.refresh_from_db()
    assert habit.total_done == 1


def test_htmx_ticks_swap_only_the_row_and_the_progress(owner_client, make_habit, now):
    habit = make_habit()
    make_habit("Other")
    response = owner_client.post(log_url(habit), {"action": "done"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="habit-row is-done" id="habit-row-{habit.pk}"')
    assert 'id="today-progress"' in html and 'hx-swap-oob="true"' in html
    assert "<strong>1</strong> of 2 done" in html
    assert "<html" not in html


def test_undo_and_skip(owner_client, make_habit, now):
    habit = make_habit()
    owner_client.post(log_url(habit), {"action": "done"})
    owner_client.post(log_url(habit), {"action": "undo"})
    assert Occurrence.objects.get(habit=habit).status == "scheduled"
    habit.refresh_from_db()
    assert habit.total_done == 0
    owner_client.post(log_url(habit), {"action": "skip"})
    habit.refresh_from_db()
    assert Occurrence.objects.get(habit=habit).status == "skipped" and habit.total_skipped == 1


def test_measurable_steps_and_amounts(owner_client, make_habit, now):
    water = make_habit("Water", kind="at_least", target_value=Decimal(3), unit="glasses")
    for _ in range(2):
        owner_client.post(log_url(water), {"action": "plus"})
    occurrence = Occurrence.objects.get(habit=water)
    assert (occurrence.value, occurrence.status) == (Decimal(2), "scheduled")
    owner_client.post(log_url(water), {"action": "plus"})
    occurrence.refresh_from_db()
    assert (occurrence.value, occurrence.status) == (Decimal(3), "done")
    owner_client.post(log_url(water), {"action": "minus"})
    occurrence.refresh_from_db()
    assert (occurrence.value, occurrence.status) == (Decimal(2), "scheduled")
    owner_client.post(log_url(water), {"action": "value", "value": "5.5"})
    occurrence.refresh_from_db()
    assert (occurrence.value, occurrence.status) == (Decimal("5.5"), "done")


def test_an_at_most_habit_over_its_limit_is_missed(owner_client, make_habit, now):
    coffee = make_habit("Coffee", kind="at_most", target_value=Decimal(2), unit="cups")
    owner_client.post(log_url(coffee), {"action": "value", "value": "1"})
    assert Occurrence.objects.get(habit=coffee).status == "scheduled"  # on track until the day closes
    owner_client.post(log_url(coffee), {"action": "value", "value": "3"})
    assert Occurrence.objects.get(habit=coffee).status == "missed"


@pytest.mark.parametrize("value", ["lots", "-1", "1e99", "NaN", ""])
def test_a_bad_amount_is_explained_and_nothing_is_saved(owner_client, make_habit, now, value):
    water = make_habit("Water", kind="at_least", target_value=Decimal(3))
    response = owner_client.post(log_url(water), {"action": "value", "value": value}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b'class="row-error" role="alert"' in response.content
    assert not Occurrence.objects.filter(habit=water).exclude(status="scheduled").exists()
    assert not Occurrence.objects.filter(habit=water, value__isnull=False).exists()


def test_a_timer_starts_and_finishing_marks_done(owner_client, make_habit, now):
    habit = make_habit("Meditate", timer_minutes=10)
    owner_client.post(log_url(habit), {"action": "start"})
    occurrence = Occurrence.objects.get(habit=habit)
    assert occurrence.status == "started" and occurrence.started_at == now
    assert b"Timer running" in owner_client.get("/").content
    owner_client.post(log_url(habit), {"action": "done"})
    occurrence.refresh_from_db()
    assert occurrence.status == "done"


def test_a_future_day_is_refused(owner_client, make_habit, now):
    habit = make_habit()
    response = owner_client.post(log_url(habit, TODAY + dt.timedelta(days=1)), {"action": "done"}, follow=True)
    assert b"has not happened yet" in response.content
    assert not Occurrence.objects.exists()


def test_a_day_before_the_start_is_refused(owner_client, make_habit, now):
    habit = make_habit(start_date=TODAY)
    response = owner_client.post(log_url(habit, TODAY - dt.timedelta(days=1)), {"action": "done"}, follow=True)
    assert b"is before that" in response.content
    assert not Occurrence.objects.exists()


def test_the_strangers_habit_is_a_404(client, stranger, make_habit, now):
    habit = make_habit()
    client.force_login(stranger)
    assert client.post(log_url(habit), {"action": "done"}).status_code == 404
    assert not Occurrence.objects.exists()


def test_log_is_post_only(owner_client, make_habit, now):
    habit = make_habit()
    assert owner_client.get(log_url(habit)).status_code == 405


@pytest.mark.parametrize("day", ["yesterday", "2026-02-30", "2026-1-1x"])
def test_a_malformed_date_is_a_404(owner_client, make_habit, now, day):
    habit = make_habit()
    assert owner_client.post(f"/habits/{habit.pk}/log/{day}/", {"action": "done"}).status_code == 404


def test_the_day_follows_the_users_time_zone(owner_client, owner, make_habit, time_machine):
    # 11:30 UTC on the 23rd is 00:30 on the 24th in Auckland.
    time_machine.move_to(dt.datetime(2026, 11, 23, 11, 30, tzinfo=dt.UTC), tick=False)
    owner.profile.timezone = "Pacific/Auckland"
    owner.profile.save()
    habit = make_habit()
    owner_client.post(f"/habits/{habit.pk}/log/2026-11-24/", {"action": "done"})
    assert Occurrence.objects.get(habit=habit).on == dt.date(2026, 11, 24)
    assert b'datetime="2026-11-24"' in owner_client.get("/").content


def today_queries(client, owner, pillar, make_habit, count):
    for i in range(count):
        per_week = i % 3 == 0
        habit = make_habit(
            f"Habit {count}-{i}",
            pillar=pillar if i % 2 else None,
            schedule="per_week" if per_week else "daily",
            times_per_week=3 if per_week else None,
        )
        Occurrence.objects.create(habit=habit, on=TODAY, status="done" if i % 2 else "scheduled")
        Occurrence.objects.bulk_create(
            Occurrence(habit=habit, on=TODAY - dt.timedelta(days=d), status="done") for d in range(1, 20)
        )
    client.get("/")  # warm caches (site, content types)
    cache.clear()  # measure the list being built, not served from the cache
    with CaptureQueriesContext(connection) as built:
        response = client.get("/")
    assert len(response.context["rows"]) >= count // 2
    with CaptureQueriesContext(connection) as cached:
        response = client.get("/")
    assert response.context["rows"] is None  # served from the cache
    return len(built), len(cached)


def test_today_runs_a_constant_number_of_queries(owner_client, owner, pillar, make_habit, now):
    few = today_queries(owner_client, owner, pillar, make_habit, 5)
    Habit.objects.all().delete()
    many = today_queries(owner_client, owner, pillar, make_habit, 50)
    assert few == many
    built, cached = many
    # session, user, profile; the check-in card's day (insights.forms.today_card); building the
    # list also asks whether a completion model serves the user ("likely to slip", insights.slips)
    assert built <= 7 and cached <= 4


def test_the_cached_list_follows_every_change(owner_client, owner, make_habit, pillar, now):
    habit = make_habit("Stretch", pillar=pillar)
    assert b"Stretch" in owner_client.get("/").content
    services.log_occurrence(habit, TODAY, "done")
    assert b"habit-row is-done" in owner_client.get("/").content
    pillar.name = "Body"
    pillar.save()
    assert b"Body</h2>" in owner_client.get("/").content
    Habit.objects.filter(pk=habit.pk).update(name="Renamed behind its back")  # no save(): no touch
    recompute.recompute_stats(Habit.objects.filter(pk=habit.pk))  # a bulk writer touches
    assert b"Renamed behind its back" in owner_client.get("/").content
    owner_client.post(f"/habits/{habit.pk}/status/", {"status": "archived"})
    assert b"Your story starts here" in owner_client.get("/").content


def test_the_cached_list_carries_this_requests_csrf_token(owner_client, make_habit, now):
    make_habit()
    owner_client.get("/")
    response = owner_client.get("/")
    assert response.context["rows"] is None
    import re

    from django.middleware.csrf import _does_token_match

    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()))
    secret = owner_client.cookies["csrftoken"].value
    assert tokens and all(_does_token_match(token, secret) for token in tokens)
    assert b"csrf-token-placeholder" not in response.content
