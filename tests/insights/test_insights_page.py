"""The Insights page and what-if: signed in only, GET only; the learning state for a new
user; the forecast, drivers, statements and charts for a user with models; what-if as a
plain form and as an htmx region; bad inputs named; constant queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from habitstory.insights import pipeline, synth_db

NOW = dt.datetime(2026, 6, 30, 12, tzinfo=dt.UTC)
PAGE = reverse("insights:index")
WHAT_IF = reverse("insights:what-if")
SMALL = {"num_boost_round": 40}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def modelled(client):
    """A synthetic user with 90 days and their own trained models, signed in."""
    [(user, _)] = synth_db.create_users(1, 90, 5, prefix="page", end=NOW.date())
    pipeline.train_user(user, params=SMALL)
    client.force_login(user)
    return user


def test_it_asks_to_sign_in(client):
    for url in (PAGE, WHAT_IF):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_it_refuses_other_methods(owner_client):
    assert owner_client.post(PAGE).status_code == 405
    assert owner_client.post(WHAT_IF, {"sleep_hours": 8}).status_code == 405


def test_a_new_user_sees_the_learning_state(owner_client):
    response = owner_client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Learning: 0 of 60 days" in html
    assert "No forecast yet." in html
    assert "Too little data yet: 0 days with mood or energy logged; statements need at least 16." in html
    assert '<svg viewBox="0 0 320 170" role="img" aria-labelledby="insights-mood-title insights-mood-desc">' in html
    assert "No mood logged in the last 90 days." in html
    assert 'aria-current="page"' in html  # the nav's Insights item
    assert "Once there is a forecast, you can change today’s sleep" in html
    assert 'type="range"' not in html


def test_with_models_the_page_shows_forecast_drivers_statements_and_charts(client, modelled):
    html = client.get(PAGE).content.decode()
    assert "Ready: your own models" in html
    assert "Today’s forecast" in html and "of 10" in html and "% likely" in html
    assert "Today&#x27;s energy forecast is " in html and "mainly because of" in html
    assert "On days " in html and " averages " in html and "adjusted p (q)" in html
    assert "not causes" in html
    assert "<title id=\"insights-energy-title\">Your energy, " in html
    assert "<caption>Your mood, " in html
    assert 'type="range" id="wi-sleep_hours" name="sleep_hours"' in html


def test_what_if_as_a_plain_form(client, modelled):
    response = client.get(WHAT_IF, {"sleep_hours": "4", "stress": "9"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html
    assert "With sleep 4 h, stress 9 of 10: energy " in html
    assert "<th scope=\"row\">Energy forecast</th>" in html
    assert 'value="4.0"' in html or 'value="4"' in html  # the slider stays where it was moved


def test_what_if_with_htmx_answers_the_region_and_the_readings(client, modelled):
    response = client.get(WHAT_IF, {"sleep_hours": "9.5"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="what-if-result"')
    assert '<output id="wi-sleep_hours-value" for="wi-sleep_hours" hx-swap-oob="true">9.5 h</output>' in html
    assert "HX-Request" in response["Vary"]


def test_what_if_names_bad_inputs(client, modelled):
    response = client.get(WHAT_IF, {"sleep_hours": "30", "bedtime": "22", "exercise_minutes": "ten"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Sleep: Choose from 0 to 24." in html
    assert "Exercise: Enter a number." in html
    assert "bedtime: Not an input to change" in html
    assert 'aria-invalid="true" aria-describedby="wi-sleep_hours-error"' in html
    htmx = client.get(WHAT_IF, {"stress": "3.3"}, headers={"HX-Request": "true"}).content.decode()
    assert "Stress: Use steps of 0.5." in htmx


def _cold_queries(client, user) -> int:
    client.force_login(user)
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PAGE).status_code == 200
    return len(queries)


def test_the_page_runs_the_same_queries_however_many_days(client):
    made = synth_db.create_users(1, 30, 1, prefix="short", end=NOW.date())
    made += synth_db.create_users(1, 150, 2, prefix="long", end=NOW.date())
    counts = [_cold_queries(client, user) for user, _ in made]
    assert counts[0] == counts[1]
    client.force_login(made[1][0])
    with CaptureQueriesContext(connection) as warm:
        client.get(PAGE)
    assert len(warm) < counts[1]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(["sleep_hours", "stress", "exercise_minutes", "work_hours",
                                                "social_minutes", "bedtime"]),
                              st.one_of(st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True).map(str),
                                        st.integers(-10**6, 10**6).map(str)), max_size=6),
       htmx=st.booleans())
def test_nothing_sent_to_what_if_makes_an_error_page(owner_client, values, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    assert owner_client.get(WHAT_IF, values, headers=headers).status_code == 200
