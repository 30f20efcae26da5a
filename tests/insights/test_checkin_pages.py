"""The check-in card on Today and a day's check-in page: a plain POST that redirects, the
same with htmx answered with the card, backfill, bad input kept and named, energy only
when logged, Today's query budget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habits.models import Habit, Occurrence
from habitstory.insights import services, slips, state
from habitstory.insights.models import CheckIn, LifeEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def url(day=TODAY) -> str:
    return f"/insights/day/{day.isoformat()}/"


def test_it_shows_the_card_on_today_with_five_labelled_faces_and_the_slider(owner_client):
    html = owner_client.get("/").content.decode()
    assert 'id="checkin-card"' in html
    assert html.count('name="mood"') == 5
    for label in ("Very low", "Low", "Okay", "Good", "Great"):
        assert f'<span class="mood-label">{label}</span>' in html
    assert 'type="range" name="energy"' in html and 'step="0.5"' in html
    assert '<details class="checkin-more">' in html  # folded: nothing logged yet
    assert f'action="{url()}"' in html and 'name="card" value="compact"' in html
    assert f'href="{url(TODAY - dt.timedelta(days=1))}">Yesterday</a>' in html  # backfill from there


def test_a_plain_post_from_today_saves_and_goes_back_to_today(owner_client, owner):
    response = owner_client.post(url(), {"mood": "positive", "log_energy": "on", "energy": "6.5", "card": "compact",
                                         "next": "/"})
    assert response.status_code == 302 and response.url == "/"
    checkin = CheckIn.objects.get(user=owner, on=TODAY)
    assert (checkin.mood, checkin.energy, checkin.sleep_hours) == ("positive", Decimal("6.5"), None)
    html = owner_client.get("/").content.decode()
    assert 'value="positive" id="checkin-mood_3" class="mood-input" checked' in html
    assert "Check-in for Mon 23 Nov 2026 saved." in html


def test_with_htmx_the_answer_is_the_fresh_card(owner_client, owner):
    response = owner_client.post(url(), {"mood": "neutral", "card": "compact", "sleep_hours": "7.5"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="card checkin-card" id="checkin-card"')
    assert "<html" not in html
    assert 'role="status">Saved.' in html
    assert '<details class="checkin-more" open>' in html  # it holds a value now
    assert 'name="card" value="compact"' in html  # still Today's card
    assert CheckIn.objects.get(user=owner).sleep_hours == Decimal("7.5")


def test_the_energy_counts_only_when_logged(owner_client, owner):
    owner_client.post(url(), {"mood": "positive", "energy": "5"})  # the slider's resting value
    assert CheckIn.objects.get(user=owner).energy is None
    owner_client.post(url(), {"mood": "positive", "energy": "8", "log_energy": "on"})
    assert CheckIn.objects.get(user=owner).energy == Decimal(8)
    html = owner_client.get(url()).content.decode()
    assert 'name="log_energy" id="checkin-log_energy" checked' in html
    assert 'value="8.0"' in html or 'value="8"' in html


@pytest.mark.parametrize(("field", "value", "words"), [
    ("energy", "10.5", "Ensure this value is less than or equal to 10"),
    ("energy", "3.3", "Use steps of 0.5."),
    ("sleep_hours", "25", "Ensure this value is less than or equal to 24"),
    ("exercise_minutes", "-5", "greater than or equal to 0"),
    ("exercise_minutes", "ten", "Enter a whole number"),
    ("stress", "7.2", "Use steps of 0.5."),
    ("mood", "ecstatic", "Select a valid choice"),
    ("note", "x" * 2001, "at most 2000 characters"),
    ("note", "bad\x00byte", "Null characters are not allowed"),
])
def test_bad_input_keeps_what_was_typed_and_names_the_field(owner_client, owner, field, value, words):
    data = {"mood": "positive", "log_energy": "on", "energy": "6", "sleep_hours": "7", "note": "kept", field: value}
    for extra in ({}, HTMX):
        response = owner_client.post(url(), data, **extra)
        html = response.content.decode()
        assert response.status_code == 200
        assert words in html
        assert f'href="#checkin-{field}"' in html  # the summary names and links the field
        if field not in ("note", "mood"):
            assert f'value="{value}"' in html
    assert not CheckIn.objects.filter(user=owner).exists()


def test_a_refused_save_keeps_the_row_as_it_was(owner_client, owner):
    services.save_checkin(owner, TODAY, {"mood": "negative", "sleep_hours": 6})
    owner_client.post(url(), {"mood": "positive", "sleep_hours": "99"})
    checkin = CheckIn.objects.get(user=owner)
    assert (checkin.mood, checkin.sleep_hours) == ("negative", 6)


def test_backfill_a_past_day_and_move_between_days(owner_client, owner):
    day = TODAY - dt.timedelta(days=40)
    page = owner_client.get(url(day)).content.decode()
    assert "How did Wed 14 Oct 2026 go?" in page
    assert f'href="{url(day - dt.timedelta(days=1))}"' in page and f'href="{url(day + dt.timedelta(days=1))}"' in page
    response = owner_client.post(url(day), {"mood": "very_negative", "stress": "8.5", "note": "Flu"})
    assert response.status_code == 302 and response.url == url(day)
    checkin = CheckIn.objects.get(user=owner, on=day)
    assert (checkin.mood, checkin.stress, checkin.note) == ("very_negative", Decimal("8.5"), "Flu")
    assert 'rel="next"' not in owner_client.get(url()).content.decode()  # no day after today


def test_the_day_page_lists_that_days_habits_and_events(owner_client, owner):
    day = TODAY - dt.timedelta(days=2)
    run = Habit.objects.create(user=owner, name="Run", start_date=TODAY - dt.timedelta(days=10))
    Occurrence.objects.create(habit=run, on=day, status="done")
    LifeEvent.objects.create(user=owner, type="travel", title="Lisbon", start=day - dt.timedelta(days=1), end=day)
    html = owner_client.get(url(day)).content.decode()
    assert f'href="/habits/{run.pk}/day/{day.isoformat()}/">Run</a>' in html
    assert "badge badge-done" in html
    assert "Lisbon" in html


@pytest.mark.parametrize("day", ["2026-11-24", "1999-12-31", "2026-02-30", "yesterday", "2026-11-23x"])
def test_days_that_cannot_have_a_check_in_are_404(owner_client, day):
    assert owner_client.get(f"/insights/day/{day}/").status_code == 404
    assert owner_client.post(f"/insights/day/{day}/", {"mood": "positive"}).status_code == 404
    assert owner_client.get("/insights/day/", {"on": day}).status_code == 404


def test_pick_a_day(owner_client):
    assert owner_client.get("/insights/day/", {"on": "2026-11-01"}).url == "/insights/day/2026-11-01/"


def test_delete_a_days_check_in(owner_client, owner, stranger):
    services.save_checkin(owner, TODAY, {"mood": "positive"})
    services.save_checkin(stranger, TODAY, {"mood": "positive"})
    assert "Delete this check-in" in owner_client.get(url()).content.decode()
    assert owner_client.get(f"{url()}delete/").status_code == 405
    assert owner_client.post(f"{url()}delete/").url == url()
    assert not CheckIn.objects.filter(user=owner).exists()
    assert CheckIn.objects.filter(user=stranger).exists()  # only one's own day


def test_another_users_check_in_is_never_shown_or_changed(owner_client, owner, stranger):
    services.save_checkin(stranger, TODAY, {"mood": "very_positive", "note": "Stranger's secret"})
    assert "Stranger's secret" not in owner_client.get(url()).content.decode()
    owner_client.post(url(), {"mood": "negative"})
    assert CheckIn.objects.get(user=stranger).mood == "very_positive"


def test_wrong_methods_and_signed_out(owner_client):
    assert owner_client.put(url()).status_code == 405
    assert owner_client.post("/insights/day/", {"on": "2026-11-01"}).status_code == 405
    response = Client().get(url())
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_card_works_by_keyboard_and_labels_every_control(owner_client):
    html = owner_client.get("/").content.decode()
    for index in range(5):
        assert f'<label for="checkin-mood_{index}" class="mood-face">' in html
    for name in ("log_energy", "energy", "sleep_hours", "exercise_minutes", "social_minutes", "work_hours", "stress",
                 "note"):
        assert f'for="checkin-{name}"' in html
    assert 'tabindex="-1"' not in html.split('id="checkin-card"', 1)[1]


def today_budget(client, owner, count: int) -> tuple[int, int]:
    for i in range(count):
        habit = Habit.objects.create(user=owner, name=f"Habit {count}-{i}", start_date=TODAY - dt.timedelta(days=20))
        Occurrence.objects.create(habit=habit, on=TODAY, status="done" if i % 2 else "scheduled")
    for days_ago in range(count):
        services.save_checkin(owner, TODAY - dt.timedelta(days=days_ago), {"mood": "positive", "energy": 5})
    client.get("/")
    cache.clear()
    with CaptureQueriesContext(connection) as built:
        client.get("/")
    with CaptureQueriesContext(connection) as cached:
        client.get("/")
    return len(built), len(cached)


def test_the_card_costs_today_one_query_however_many_check_ins(owner_client, owner):
    few = today_budget(owner_client, owner, 3)
    Habit.objects.all().delete()
    CheckIn.objects.all().delete()
    assert few == today_budget(owner_client, owner, 40)


def test_the_profile_turns_pooled_learning_on_and_off_and_says_what_it_means(owner_client, owner):
    html = owner_client.get("/profile/").content.decode()
    assert "Pooled learning: learn from everyone who opted in" in html
    assert "no names, no notes" in html  # the model field's help text
    assert 'name="pooled_learning" aria-describedby="id_pooled_learning_helptext" id="id_pooled_learning">' in html
    settings = {"display_name": "Robin", "timezone": "UTC", "day_start_hour": "0", "week_start": "0",
                "prompt_window_start": "08:00", "prompt_window_end": "21:00"}
    before = state.generation(owner.pk)
    assert owner_client.post("/profile/", {**settings, "pooled_learning": "on"}).status_code == 302
    owner.profile.refresh_from_db()
    assert owner.profile.pooled_learning is True
    assert state.generation(owner.pk) > before  # cached forecasts go: another model may serve them now
    owner_client.post("/profile/", settings)
    owner.profile.refresh_from_db()
    assert owner.profile.pooled_learning is False


# --- "likely to slip" on Today and the chance on the habit page (insights.slips) ---------------


@pytest.fixture
def model(monkeypatch):
    """A completion model serving the owner: its probabilities are the test's to set."""
    chances: dict[int, float] = {}
    monkeypatch.setattr(slips.registry, "champion", lambda user, kind: object() if kind == "completion" else None)
    monkeypatch.setattr(slips.predictions, "habit_probabilities", lambda user, day: dict(chances))
    return chances


def test_today_hints_the_open_habits_under_40_percent(owner_client, owner, model):
    read = Habit.objects.create(user=owner, name="Read", start_date=TODAY - dt.timedelta(days=20))
    run = Habit.objects.create(user=owner, name="Run", start_date=TODAY - dt.timedelta(days=20))
    walk = Habit.objects.create(user=owner, name="Walk", start_date=TODAY - dt.timedelta(days=20))
    Occurrence.objects.create(habit=walk, on=TODAY, status="done")
    model.update({read.pk: 0.25, run.pk: 0.4, walk.pk: 0.1})
    html = owner_client.get("/").content.decode()
    rows = {habit.name: html.split(f'id="habit-row-{habit.pk}"', 1)[1].split("</li>", 1)[0] for habit in (read, run, walk)}
    assert "Likely to slip (25% chance)" in rows["Read"]
    assert "Likely to slip" not in rows["Run"]  # 40 % is not under 40 %
    assert "Likely to slip" not in rows["Walk"]  # done already


def test_the_hint_follows_a_new_forecast(owner_client, owner, model):
    read = Habit.objects.create(user=owner, name="Read", start_date=TODAY - dt.timedelta(days=20))
    model[read.pk] = 0.2
    assert "Likely to slip" in owner_client.get("/").content.decode()
    model[read.pk] = 0.8
    assert "Likely to slip" in owner_client.get("/").content.decode()  # Today's list is cached ...
    state.bump(owner.pk)  # ... until the forecast may change (a check-in, a tick, a new model)
    assert "Likely to slip" not in owner_client.get("/").content.decode()


def test_without_a_model_no_forecast_is_computed(owner_client, owner, monkeypatch):
    def fail(user, day):
        raise AssertionError("no forecast without a completion model")

    monkeypatch.setattr(slips.predictions, "habit_probabilities", fail)
    habit = Habit.objects.create(user=owner, name="Read", start_date=TODAY - dt.timedelta(days=20))
    assert "Likely to slip" not in owner_client.get("/").content.decode()
    assert "Chance today" not in owner_client.get(f"/habits/{habit.pk}/").content.decode()


def test_the_habit_page_shows_todays_chance(owner_client, owner, model):
    habit = Habit.objects.create(user=owner, name="Read", start_date=TODAY - dt.timedelta(days=20))
    other = Habit.objects.create(user=owner, name="Run", start_date=TODAY - dt.timedelta(days=20))
    model[habit.pk] = 0.724
    assert "<dt>Chance today</dt><dd>72%</dd>" in owner_client.get(f"/habits/{habit.pk}/").content.decode()
    assert "Chance today" not in owner_client.get(f"/habits/{other.pk}/").content.decode()  # not due, or no row


def test_a_refusal_from_today_keeps_the_way_back_to_today(owner_client, owner):
    response = owner_client.post(url(), {"mood": "positive", "sleep_hours": "30", "card": "compact", "next": "/"})
    assert '<input type="hidden" name="next" value="/">' in response.content.decode()
    evil = owner_client.post(url(), {"sleep_hours": "30", "next": "https://evil.example/"}).content.decode()
    assert "evil.example" not in evil
    assert owner_client.post(url(), {"mood": "positive", "next": "/"}).url == "/"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(["mood", "log_energy", "energy", "sleep_hours", "exercise_minutes",
                                        "social_minutes", "work_hours", "stress", "note", "card", "next"]),
                       st.one_of(st.text(max_size=40), st.floats().map(str), st.integers().map(str)), max_size=6),
       st.booleans())
def test_nothing_sent_to_the_card_makes_a_500(owner_client, owner, data, htmx):
    response = owner_client.post(url(), data, **(HTMX if htmx else {}))
    assert response.status_code in (200, 302)


@pytest.mark.parametrize("target", ["0", "insights:timeline", "//evil.example/", "https://evil.example/", "javascript:x"])
def test_only_a_path_of_this_site_is_a_way_back(owner_client, target):
    assert owner_client.post(url(), {"mood": "positive", "next": target}).url == url()
