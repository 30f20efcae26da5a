"""The habit page's calendar: a tap on a day cycles it done → skipped → clear through the
commit step (htmx), answered with the calendar and, out-of-band, what changed with it;
without JavaScript a day opens its editor; and "Open the day" for notes and amounts."""

from __future__ import annotations

import datetime as dt

import pytest

from gamification.models import XPEvent
from habits.models import Occurrence

from .conftest import TODAY

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
YESTERDAY = TODAY - dt.timedelta(days=1)


def tap(client, habit, day: dt.date, action: str, **extra):
    return client.post(f"/habits/{habit.pk}/log/{day.isoformat()}/", {"action": action, "answer": "calendar"},
                       **HTMX, **extra)


def cell(html: str, habit, day: dt.date, narrow: bool = False) -> str:
    start = html.index(f'<a id="hm{"n" if narrow else ""}{habit.pk}-{day.isoformat()}"')
    return html[start : html.index("</a>", start)]


def test_the_page_draws_both_calendars_with_taps(owner_client, make_habit, now):
    habit = make_habit()
    html = owner_client.get(f"/habits/{habit.pk}/").content.decode()
    assert 'class="heatmap heatmap-wide"' in html and 'class="heatmap heatmap-narrow"' in html
    for narrow in (False, True):
        today = cell(html, habit, TODAY, narrow)
        assert f'href="/habits/{habit.pk}/day/{TODAY.isoformat()}/"' in today  # without JavaScript
        assert f'hx-post="/habits/{habit.pk}/log/{TODAY.isoformat()}/"' in today
        assert """hx-vals='{"action":"done"}'""" in today
    assert f'id="habit-{habit.pk}-chart-calendar" hx-target="this" hx-swap="outerHTML"' in html
    assert f'id="habit-{habit.pk}-chart-calendar-status" role="status"' in html


def test_a_tap_cycles_a_day_done_skipped_clear(owner_client, owner, make_habit, now):
    habit = make_habit()
    response = tap(owner_client, habit, YESTERDAY, "done")
    assert response.status_code == 200
    html = response.content.decode()
    occurrence = Occurrence.objects.get(habit=habit, on=YESTERDAY)
    assert occurrence.status == "done"
    assert XPEvent.objects.filter(user=owner, reason="habit_done").count() == 1  # yesterday earns
    # The calendar (the tap's target), fresh: the day is done and its next tap skips it.
    assert html.lstrip().startswith(f'<figure class="chart calendar" id="habit-{habit.pk}-chart-calendar"')
    assert "<title>Sun 22 Nov 2026: done</title>" in cell(html, habit, YESTERDAY)
    assert """hx-vals='{"action":"skip"}'""" in cell(html, habit, YESTERDAY, narrow=True)
    # Out of band: what the day is now (and its editor), the other charts, the figures, the XP bar.
    assert f'<p id="habit-{habit.pk}-chart-calendar-status" hx-swap-oob="innerHTML">Sun 22 Nov 2026: done.' in html
    assert f'href="/habits/{habit.pk}/day/{YESTERDAY.isoformat()}/">Notes and amount for 22 Nov</a>' in html
    assert f'<div id="habit-{habit.pk}-chart-trends" hx-swap-oob="innerHTML">' in html
    assert 'id="habit-figures"' in html and 'hx-swap-oob="true"' in html
    assert '<div id="xp-bar" class="xp-slot" hx-swap-oob="true">' in html

    html = tap(owner_client, habit, YESTERDAY, "skip").content.decode()
    assert Occurrence.objects.get(habit=habit, on=YESTERDAY).status == "skipped"
    assert "Sun 22 Nov 2026: skipped." in html
    assert """hx-vals='{"action":"undo"}'""" in cell(html, habit, YESTERDAY)

    html = tap(owner_client, habit, YESTERDAY, "undo").content.decode()
    assert Occurrence.objects.get(habit=habit, on=YESTERDAY).status == "scheduled"
    assert "Sun 22 Nov 2026: cleared." in html
    assert "<title>Sun 22 Nov 2026: missed</title>" in cell(html, habit, YESTERDAY)
    assert """hx-vals='{"action":"done"}'""" in cell(html, habit, YESTERDAY)
    assert sum(XPEvent.objects.filter(user=owner, reason__in=["habit_done", "habit_undone"])
               .values_list("amount", flat=True)) == 0  # the XP taken back with it


def test_a_refused_tap_says_why_and_changes_nothing(owner_client, make_habit, now):
    habit = make_habit(start_date=TODAY)
    response = tap(owner_client, habit, YESTERDAY, "done")  # before the start
    assert response.status_code == 200
    html = response.content.decode()
    assert "starts on 23 November 2026" in html and "hx-swap-oob" in html
    assert not Occurrence.objects.exists()


def test_a_tap_is_the_owners_post(client, owner_client, stranger, make_habit, now):
    habit = make_habit()
    assert owner_client.get(f"/habits/{habit.pk}/log/{TODAY.isoformat()}/").status_code == 405
    client.force_login(stranger)
    assert tap(client, habit, TODAY, "done").status_code == 404
    assert not Occurrence.objects.exists()


def test_without_htmx_a_tap_is_a_plain_post_that_redirects(owner_client, make_habit, now):
    habit = make_habit()
    response = owner_client.post(f"/habits/{habit.pk}/log/{TODAY.isoformat()}/",
                                 {"action": "done", "answer": "calendar", "next": f"/habits/{habit.pk}/"})
    assert response.status_code == 302 and response.url == f"/habits/{habit.pk}/"
    assert Occurrence.objects.get(habit=habit, on=TODAY).status == "done"


def test_open_the_day_goes_to_its_editor(client, owner_client, stranger, make_habit, now):
    habit = make_habit()
    response = owner_client.get(f"/habits/{habit.pk}/day/", {"on": YESTERDAY.isoformat()})
    assert response.status_code == 302 and response.url == f"/habits/{habit.pk}/day/{YESTERDAY.isoformat()}/"
    assert owner_client.get(f"/habits/{habit.pk}/day/", {"on": "soon"}).status_code == 404
    assert owner_client.post(f"/habits/{habit.pk}/day/", {"on": YESTERDAY.isoformat()}).status_code == 405
    client.force_login(stranger)
    assert client.get(f"/habits/{habit.pk}/day/", {"on": YESTERDAY.isoformat()}).status_code == 404
