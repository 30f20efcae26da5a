"""Outcome news: what a commit did reaches the user once, by their preferences: one
notification per commit (in-app, push, e-mail), quiet hours respected, the bell in the
commit's own live message, the same toasts and flash messages everywhere."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction

from gamification.models import Achievement, UserAchievement
from goals.models import Goal, GoalHabit
from habits.models import Habit
from habits.services import save_habit
from habitstory.live import events as live_events
from habitstory.notifications import services as notification_services
from habitstory.notifications.models import Notification
from habitstory.story.commit import commit
from habitstory.story.goals import commit_goal_entry

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)  # a Monday, noon in UTC
TODAY = NOW.date()


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def pushed(monkeypatch):
    """Push sends, recorded (a device that accepts everything)."""
    calls = []
    monkeypatch.setattr(notification_services.push, "send", lambda n: calls.append(n.title) or ("sent", "1 device"))
    return calls


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(live_events, "_send", lambda group, message: messages.append(message))
    return messages


def prefs(user, **kinds):
    profile = user.profile
    for kind, channels in kinds.items():
        profile.notification_preferences[kind] = channels
    profile.save()


def only_achievement(code: str) -> None:
    """Keep one achievement definition active, so a commit unlocks exactly that one."""
    Achievement.objects.exclude(code=code).update(active=False)


def habit_of(user, name="Read", **fields) -> Habit:
    fields.setdefault("start_date", TODAY - dt.timedelta(days=10))
    return save_habit(Habit(user=user, name=name, **fields))


def goal_for(user, habit, target=1) -> Goal:
    start = TODAY - dt.timedelta(days=5)
    goal = Goal.objects.create(user=user, name="Read a book", target_value=Decimal(target), start_date=start)
    GoalHabit.objects.create(goal=goal, habit=habit, weight=Decimal(1))
    return goal


def deliveries(notification) -> dict[str, str]:
    return {d.channel: d.status for d in notification.deliveries.all()}


def tick(habit, django_capture_on_commit_callbacks, action="done", on=TODAY):
    with django_capture_on_commit_callbacks(execute=True):
        return commit(habit, on, action)


# --- each kind, by the preferences -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("channels", "expected"),
    [
        (["in_app"], {"in_app": "sent", "push": "skipped_pref", "email": "skipped_pref"}),
        (["push"], {"in_app": "skipped_pref", "push": "sent", "email": "skipped_pref"}),
        (["email"], {"in_app": "skipped_pref", "push": "skipped_pref", "email": "sent"}),
        (["in_app", "push", "email"], {"in_app": "sent", "push": "sent", "email": "sent"}),
    ],
)
def test_an_achievement_reaches_the_channels_the_user_chose(
    owner, now, pushed, channels, expected, django_capture_on_commit_callbacks,
):
    only_achievement("first-tick")
    prefs(owner, achievements=channels)
    tick(habit_of(owner), django_capture_on_commit_callbacks)

    notification = Notification.objects.get(user=owner)
    assert notification.kind == "achievements"
    assert notification.title == "Achievement unlocked: First step"
    assert notification.in_app == ("in_app" in channels)
    assert deliveries(notification) == expected
    assert pushed == (["Achievement unlocked: First step"] if "push" in channels else [])
    assert [m.subject for m in mail.outbox] == (
        ["[HabitStory] Achievement unlocked: First step"] if "email" in channels else []
    )


def test_a_level_up_is_told_as_an_achievement(owner, now, pushed, django_capture_on_commit_callbacks):
    only_achievement("level-5")
    Achievement.objects.filter(code="level-5").update(threshold=2)  # the tick's XP crosses level 2
    prefs(owner, achievements=["in_app", "email"])
    profile = owner.profile
    profile.xp_total = 145
    profile.save()

    outcome = tick(habit_of(owner), django_capture_on_commit_callbacks)

    assert outcome.levelled_up
    notification = Notification.objects.get(user=owner)
    assert notification.kind == "achievements"
    assert notification.title == "Level 2! Your story grows. (+1 more)"
    assert "• Level 2! Your story grows." in notification.body
    assert "• Achievement unlocked: Level 5" in notification.body
    assert deliveries(notification) == {"in_app": "sent", "push": "skipped_pref", "email": "sent"}


@pytest.mark.parametrize(
    ("channels", "expected"),
    [
        (["in_app"], {"in_app": "sent", "push": "skipped_pref", "email": "skipped_pref"}),
        (["push", "email"], {"in_app": "skipped_pref", "push": "sent", "email": "sent"}),
    ],
)
def test_a_completed_goal_reaches_the_channels_the_user_chose(
    owner, now, pushed, channels, expected, django_capture_on_commit_callbacks,
):
    Achievement.objects.update(active=False)
    prefs(owner, goals=channels, achievements=[])
    habit = habit_of(owner)
    goal = goal_for(owner, habit)

    tick(habit, django_capture_on_commit_callbacks)

    notification = Notification.objects.get(user=owner)
    assert (notification.kind, notification.title) == ("goals", "Goal complete: Read a book")
    assert notification.url == f"/goals/{goal.pk}/"
    assert deliveries(notification) == expected


def test_a_goal_completed_by_an_entry_is_told_too(owner, now, pushed, django_capture_on_commit_callbacks):
    Achievement.objects.update(active=False)
    prefs(owner, goals=["in_app"])
    goal = Goal.objects.create(user=owner, name="Save 100", target_value=Decimal(100), start_date=TODAY)

    with django_capture_on_commit_callbacks(execute=True):
        commit_goal_entry(goal, 100)

    assert Notification.objects.get(user=owner).title == "Goal complete: Save 100"


def test_nothing_is_told_when_the_user_wants_it_nowhere(owner, now, pushed, django_capture_on_commit_callbacks):
    only_achievement("first-tick")
    prefs(owner, achievements=[])
    tick(habit_of(owner), django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(user=owner).exists()
    assert pushed == [] and mail.outbox == []


def test_a_tick_with_no_news_notifies_nobody(owner, now, django_capture_on_commit_callbacks):
    Achievement.objects.update(active=False)
    tick(habit_of(owner), django_capture_on_commit_callbacks)
    assert not Notification.objects.exists()


# --- one notification per commit -------------------------------------------------------------------

def test_a_commit_with_several_news_sends_one_notification_summing_them_up(
    owner, now, pushed, django_capture_on_commit_callbacks,
):
    only_achievement("first-tick")
    Achievement.objects.filter(code="goal-1").update(active=True)
    prefs(owner, achievements=["in_app"], goals=["email"])
    habit = habit_of(owner)
    goal_for(owner, habit)

    outcome = tick(habit, django_capture_on_commit_callbacks)

    assert [item.kind for item in outcome.news] == ["goal_completed", "achievement_unlocked", "achievement_unlocked"]
    notification = Notification.objects.get(user=owner)
    assert notification.title == "Goal complete: Read a book (+2 more)"
    assert notification.body.splitlines() == [
        "• Goal complete: Read a book", "• Achievement unlocked: First step", "• Achievement unlocked: Goal getter",
    ]
    # Every channel some item's kind asks for: in-app for the achievements, e-mail for the goal.
    assert deliveries(notification) == {"in_app": "sent", "push": "skipped_pref", "email": "sent"}
    assert len(mail.outbox) == 1


def test_only_the_items_the_user_wants_are_summed_up(owner, now, django_capture_on_commit_callbacks):
    only_achievement("first-tick")
    prefs(owner, achievements=[], goals=["in_app"])
    habit = habit_of(owner)
    goal_for(owner, habit)

    tick(habit, django_capture_on_commit_callbacks)

    notification = Notification.objects.get(user=owner)
    assert (notification.kind, notification.title, notification.body) == ("goals", "Goal complete: Read a book", "")


def test_the_same_news_is_not_told_twice(owner, now, django_capture_on_commit_callbacks):
    Achievement.objects.update(active=False)
    prefs(owner, achievements=["in_app"])
    profile = owner.profile
    profile.xp_total = 145
    profile.save()
    habit = habit_of(owner)

    tick(habit, django_capture_on_commit_callbacks)  # level 2
    tick(habit, django_capture_on_commit_callbacks, "undo")  # back to level 1
    outcome = tick(habit, django_capture_on_commit_callbacks)  # level 2 again

    assert outcome.levelled_up
    assert Notification.objects.filter(user=owner).count() == 1


def test_a_commit_that_fails_tells_nothing(owner, now, monkeypatch, django_capture_on_commit_callbacks):
    from gamification import services as gamification

    only_achievement("first-tick")
    prefs(owner, achievements=["in_app", "email"])
    habit = habit_of(owner)
    move_pet = gamification._move_pet

    def boom(*args, **kwargs):
        raise RuntimeError("the pet's table is gone")

    monkeypatch.setattr(gamification, "_move_pet", boom)
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            commit(habit, TODAY, "done")
    assert not Notification.objects.exists() and mail.outbox == []
    assert not UserAchievement.objects.exists()

    monkeypatch.setattr(gamification, "_move_pet", move_pet)
    tick(habit, django_capture_on_commit_callbacks)
    assert Notification.objects.get(user=owner).title == "Achievement unlocked: First step"


# --- quiet hours ---------------------------------------------------------------------------------------

def test_in_quiet_hours_nothing_is_sent_and_the_inbox_keeps_it(owner, now, pushed, django_capture_on_commit_callbacks):
    only_achievement("first-tick")
    prefs(owner, achievements=["in_app", "push", "email"])
    profile = owner.profile
    profile.quiet_hours_start, profile.quiet_hours_end = dt.time(11, 0), dt.time(13, 0)  # noon UTC is quiet
    profile.save()

    tick(habit_of(owner), django_capture_on_commit_callbacks)

    notification = Notification.objects.get(user=owner)
    assert deliveries(notification) == {"in_app": "sent", "push": "skipped_quiet", "email": "skipped_quiet"}
    assert pushed == [] and mail.outbox == []


def test_quiet_hours_are_the_users_local_time(owner, now, pushed, django_capture_on_commit_callbacks):
    only_achievement("first-tick")
    prefs(owner, achievements=["push", "email"])
    profile = owner.profile
    profile.timezone = "Asia/Tokyo"  # 21:00 there
    profile.quiet_hours_start, profile.quiet_hours_end = dt.time(11, 0), dt.time(13, 0)
    profile.save()

    tick(habit_of(owner), django_capture_on_commit_callbacks)

    assert deliveries(Notification.objects.get(user=owner))["push"] == "sent"
    assert len(mail.outbox) == 1


# --- push and e-mail leave after the commit, each once --------------------------------------------

def test_push_and_email_go_out_after_the_commit_and_once(owner, now, pushed, django_capture_on_commit_callbacks):
    only_achievement("first-tick")
    prefs(owner, achievements=["push", "email"])
    habit = habit_of(owner)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        commit(habit, TODAY, "done")
    notification = Notification.objects.get(user=owner)
    assert deliveries(notification) == {"in_app": "skipped_pref", "push": "queued", "email": "queued"}
    assert pushed == [] and mail.outbox == []  # nothing left inside the commit

    for callback in callbacks:
        callback()
    assert deliveries(notification) == {"in_app": "skipped_pref", "push": "sent", "email": "sent"}
    assert notification_services.deliver(notification.pk) == {}  # a retried task sends nothing again
    assert len(pushed) == 1 and len(mail.outbox) == 1


# --- the other roads: the live message, the htmx answer, flash messages ---------------------------

def test_the_bell_rides_the_commits_live_message(owner, now, sent, django_capture_on_commit_callbacks):
    only_achievement("first-tick")
    prefs(owner, achievements=["in_app"])
    tick(habit_of(owner), django_capture_on_commit_callbacks)

    assert len(sent) == 1  # one message for everything the commit changed
    events = {item["event"]: item["data"] for item in sent[0]["events"]}
    assert events["achievement_unlocked"]["message"] == "Achievement unlocked: First step"
    assert 'id="bell"' in events["notification"]["html"] and "1 unread" in events["notification"]["html"]
    assert "message" not in events["notification"]  # the news made the toast already


def test_the_htmx_answer_carries_the_toasts_and_the_bell(owner, owner_client, now):
    only_achievement("first-tick")
    prefs(owner, achievements=["in_app"])
    habit = habit_of(owner)

    response = owner_client.post(f"/habits/{habit.pk}/log/{TODAY}/", {"action": "done"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert 'data-key="achievement:first-tick"' in html and "Achievement unlocked: First step" in html
    assert 'id="bell"' in html and "1 unread" in html


def test_a_plain_post_flashes_the_news(owner, owner_client, now):
    only_achievement("first-tick")
    habit = habit_of(owner)
    goal_for(owner, habit)

    response = owner_client.post(f"/habits/{habit.pk}/log/{TODAY}/", {"action": "done"}, follow=True)

    texts = [str(m) for m in response.context["messages"]]
    assert texts == ["Goal complete: Read a book", "Achievement unlocked: First step"]


def test_a_new_users_inbox_after_an_achievement_and_a_goal(owner, owner_client, now):
    """With the default preferences (in-app and push for both kinds)."""
    habit = habit_of(owner)
    goal_for(owner, habit, target=2)
    for day in (TODAY, TODAY - dt.timedelta(days=1)):  # the first step, then the goal
        owner_client.post(f"/habits/{habit.pk}/log/{day}/", {"action": "done"}, headers={"HX-Request": "true"})

    response = owner_client.get("/inbox/")
    assert response.status_code == 200
    titles = list(Notification.objects.filter(user=owner).order_by("created_at").values_list("title", flat=True))
    assert titles == [
        "Achievement unlocked: First step (+1 more)",  # and a perfect day
        "Level 2! Your story grows. (+2 more)",  # the goal, and "Goal getter"
    ]
    inbox = response.content.decode()
    assert all(title in inbox for title in titles)
    assert Notification.objects.filter(user=owner, in_app=True, read_at__isnull=True).count() == 2
