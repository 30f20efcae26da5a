from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from habitstory.live import events as live_events
from habitstory.notifications import services
from habitstory.notifications.models import Delivery, Notification
from habitstory.notifications.services import notify

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def _prefs(user, **kinds):
    profile = user.profile
    profile.notification_preferences = {**profile.notification_preferences, **kinds}
    profile.save()


def _quiet(user, zone, start=dt.time(22, 0), end=dt.time(7, 0)):
    profile = user.profile
    profile.timezone = zone
    profile.quiet_hours_start, profile.quiet_hours_end = start, end
    profile.save()


def _statuses(notification):
    return dict(notification.deliveries.values_list("channel", "status"))


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(live_events, "_send", lambda group, message: calls.append((group, message)))
    return calls


def test_it_rejects_unknown_kinds(owner):
    with pytest.raises(ValueError, match="Unknown notification kind"):
        notify(owner, "gossip", "Hi")
    assert not Notification.objects.exists()


def test_it_rejects_unsafe_urls(owner):
    with pytest.raises(ValueError, match="url"):
        notify(owner, "nudges", "Hi", url="javascript:alert(1)")


def test_it_follows_the_default_preferences(owner):
    n = notify(owner, "achievements", "Level 3!", "You reached level 3.", "/rewards/")
    assert n.in_app and n.read_at is None and n.kind == "achievements"
    assert _statuses(n) == {"in_app": "sent", "push": "skipped_unavailable", "email": "skipped_pref"}
    assert n.deliveries.get(channel="push").detail == "web push not configured"
    assert mail.outbox == []


def test_it_records_one_delivery_per_channel(owner):
    notify(owner, "nudges", "Quiet lately")
    assert Delivery.objects.count() == 3
    assert sorted(Delivery.objects.values_list("channel", flat=True)) == ["email", "in_app", "push"]


def test_without_in_app_the_row_is_kept_but_hidden(owner):
    _prefs(owner, goals=["email"])
    n = notify(owner, "goals", "Goal reached")
    assert n is not None and not n.in_app
    assert _statuses(n) == {"in_app": "skipped_pref", "push": "skipped_pref", "email": "sent"}
    assert services.unread_count(owner) == 0
    assert len(mail.outbox) == 1


def test_no_channel_at_all_still_records_the_decisions(owner):
    _prefs(owner, risk=[])
    n = notify(owner, "risk", "Streak at risk")
    assert _statuses(n) == {"in_app": "skipped_pref", "push": "skipped_pref", "email": "skipped_pref"}


def test_the_email_has_text_and_html(owner, settings):
    settings.SITE_URL = "https://habits.example"
    _prefs(owner, digest=["email"])
    n = notify(owner, "digest", "Your week", "5 of 7 days done.", "/habits/dashboard/")
    assert _statuses(n)["email"] == "sent"
    [message] = mail.outbox
    assert message.to == ["owner@example.com"]
    assert message.subject == "[HabitStory] Your week"
    assert "5 of 7 days done." in message.body
    assert "https://habits.example/habits/dashboard/" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert 'href="https://habits.example/habits/dashboard/"' in html
    assert "Your week" in html and "https://habits.example/profile/" in html


def test_the_email_escapes_html(owner):
    _prefs(owner, digest=["email"])
    notify(owner, "digest", "<b>bold</b>")
    [(html, _)] = mail.outbox[0].alternatives
    assert "<b>bold</b>" not in html and "&lt;b&gt;" in html


def test_a_failing_email_is_recorded_and_the_rest_commits(owner, monkeypatch):
    def broken(**kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr(services, "send_mail", broken)
    _prefs(owner, digest=["in_app", "email"])
    n = notify(owner, "digest", "Your week")
    delivery = n.deliveries.get(channel="email")
    assert delivery.status == "failed" and "smtp down" in delivery.detail
    assert _statuses(n)["in_app"] == "sent"


def test_the_push_channel_records_what_push_send_answered(owner, monkeypatch):
    monkeypatch.setattr(services.push, "send", lambda n: ("sent", f"pushed {n.title}"))
    n = notify(owner, "prompts", "Time to read")
    push = n.deliveries.get(channel="push")
    assert (push.status, push.detail) == ("sent", "pushed Time to read")


def test_a_push_that_raises_is_recorded_as_failed_and_the_rest_commits(owner, monkeypatch):
    def broken(n):
        raise RuntimeError("gone")

    monkeypatch.setattr(services.push, "send", broken)
    n = notify(owner, "prompts", "Time to read")
    assert n.deliveries.get(channel="push").status == "failed"
    assert _statuses(n)["in_app"] == "sent"


# --- Quiet hours ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "utc", "quiet"),
    [
        # Auckland in January is UTC+13: 10:00 UTC is 23:00, 17:30 UTC is 06:30, 18:00 is 07:00.
        ("Pacific/Auckland", dt.datetime(2026, 1, 15, 10, 0, tzinfo=UTC), True),
        ("Pacific/Auckland", dt.datetime(2026, 1, 15, 17, 30, tzinfo=UTC), True),
        ("Pacific/Auckland", dt.datetime(2026, 1, 15, 18, 0, tzinfo=UTC), False),
        ("Pacific/Auckland", dt.datetime(2026, 1, 15, 8, 59, tzinfo=UTC), False),  # 21:59
        # Los Angeles in January is UTC-8: 06:00 UTC is 22:00, 14:59 UTC is 06:59, 15:00 is 07:00.
        ("America/Los_Angeles", dt.datetime(2026, 1, 15, 6, 0, tzinfo=UTC), True),
        ("America/Los_Angeles", dt.datetime(2026, 1, 15, 14, 59, tzinfo=UTC), True),
        ("America/Los_Angeles", dt.datetime(2026, 1, 15, 15, 0, tzinfo=UTC), False),
        ("America/Los_Angeles", dt.datetime(2026, 1, 15, 20, 0, tzinfo=UTC), False),  # noon
    ],
)
def test_quiet_hours_cross_midnight_in_the_users_zone(owner, time_machine, zone, utc, quiet):
    time_machine.move_to(utc, tick=False)
    _quiet(owner, zone)
    _prefs(owner, nudges=["in_app", "push", "email"])
    n = notify(owner, "nudges", "Quiet lately")
    held = "skipped_quiet" if quiet else None
    statuses = _statuses(n)
    assert statuses["in_app"] == "sent"  # quiet hours never silence the inbox
    assert (statuses["push"] == "skipped_quiet") is quiet
    assert (statuses["email"] == "skipped_quiet") is quiet
    assert statuses["email"] == (held or "sent")
    assert len(mail.outbox) == (0 if quiet else 1)


def test_the_now_argument_decides_quiet_hours_and_the_time(owner):
    _quiet(owner, "America/Los_Angeles")
    _prefs(owner, nudges=["in_app", "email"])
    night = dt.datetime(2026, 7, 1, 6, 0, tzinfo=UTC)  # 23:00 PDT
    n = notify(owner, "nudges", "Quiet lately", now=night)
    assert _statuses(n)["email"] == "skipped_quiet"
    n.refresh_from_db()
    assert n.created_at == night


def test_quiet_hours_within_one_day_and_unset(owner):
    profile = owner.profile
    profile.timezone = "Europe/Berlin"
    at = dt.datetime(2026, 1, 15, 12, 30, tzinfo=UTC)  # 13:30 in Berlin
    assert services.in_quiet_hours(profile, at) is False  # no range set
    profile.quiet_hours_start, profile.quiet_hours_end = dt.time(13, 0), dt.time(14, 0)
    assert services.in_quiet_hours(profile, at) is True
    assert services.in_quiet_hours(profile, at + dt.timedelta(minutes=30)) is False  # 14:00
    profile.quiet_hours_end = dt.time(13, 0)
    assert services.in_quiet_hours(profile, at) is False  # start == end: never


# --- Idempotency --------------------------------------------------------------------------------


def test_a_key_notifies_once(owner):
    _prefs(owner, prompts=["in_app", "email"])
    first = notify(owner, "prompts", "Read", key="prompt:1")
    assert first is not None
    assert notify(owner, "prompts", "Read", key="prompt:1") is None
    assert Notification.objects.count() == 1
    assert Delivery.objects.count() == 3
    assert len(mail.outbox) == 1


def test_a_duplicate_key_leaves_the_callers_transaction_usable(owner):
    notify(owner, "prompts", "Read", key="prompt:1")
    with transaction.atomic():
        assert notify(owner, "prompts", "Read", key="prompt:1") is None
        assert notify(owner, "prompts", "Write", key="prompt:2") is not None
    assert Notification.objects.count() == 2


def test_keys_are_per_user_and_optional(owner, stranger):
    assert notify(owner, "prompts", "Read", key="prompt:1") is not None
    assert notify(stranger, "prompts", "Read", key="prompt:1") is not None
    assert notify(owner, "prompts", "No key") is not None
    assert notify(owner, "prompts", "No key") is not None
    assert Notification.objects.filter(user=owner).count() == 3


# --- Live event -----------------------------------------------------------------------------------


def test_the_bell_is_published_after_commit(owner, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(owner, "achievements", "Level 3!")
        assert sent == []
    for callback in callbacks:
        callback()
    [(group, message)] = sent
    assert group == f"user-{owner.pk}"
    assert message["event"] == "notification"
    assert message["data"]["message"] == "Level 3!"
    html = message["data"]["html"]
    assert 'id="bell"' in html and 'hx-swap-oob="true"' in html
    assert "Notifications, 1 unread" in html


def test_nothing_is_published_without_in_app(owner, sent, django_capture_on_commit_callbacks):
    _prefs(owner, goals=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        notify(owner, "goals", "Goal reached")
    assert sent == []


def test_nothing_is_published_for_a_duplicate_key(owner, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notify(owner, "prompts", "Read", key="k")
        notify(owner, "prompts", "Read", key="k")
    assert len(sent) == 1


# --- Unread count ---------------------------------------------------------------------------------


def test_the_unread_count_is_cached_and_kept_right(owner, stranger, django_capture_on_commit_callbacks):
    assert services.unread_count(owner) == 0
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(owner, "nudges", "One")
        notify(owner, "nudges", "Two")
        notify(owner, "nudges", "Three")
        notify(stranger, "nudges", "Not yours")
    with CaptureQueriesContext(connection) as queries:
        assert services.cached_unread_count(owner.pk) == 3  # stored by the service on commit
        assert services.unread_count(owner) == 3
    assert len(queries) == 0

    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_read(first) is True
        assert services.mark_read(first) is False  # already read: nothing changes
    assert services.cached_unread_count(owner.pk) == 2

    with django_capture_on_commit_callbacks(execute=True):
        assert services.mark_all_read(owner) == 2
    assert services.cached_unread_count(owner.pk) == 0
    assert services.unread_count(stranger) == 1


def test_inside_an_open_transaction_the_count_is_recounted(owner):
    assert services.unread_count(owner) == 0  # cached 0
    notify(owner, "nudges", "One")  # the test's transaction never commits here
    assert services.cached_unread_count(owner.pk) is None
    assert services.unread_count(owner) == 1
