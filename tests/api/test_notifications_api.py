"""/notifications for integrations: the inbox a page at a time, mark-read by ids or all,
and the preferences (stored and checked as the profile page does)."""

from __future__ import annotations

import datetime as dt

import pytest

from habitstory.accounts.models import NOTIFICATION_KINDS, Profile, default_notification_preferences
from habitstory.notifications.models import Notification

from .conftest import csrf_headers

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"
PREFS = f"{URL}/preferences"


def make(user, title: str, *, minutes: int = 0, kind: str = "nudges", read: bool = False, in_app: bool = True,
         **fields) -> Notification:
    created = dt.datetime(2026, 3, 4, 9, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)
    return Notification.objects.create(user=user, kind=kind, title=title, created_at=created, in_app=in_app,
                                       read_at=created if read else None, **fields)


def details(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]["details"]


# --- the inbox --------------------------------------------------------------------------------


def test_it_lists_the_inbox_newest_first(api, owner, stranger, frozen):
    old = make(owner, "Older", body="Body", url="/habits/", read=True)
    make(owner, "Newer", minutes=5, kind="achievements")
    make(owner, "E-mail only", minutes=10, in_app=False)
    make(stranger, "Not yours", minutes=15)
    body = api.get(URL).json()
    assert [n["title"] for n in body["data"]] == ["Newer", "Older"]
    assert body["data"][1] == {
        "id": old.pk, "kind": "nudges", "title": "Older", "body": "Body", "url": "/habits/",
        "created_at": "2026-03-04T09:00:00Z", "read_at": "2026-03-04T09:00:00Z",
    }
    assert body["meta"]["next"] is None


def test_it_pages_with_equal_times(api, owner, frozen):
    for i in range(7):
        make(owner, f"N{i}", minutes=i // 3)  # three share each minute: the id breaks ties
    titles, cursor = [], None
    while True:
        body = api.get(f"{URL}?limit=2" + (f"&cursor={cursor}" if cursor else "")).json()
        titles += [n["title"] for n in body["data"]]
        cursor = body["meta"]["next"]
        if cursor is None:
            break
    assert titles == ["N6", "N5", "N4", "N3", "N2", "N1", "N0"]


def test_it_filters_unread_and_by_kind(api, owner, frozen):
    make(owner, "Read", read=True)
    make(owner, "Unread", kind="quest_due")
    assert [n["title"] for n in api.get(f"{URL}?unread=true").json()["data"]] == ["Unread"]
    assert [n["title"] for n in api.get(f"{URL}?unread=false").json()["data"]] == ["Read"]
    assert [n["title"] for n in api.get(f"{URL}?kind=quest_due").json()["data"]] == ["Unread"]
    assert set(details(api.get(f"{URL}?kind=gossip"))) == {"kind"}


def test_it_needs_credentials(anon):
    assert anon.get(URL).status_code == 401
    assert anon.post(f"{URL}/mark-read", {"all": True}).status_code == 401
    assert anon.get(PREFS).status_code == 401


# --- mark read --------------------------------------------------------------------------------


def test_it_marks_some_read(api, owner, frozen):
    first, second, third = make(owner, "1"), make(owner, "2", read=True), make(owner, "3")
    response = api.post(f"{URL}/mark-read", {"ids": [first.pk, second.pk]})
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {"marked": 1, "unread": 1}
    first.refresh_from_db(), third.refresh_from_db()
    assert first.read_at == frozen and third.read_at is None
    assert api.post(f"{URL}/mark-read", {"ids": [first.pk]}).json()["data"] == {"marked": 0, "unread": 1}


def test_it_marks_all_read(api, owner, stranger, frozen):
    make(owner, "1"), make(owner, "2")
    theirs = make(stranger, "Theirs")
    assert api.post(f"{URL}/mark-read", {"all": True}).json()["data"] == {"marked": 2, "unread": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_users_id_is_a_404_and_nothing_is_marked(api, owner, stranger, frozen):
    mine, theirs = make(owner, "Mine"), make(stranger, "Theirs")
    response = api.post(f"{URL}/mark-read", {"ids": [mine.pk, theirs.pk, 10**9]})
    assert details(response, 404) == {"ids": [f"No such notification: {theirs.pk}, {10**9}."]}
    assert response.json()["error"]["code"] == "not_found"
    assert not Notification.objects.filter(read_at__isnull=False).exists()


@pytest.mark.parametrize("body,field", [
    ({}, "body"),
    ({"ids": [1], "all": True}, "body"),
    ({"ids": []}, "ids"),
    ({"ids": list(range(1, 102))}, "ids"),
    ({"ids": [0]}, "ids"),
    ({"all": False}, "all"),
    ({"all": True, "extra": 1}, "extra"),
])
def test_a_bad_mark_read_body_is_a_400(api, owner, frozen, body, field):
    make(owner, "Unread")
    assert field in details(api.post(f"{URL}/mark-read", body))
    assert Notification.objects.get().read_at is None


def test_the_session_needs_csrf_to_mark(session_api, owner, frozen):
    make(owner, "Unread")
    assert session_api.post(f"{URL}/mark-read", {"all": True}).status_code == 403
    response = session_api.post(f"{URL}/mark-read", {"all": True}, **csrf_headers(session_api))
    assert response.json()["data"]["marked"] == 1


# --- preferences ------------------------------------------------------------------------------

BODY = {
    "channels": {"prompts": ["push"], "digest": [], "quest_due": ["email", "in_app", "email"]},
    "prompt_window": {"start": "08:30", "end": "21:00"},
    "quiet_hours": {"start": "22:00", "end": "07:00"},
}


def test_it_reads_the_defaults(api, owner):
    data = api.get(PREFS).json()["data"]
    assert data["channels"] == default_notification_preferences()
    assert list(data["channels"]) == list(NOTIFICATION_KINDS)
    assert data["prompt_window"] == {"start": "07:00", "end": "22:00"}
    assert data["quiet_hours"] is None


def test_a_kind_added_since_the_preferences_were_saved_reads_as_its_defaults(api, owner):
    """Preferences stored before the quest kinds existed: the reminders go out by the
    defaults (Profile.channels_for), and the API says so rather than showing them off."""
    stored = {kind: channels for kind, channels in default_notification_preferences().items()
              if not kind.startswith("quest_")}
    stored["prompts"] = ["email"]
    Profile.objects.filter(user=owner).update(notification_preferences=stored)
    channels = api.get(PREFS).json()["data"]["channels"]
    assert channels["quest_due"] == channels["quest_overdue"] == ["in_app", "push"]
    assert channels["prompts"] == ["email"]


def test_it_changes_them_as_the_profile_page_stores_them(api, owner):
    owner.profile.xp_total = 40
    owner.profile.save()
    response = api.put(PREFS, BODY)
    assert response.status_code == 200, response.content
    profile = Profile.objects.get(user=owner)
    expected = {**default_notification_preferences(), "prompts": ["push"], "digest": [],
                "quest_due": ["in_app", "email"]}
    assert profile.notification_preferences == expected  # kinds left out kept theirs
    assert (profile.prompt_window_start, profile.prompt_window_end) == (dt.time(8, 30), dt.time(21))
    assert (profile.quiet_hours_start, profile.quiet_hours_end) == (dt.time(22), dt.time(7))
    assert profile.xp_total == 40
    assert response.json()["data"] == {
        "channels": expected, "prompt_window": BODY["prompt_window"], "quiet_hours": BODY["quiet_hours"],
    }
    assert api.get(PREFS).json()["data"] == response.json()["data"]


def test_null_quiet_hours_clears_them(api, owner):
    api.put(PREFS, BODY)
    response = api.put(PREFS, {**BODY, "quiet_hours": None})
    assert response.json()["data"]["quiet_hours"] is None
    assert Profile.objects.get(user=owner).quiet_hours_start is None


@pytest.mark.parametrize("change,field", [
    ({"prompt_window": {"start": "21:00", "end": "08:00"}}, "prompt_window.end"),
    ({"prompt_window": {"start": "08:00", "end": "08:00"}}, "prompt_window.end"),
    ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours.end"),
    ({"quiet_hours": {"start": "22:00"}}, "quiet_hours.end"),
    ({"prompt_window": {"start": "25:00", "end": "26:00"}}, "prompt_window.start"),
    ({"channels": {"prompts": ["pigeon"]}}, "channels.prompts"),
    ({"channels": {"prompts": None}}, "channels.prompts"),
    ({"channels": {"gossip": ["push"]}}, "channels.gossip"),
    ({"channels": {"prompts": ["push", "email", "in_app", "push"]}}, "channels.prompts"),
    ({"quiet_hours": "never"}, "quiet_hours"),
])
def test_bad_preferences_are_refused_and_nothing_changes(api, owner, change, field):
    response = api.put(PREFS, {**BODY, **change})
    assert field in details(response), response.content
    assert Profile.objects.get(user=owner).notification_preferences == default_notification_preferences()


@pytest.mark.parametrize("missing", ["channels", "prompt_window", "quiet_hours"])
def test_put_needs_every_part(api, owner, missing):
    body = {key: value for key, value in BODY.items() if key != missing}
    assert missing in details(api.put(PREFS, body))


def test_the_profile_page_shows_what_the_api_set(api, owner_client):
    api.put(PREFS, BODY)
    html = owner_client.get("/profile/").content.decode()
    assert 'name="prompt_window_start" value="08:30"' in html
