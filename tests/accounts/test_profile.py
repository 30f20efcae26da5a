from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = "/profile/"


def valid(**overrides):
    data = {
        "display_name": "Robin",
        "timezone": "America/Los_Angeles",
        "day_start_hour": "2",
        "week_start": "6",
        "prompt_window_start": "08:00",
        "prompt_window_end": "21:30",
        "quiet_hours_start": "",
        "quiet_hours_end": "",
        "notify_prompts_in_app": "on",
        "notify_prompts_email": "on",
        "notify_digest_email": "on",
    }
    data.update(overrides)
    return data


def test_it_needs_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_it_shows_the_settings(owner_client):
    response = owner_client.get(URL)
    assert response.status_code == 200
    assert b"owner@example.com" in response.content
    assert b'name="timezone"' in response.content


def test_it_saves_settings_and_preferences(owner_client, owner):
    response = owner_client.post(URL, valid())
    assert response.status_code == 302
    owner.profile.refresh_from_db()
    assert str(owner.profile.timezone) == "America/Los_Angeles"
    assert owner.profile.day_start_hour == 2
    assert owner.profile.week_start == 6
    assert owner.profile.prompt_window_end == dt.time(21, 30)
    assert owner.profile.channels_for("prompts") == ["in_app", "email"]
    assert owner.profile.channels_for("nudges") == []
    assert owner.profile.channels_for("digest") == ["email"]


def test_it_sets_whether_a_quest_completes_by_itself(owner_client, owner):
    assert owner.profile.quest_auto_complete  # the default
    html = owner_client.get(URL).content.decode()
    assert 'name="quest_auto_complete"' in html and "Complete a quest when its last objective is done" in html
    owner_client.post(URL, valid())  # a checkbox left unticked
    owner.profile.refresh_from_db()
    assert not owner.profile.quest_auto_complete
    owner_client.post(URL, valid(quest_auto_complete="on"))
    owner.profile.refresh_from_db()
    assert owner.profile.quest_auto_complete


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"timezone": "Atlantis/Capital"}, "timezone"),
        ({"day_start_hour": "9"}, "day_start_hour"),
        ({"day_start_hour": "soon"}, "day_start_hour"),
        ({"prompt_window_start": "22:00", "prompt_window_end": "07:00"}, "prompt_window_end"),
        ({"prompt_window_start": "25:99"}, "prompt_window_start"),
        ({"quiet_hours_start": "22:00"}, "quiet_hours_end"),
        ({"display_name": "x" * 41}, "display_name"),
        ({"display_name": "Robin\u202eevil"}, "display_name"),  # a text-direction override
        ({"display_name": "Rob\x07in"}, "display_name"),  # a control character
    ],
)
def test_bad_input_names_the_field_and_keeps_what_was_typed(owner_client, owner, overrides, field):
    data = valid(**overrides)
    response = owner_client.post(URL, data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'aria-invalid="true"'.encode() in response.content
    # What was typed comes back in the form, and nothing was saved.
    assert response.context["form"].data["display_name"] == data["display_name"]
    owner.profile.refresh_from_db()
    assert str(owner.profile.timezone) == "UTC"


def test_it_refuses_other_methods(owner_client):
    assert owner_client.put(URL).status_code == 405
    assert owner_client.delete(URL).status_code == 405


def test_the_time_zone_is_used_to_render_the_day(owner_client, owner, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 11, 30, tzinfo=dt.UTC))
    owner.profile.timezone = "Pacific/Auckland"  # 00:30 on the 24th there
    owner.profile.save()
    response = owner_client.get(reverse("core:today"))
    assert b'datetime="2026-11-24"' in response.content


def test_the_day_start_hour_keeps_late_night_in_yesterday(owner):
    owner.profile.timezone = "Europe/London"
    owner.profile.day_start_hour = 2
    assert owner.profile.local_today(dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.UTC)) == dt.date(2026, 11, 23)
    assert owner.profile.local_today(dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)) == dt.date(2026, 11, 24)


@pytest.mark.parametrize(
    ("zone", "start_hour", "day", "ends_utc"),
    [
        ("Pacific/Auckland", 0, dt.date(2026, 11, 23), dt.datetime(2026, 11, 23, 11, 0, tzinfo=dt.UTC)),
        ("Europe/London", 2, dt.date(2026, 11, 23), dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)),
        # The night the clocks go back in Los Angeles: that day has 25 hours.
        ("America/Los_Angeles", 0, dt.date(2026, 10, 31), dt.datetime(2026, 11, 1, 7, 0, tzinfo=dt.UTC)),
        ("America/Los_Angeles", 0, dt.date(2026, 11, 1), dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)),
    ],
)
def test_day_ends_at_is_the_next_local_day_start(owner, zone, start_hour, day, ends_utc):
    owner.profile.timezone, owner.profile.day_start_hour = zone, start_hour
    ends = owner.profile.day_ends_at(day)
    assert ends == ends_utc
    assert owner.profile.local_today(ends - dt.timedelta(seconds=1)) == day
    assert owner.profile.local_today(ends) == day + dt.timedelta(days=1)


def test_today_says_when_its_day_ends_so_an_open_tab_can_refresh(owner_client, owner, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 23, 11, 30, tzinfo=dt.UTC))
    owner.profile.timezone = "Pacific/Auckland"  # 00:30 on the 24th there
    owner.profile.save()
    page = owner_client.get(reverse("core:today")).content.decode()
    assert 'id="today-page" data-live-region data-stale-at="2026-11-25T00:00:00+13:00"' in page
