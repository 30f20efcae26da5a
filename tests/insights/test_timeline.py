"""The timeline: check-ins, life events, level-ups and goals completed, day by day, newest
first, a window of 30 days at a time, filterable by kind; each day links to its page (the
check-in and that day's habits); the same queries however long the history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gamification.models import XPEvent
from gamification.rules import xp_to_next
from goals.models import Goal
from habitstory.accounts.models import User
from habitstory.insights import services
from habitstory.insights.models import CheckIn, LifeEvent
from habitstory.story import timeline
from habitstory.story.demo import seed_demo

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _now(time_machine):
    time_machine.move_to(NOW, tick=False)


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


@pytest.fixture
def history(owner):
    services.save_checkin(owner, days_ago(1), {"mood": "positive", "energy": "6.5", "sleep_hours": "7.25",
                                               "note": "A walk by the river"})
    LifeEvent.objects.create(user=owner, type="illness", title="Flu", start=days_ago(3), end=days_ago(2))
    first = xp_to_next(1)  # level 2 at this many XP
    XPEvent.objects.create(user=owner, amount=first - 10, reason="habit_done", source="o:1:1", on=days_ago(5))
    XPEvent.objects.create(user=owner, amount=20, reason="habit_done", source="o:2:1", on=days_ago(4))
    Goal.objects.create(user=owner, name="Read 10 books", target_value=Decimal(10), start_date=days_ago(60),
                        completed_at=NOW - dt.timedelta(days=2, hours=1))


def kinds_by_day(window) -> dict:
    return {day.date: [item.kind for item in day.items] for day in window.days}


def test_the_window_holds_each_kind_on_its_day_newest_first(owner, history):
    window = timeline.window(owner, TODAY, today=TODAY)
    assert kinds_by_day(window) == {days_ago(1): ["checkin"], days_ago(2): ["goal"], days_ago(3): ["event"],
                                    days_ago(4): ["level_up"]}
    checkin = window.days[0].items[0]
    assert checkin.title == "Mood good, energy 6.5 of 10"
    assert checkin.detail == "Slept 7.25 h. “A walk by the river”"
    assert window.days[3].items[0].title == "Reached level 2"
    assert (window.start, window.end, window.later) == (days_ago(29), TODAY, None)


def test_it_filters_by_kind(owner, history):
    assert kinds_by_day(timeline.window(owner, TODAY, kinds=["event", "goal"], today=TODAY)) == {
        days_ago(2): ["goal"], days_ago(3): ["event"]}


def test_it_filters_life_events_by_type(owner, history):
    LifeEvent.objects.create(user=owner, type="exam", title="Finals", start=days_ago(6))
    only_exams = timeline.window(owner, TODAY, kinds=["event"], event_types=["exam"], today=TODAY)
    assert [item.title for day in only_exams.days for item in day.items] == ["Finals"]
    both = timeline.window(owner, TODAY, kinds=["event"], today=TODAY)
    assert [item.title for day in both.days for item in day.items] == ["Flu", "Finals"]


def test_the_page_filters_events_by_type_and_keeps_it_across_windows(owner_client, owner, history):
    LifeEvent.objects.create(user=owner, type="exam", title="Finals", start=days_ago(40))
    html = owner_client.get("/insights/timeline/", {"type": "exam", "until": days_ago(35).isoformat()}).content.decode()
    assert "Finals" in html and '<option value="exam" selected>' in html
    html = owner_client.get("/insights/timeline/", {"type": "exam"}).content.decode()
    assert "Flu" not in html and "type=exam&amp;until=" in html  # "Earlier days" keeps the type
    assert "A walk by the river" in html  # other kinds still shown
    assert owner_client.get("/insights/timeline/", {"type": "party"}).status_code == 200


def test_earlier_windows_until_the_history_starts(owner, history):
    services.save_checkin(owner, days_ago(45), {"mood": "neutral"})  # a backfill before sign-up
    owner.date_joined = NOW - dt.timedelta(days=10)
    owner.save()
    first = timeline.window(owner, TODAY, today=TODAY)
    assert first.earlier == days_ago(30)
    second = timeline.window(owner, first.earlier, today=TODAY)
    assert kinds_by_day(second) == {days_ago(45): ["checkin"]}
    assert second.later == TODAY and second.earlier is None


def test_level_ups_count_the_xp_before_the_window(owner):
    XPEvent.objects.create(user=owner, amount=xp_to_next(1) - 1, reason="habit_done", source="o:1:1", on=days_ago(100))
    XPEvent.objects.create(user=owner, amount=1, reason="habit_done", source="o:2:1", on=days_ago(1))
    assert [item.title for day in timeline.window(owner, TODAY, today=TODAY).days for item in day.items] == [
        "Reached level 2"]


def test_a_goal_completed_after_midnight_utc_is_on_the_users_local_day(owner):
    owner.profile.timezone = "Pacific/Auckland"
    owner.profile.save()
    Goal.objects.create(user=owner, name="Run", target_value=1, start_date=days_ago(9),
                        completed_at=dt.datetime(2026, 11, 20, 20, 0, tzinfo=dt.UTC))  # 21 Nov, 09:00 there
    window = timeline.window(owner, dt.date(2026, 11, 24), today=dt.date(2026, 11, 24))
    assert kinds_by_day(window) == {dt.date(2026, 11, 21): ["goal"]}


def test_the_page_links_each_day_to_its_habits_and_check_in(owner_client, history):
    html = owner_client.get("/insights/timeline/").content.decode()
    assert f'href="/insights/day/{days_ago(1).isoformat()}/"' in html
    assert "Reached level 2" in html and "Read 10 books" in html and "Flu" in html
    assert "Earlier days" not in html  # the history starts inside this window


def test_the_page_filters_by_kind_without_javascript(owner_client, history):
    html = owner_client.get("/insights/timeline/", {"kind": "event"}).content.decode()
    assert "Flu" in html and "Reached level" not in html and "Read 10 books" not in html
    assert 'name="kind" value="event" checked' in html and 'name="kind" value="goal">' in html


@pytest.mark.parametrize("query", [{"until": "soon"}, {"until": "1900-01-01"}, {"until": "2999-01-01"},
                                   {"kind": "<b>"}, {"kind": ["checkin", "nope"]}, {"until": ""}])
def test_odd_queries_never_fail(owner_client, history, query):
    assert owner_client.get("/insights/timeline/", query).status_code == 200


def test_one_users_timeline_shows_nothing_of_anothers(owner_client, stranger):
    services.save_checkin(stranger, days_ago(1), {"note": "Stranger's note"})
    LifeEvent.objects.create(user=stranger, type="exam", title="Stranger's exam", start=days_ago(1))
    html = owner_client.get("/insights/timeline/").content.decode()
    assert "Stranger's" not in html and "Nothing in these days" in html


def test_wrong_method_and_signed_out(owner_client):
    assert owner_client.post("/insights/timeline/").status_code == 405
    assert Client().get("/insights/timeline/").status_code == 302


def page_queries(client, owner, days: int) -> int:
    for n in range(days):
        services.save_checkin(owner, days_ago(n), {"mood": "neutral", "energy": 5})
        LifeEvent.objects.create(user=owner, type="other", title=f"Event {n}", start=days_ago(n))
        XPEvent.objects.create(user=owner, amount=40, reason="habit_done", source=f"o:{days}:{n}", on=days_ago(n))
        Goal.objects.create(user=owner, name=f"Goal {n}", target_value=1, start_date=days_ago(90),
                            completed_at=NOW - dt.timedelta(days=n))
    client.get("/insights/timeline/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/insights/timeline/").status_code == 200
    return len(queries)


def test_the_page_runs_the_same_queries_however_much_history(owner_client, owner):
    few = page_queries(owner_client, owner, 2)
    for model in (LifeEvent, XPEvent, Goal):
        model.objects.all().delete()
    assert few == page_queries(owner_client, owner, 60) <= 12


def test_the_demo_account_has_about_120_days_of_life_on_its_timeline(client):
    seed_demo(now=NOW)
    demo = User.objects.get(email=settings.DEMO_EMAIL)
    days = list(CheckIn.objects.filter(user=demo).values_list("on", flat=True))
    assert 100 <= len(days) <= 120
    assert min(days) == days_ago(120) and max(days) == days_ago(1)  # today's is the visitor's to make
    assert CheckIn.objects.filter(user=demo).exclude(mood="").count() >= 60  # enough for its own models
    assert LifeEvent.objects.filter(user=demo).exists()
    client.force_login(demo)
    html = client.get("/insights/timeline/").content.decode()
    assert "CHECK-IN" in html.upper() and "Mood " in html and "Earlier days" in html
    assert 'id="checkin-card"' in client.get("/").content.decode()
