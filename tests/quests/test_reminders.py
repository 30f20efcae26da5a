from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from habitstory.accounts.forms import ProfileForm
from habitstory.notifications.models import Delivery, Notification
from habitstory.story import quest_reminders as job
from habitstory.story.quest_reminders import send_quest_reminders
from quests import reminders
from quests.models import Quest

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # Monday; London is on UTC in November
TODAY = dt.date(2026, 11, 23)
TOMORROW = TODAY + dt.timedelta(days=1)
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def make_profile_user(make_user):
    def make(email: str = "owner@example.com", zone: str = "Europe/London", **profile):
        user = make_user(email)
        user.profile.timezone = zone
        for field, value in profile.items():
            setattr(user.profile, field, value)
        user.profile.save()
        return user

    return make


@pytest.fixture
def user(make_profile_user):
    return make_profile_user()


def quest(user, title="File the taxes", **fields) -> Quest:
    fields.setdefault("xp_reward", 20)
    return Quest.objects.create(user=user, title=title, **fields)


def sent(user=None, kind=None) -> list[Notification]:
    rows = Notification.objects.filter(kind__in=[kind] if kind else ["quest_due", "quest_overdue"])
    return list(rows.filter(user=user) if user else rows)


def test_a_quest_due_tomorrow_is_reminded_once(user):
    q = quest(user, due_date=TOMORROW)
    assert send_quest_reminders(NOW)["sent"] == 1
    assert send_quest_reminders(NOW + dt.timedelta(minutes=15))["sent"] == 0
    [note] = sent(user)
    assert (note.kind, note.title, note.url) == ("quest_due", "Due tomorrow: File the taxes", f"/quests/{q.pk}/")
    assert note.key == f"quest_due:{q.pk}:{TOMORROW}"
    assert set(Delivery.objects.filter(notification=note).values_list("channel", "status")) >= {("in_app", "sent")}
    q.refresh_from_db()
    assert (q.due_reminded_for, q.overdue_reminded_for) == (TOMORROW, None)


def test_a_quest_due_later_or_today_gets_no_due_reminder(user):
    quest(user, due_date=TODAY + dt.timedelta(days=2))
    quest(user, due_date=TODAY)
    quest(user)  # no due date
    assert send_quest_reminders(NOW)["sent"] == 0


def test_an_overdue_quest_is_reminded_once(user):
    q = quest(user, due_date=YESTERDAY)
    assert send_quest_reminders(NOW)["sent"] == 1
    assert send_quest_reminders(NOW + dt.timedelta(hours=3))["sent"] == 0
    [note] = sent(user)
    assert note.kind == "quest_overdue" and note.title == "Overdue: File the taxes"
    assert "was due 22 Nov" in note.body
    q.refresh_from_db()
    assert q.overdue_reminded_for == YESTERDAY


def test_a_due_time_makes_it_overdue_on_the_day(user):
    passed = quest(user, "Passed", due_date=TODAY, due_time=dt.time(11, 30))
    quest(user, "Later", due_date=TODAY, due_time=dt.time(12, 30))
    assert send_quest_reminders(NOW)["sent"] == 1
    assert [n.key for n in sent(user)] == [f"quest_overdue:{passed.pk}:{TODAY}"]
    assert send_quest_reminders(NOW + dt.timedelta(minutes=30))["sent"] == 1  # 12:30 has come


def test_the_local_tomorrow_is_the_owners(make_profile_user):
    auckland = make_profile_user("nz@example.com", zone="Pacific/Auckland")  # UTC+13
    angeles = make_profile_user("la@example.com", zone="America/Los_Angeles")  # UTC-8
    quest(auckland, "NZ", due_date=dt.date(2026, 11, 24))
    quest(angeles, "LA", due_date=dt.date(2026, 11, 24))
    # 09:00 on the 23rd in Auckland is 20:00 on the 22nd in UTC.
    assert send_quest_reminders(dt.datetime(2026, 11, 22, 20, 0, tzinfo=UTC))["sent"] == 1
    assert [n.title for n in sent(auckland)] == ["Due tomorrow: NZ"]
    # 19:00 on the 23rd in Los Angeles is 03:00 on the 24th in UTC.
    assert send_quest_reminders(dt.datetime(2026, 11, 24, 3, 0, tzinfo=UTC))["sent"] == 1
    assert [n.title for n in sent(angeles)] == ["Due tomorrow: LA"]


def test_a_day_start_hour_keeps_the_night_in_yesterday(make_profile_user):
    owl = make_profile_user(day_start_hour=4, prompt_window_start=dt.time(0), prompt_window_end=dt.time(0))
    quest(owl, due_date=TODAY)
    # 02:00 on the 24th is still the owner's 23rd: due today, not yet overdue.
    assert send_quest_reminders(dt.datetime(2026, 11, 24, 2, 0, tzinfo=UTC))["sent"] == 0
    assert send_quest_reminders(dt.datetime(2026, 11, 24, 4, 0, tzinfo=UTC))["sent"] == 1


def test_quiet_hours_hold_it_back_until_they_end(make_profile_user):
    user = make_profile_user(quiet_hours_start=dt.time(11, 0), quiet_hours_end=dt.time(13, 0))
    q = quest(user, due_date=TOMORROW)
    assert send_quest_reminders(NOW)["sent"] == 0
    q.refresh_from_db()
    assert q.due_reminded_for is None  # nothing claimed
    assert send_quest_reminders(NOW + dt.timedelta(hours=1))["sent"] == 1
    assert len(sent(user)) == 1


def test_it_waits_for_the_prompt_window(make_profile_user):
    user = make_profile_user(prompt_window_start=dt.time(14, 0), prompt_window_end=dt.time(20, 0))
    quest(user, due_date=YESTERDAY)
    assert send_quest_reminders(NOW)["sent"] == 0
    assert send_quest_reminders(dt.datetime(2026, 11, 23, 20, 0, tzinfo=UTC))["sent"] == 0  # the end is out
    assert send_quest_reminders(dt.datetime(2026, 11, 23, 14, 0, tzinfo=UTC))["sent"] == 1


@pytest.mark.parametrize("status", ["done", "abandoned"])
def test_finished_quests_are_not_reminded(user, status):
    quest(user, due_date=TOMORROW, status=status)
    quest(user, due_date=YESTERDAY, status=status)
    assert send_quest_reminders(NOW)["sent"] == 0


def test_an_active_quest_is_reminded(user):
    quest(user, due_date=TOMORROW, status="active")
    assert send_quest_reminders(NOW)["sent"] == 1


def test_a_rescheduled_quest_is_reminded_again(user):
    q = quest(user, due_date=TOMORROW)
    assert send_quest_reminders(NOW)["sent"] == 1
    q.due_date = TODAY + dt.timedelta(days=3)
    q.save()
    later = NOW + dt.timedelta(days=2)  # the 25th: the 26th is tomorrow
    assert send_quest_reminders(later)["sent"] == 1
    assert send_quest_reminders(NOW + dt.timedelta(days=4))["sent"] == 1  # the 27th: overdue
    kinds = [n.kind for n in sorted(sent(user), key=lambda n: n.created_at)]
    assert kinds == ["quest_due", "quest_due", "quest_overdue"]


def test_a_quest_reopened_past_its_date_is_reminded_as_overdue(user):
    q = quest(user, due_date=YESTERDAY, status="done")
    assert send_quest_reminders(NOW)["sent"] == 0
    Quest.objects.filter(pk=q.pk).update(status="open")
    assert send_quest_reminders(NOW)["sent"] == 1


def test_preferences_off_send_nothing(make_profile_user):
    user = make_profile_user()
    prefs = user.profile.notification_preferences
    user.profile.notification_preferences = {**prefs, "quest_due": [], "quest_overdue": []}
    user.profile.save()
    quest(user, due_date=TOMORROW)
    quest(user, due_date=YESTERDAY)
    assert send_quest_reminders(NOW)["sent"] == 0
    assert send_quest_reminders(NOW)["sent"] == 0
    assert sent(user) == []
    assert not Notification.objects.filter(user=user).exists()


def test_preferences_stored_before_the_kinds_existed_default_to_in_app_and_push(user):
    old = {k: v for k, v in user.profile.notification_preferences.items() if not k.startswith("quest_")}
    user.profile.notification_preferences = old
    user.profile.save()
    user.profile.refresh_from_db()
    assert user.profile.channels_for("quest_due") == ["in_app", "push"]
    form = ProfileForm(instance=user.profile)
    assert form["notify_quest_overdue_in_app"].initial and form["notify_quest_overdue_push"].initial
    assert not form["notify_quest_overdue_email"].initial
    quest(user, due_date=TOMORROW)
    assert send_quest_reminders(NOW)["sent"] == 1
    [note] = sent(user)
    assert note.in_app
    assert Delivery.objects.get(notification=note, channel="email").status == "skipped_pref"


def test_the_preferences_page_lists_the_kinds(client, user):
    client.force_login(user)
    html = client.get("/profile/").content.decode()
    assert "A quest due tomorrow" in html and "A quest past its due date" in html


def test_an_inactive_users_quests_are_not_reminded(user):
    user.is_active = False
    user.save()
    quest(user, due_date=TOMORROW)
    assert send_quest_reminders(NOW)["checked"] == 0


def test_a_failing_send_claims_nothing_and_is_retried(user, monkeypatch):
    q = quest(user, due_date=TOMORROW)

    def broken(*args, **kwargs):
        raise RuntimeError("push service down")

    monkeypatch.setattr(job, "notify", broken)
    summary = send_quest_reminders(NOW)
    assert (summary["sent"], summary["failed"]) == (0, [user.pk])
    q.refresh_from_db()
    assert q.due_reminded_for is None
    monkeypatch.undo()
    assert send_quest_reminders(NOW)["sent"] == 1


def test_two_claims_of_one_reminder_send_once(user):
    # Both runs read the quest as not reminded; only the one whose UPDATE changes it sends.
    q = quest(user, due_date=TOMORROW)
    first = job._send(q, "quest_due", reminders.claim_due, NOW)
    second = job._send(q, "quest_due", reminders.claim_due, NOW)
    assert (first, second) == (1, 0)
    assert len(sent(user)) == 1


def test_a_claim_for_a_date_the_quest_no_longer_has_fails(user):
    q = quest(user, due_date=TOMORROW)
    Quest.objects.filter(pk=q.pk).update(due_date=TODAY + dt.timedelta(days=5))
    assert not reminders.claim_due(q.pk, TOMORROW)


@pytest.mark.parametrize("n", [3, 30])
def test_a_page_reads_with_few_queries(make_profile_user, n, django_assert_max_num_queries):
    user = make_profile_user(prompt_window_start=dt.time(14, 0), prompt_window_end=dt.time(20, 0))
    for i in range(n):
        quest(user, f"Q{i}", due_date=TOMORROW)
    with django_assert_max_num_queries(2):  # outside the window: the page and the next
        assert send_quest_reminders(NOW)["checked"] == n


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_runs_send_each_reminder_once(make_profile_user, monkeypatch):
    users = [make_profile_user(f"u{i}@example.com") for i in range(3)]
    for u in users:
        quest(u, "Due", due_date=TOMORROW)
        quest(u, "Late", due_date=YESTERDAY)
    both_read = threading.Barrier(2, timeout=10)
    real_due, real_overdue = reminders.claim_due, reminders.claim_overdue

    def waiting(claim):
        def claim_after_both_read(*args):
            try:
                both_read.wait()  # both runs have read the quest as not reminded
            except threading.BrokenBarrierError:
                pass  # the other run never came (10 s): claim alone, the assertions still judge
            return claim(*args)

        return claim_after_both_read

    monkeypatch.setattr(reminders, "claim_due", waiting(real_due))
    monkeypatch.setattr(reminders, "claim_overdue", waiting(real_overdue))
    results, errors = [], []

    def run():
        try:
            results.append(send_quest_reminders(NOW))
        except Exception as exc:  # pragma: no cover - shown by the assertion
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sum(r["sent"] for r in results) == 6
    assert all(r["failed"] == [] for r in results)
    assert Notification.objects.filter(kind__in=["quest_due", "quest_overdue"]).count() == 6
