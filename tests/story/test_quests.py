"""The commit step for quests (habitstory.story.quests, and a tick's quests in
story.commit): a completion's XP once per cycle, taken back when the quest is reopened,
abandoned after it was done or deleted; less when late; the quest achievements; the
quests it unlocks, told live and in the inbox; habit-fed objectives moved by ticks and
undos, with the ledger following."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from gamification.models import Achievement, UserAchievement, XPEvent
from habits.models import Habit
from habits.services import save_habit
from habitstory.live import events as live_events
from habitstory.notifications.models import Notification
from habitstory.story.commit import commit
from habitstory.story.quests import commit_objective, commit_quest, commit_quest_delete, commit_quest_update
from quests import graph
from quests import services as quest_services
from quests.models import Objective, Quest
from quests.services import ObjectiveSpec, QuestLocked

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)  # a Monday, noon in UTC
TODAY = NOW.date()
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def no_achievements():
    Achievement.objects.update(active=False)


@pytest.fixture
def sent(monkeypatch):
    messages = []
    monkeypatch.setattr(live_events, "_send", lambda group, message: messages.append(message))
    return messages


def quest_of(user, title="Write draft", *, xp=40, status="active", today=TODAY, **fields) -> Quest:
    return quest_services.create_quest(user, title=title, xp_reward=xp, status=status, today=today, **fields)


def ledger(user, prefix: str = "") -> int:
    return XPEvent.objects.filter(user=user, source__startswith=prefix).aggregate(s=Sum("amount"))["s"] or 0


def rows(quest: Quest) -> list[tuple[int, str, str]]:
    return list(XPEvent.objects.filter(source__startswith=f"quest:{quest.pk}:").order_by("id")
                .values_list("amount", "reason", "source"))


def assert_totals_follow_the_ledger(user) -> None:
    user.profile.refresh_from_db()
    assert user.profile.xp_total == ledger(user)
    user.pet.refresh_from_db()
    assert user.pet.xp == max(0, ledger(user))


# --- XP: once per completion, back when undone --------------------------------------------------

def test_completing_awards_the_reward_once(owner, now, no_achievements):
    quest = quest_of(owner)
    outcome = commit_quest(quest, "complete")
    assert outcome.xp == 40 and outcome.quests_completed == [quest]
    again = commit_quest(quest, "complete")  # a double tap, a second tab
    assert again.xp == 0 and again.quests_completed == []
    assert rows(quest) == [(40, "quest_completed", f"quest:{quest.pk}:1")]
    assert_totals_follow_the_ledger(owner)


def test_reopening_takes_the_reward_back(owner, now, no_achievements):
    quest = quest_of(owner)
    commit_quest(quest, "complete")
    outcome = commit_quest(quest, "reopen")
    assert outcome.xp == -40 and outcome.quests_reopened == [quest]
    assert commit_quest(quest, "reopen").xp == 0  # reopening an active quest: nothing
    assert rows(quest) == [(40, "quest_completed", f"quest:{quest.pk}:1"),
                           (-40, "quest_reopened", f"quest:{quest.pk}:1")]
    assert_totals_follow_the_ledger(owner)


def test_complete_reopen_complete_awards_twice_and_takes_back_once(owner, now, no_achievements):
    quest = quest_of(owner)
    for action in ("complete", "reopen", "complete"):
        commit_quest(quest, action)
    assert [reason for _, reason, _ in rows(quest)] == ["quest_completed", "quest_reopened", "quest_completed"]
    assert ledger(owner, f"quest:{quest.pk}:") == 40
    quest.refresh_from_db()
    assert quest.completion_cycle == 2 and quest.status == "done"
    assert_totals_follow_the_ledger(owner)


def test_abandoning_a_done_quest_takes_the_reward_back(owner, now, no_achievements):
    quest = quest_of(owner)
    commit_quest(quest, "complete")
    outcome = commit_quest(quest, "abandon")
    assert outcome.xp == -40 and outcome.quests_reopened == [quest]
    assert ledger(owner) == 0
    other = quest_of(owner, "Never done")
    assert commit_quest(other, "abandon").xp == 0  # nothing was awarded: nothing goes back
    assert_totals_follow_the_ledger(owner)


def test_deleting_a_done_quest_takes_the_reward_back(owner, now, no_achievements):
    quest = quest_of(owner)
    pk = quest.pk
    commit_quest(quest, "complete")
    outcome = commit_quest_delete(quest)
    assert outcome.xp == -40 and outcome.quests_reopened == []
    assert not Quest.objects.filter(pk=pk).exists()
    assert list(XPEvent.objects.filter(reason="quest_reopened").values_list("source", flat=True)) == [f"quest:{pk}:1"]
    assert_totals_follow_the_ledger(owner)


def test_deleting_an_open_quest_moves_no_xp(owner, now, no_achievements):
    assert commit_quest_delete(quest_of(owner)).xp == 0
    assert not XPEvent.objects.exists()


# --- late: half the reward, rounded up ------------------------------------------------------------

def test_a_quest_completed_after_its_due_day_earns_half_rounded_up(owner, now, no_achievements):
    quest = quest_of(owner, xp=45, due_date=YESTERDAY, today=YESTERDAY)
    outcome = commit_quest(quest, "complete")
    assert outcome.xp == 23
    assert outcome.news[0].message == "Quest complete: Write draft (late: half XP)"
    on_time = quest_of(owner, "Due today", xp=45, due_date=TODAY)
    outcome = commit_quest(on_time, "complete")
    assert outcome.xp == 45 and outcome.news[0].message == "Quest complete: Due today"


def test_a_due_time_is_read_in_the_users_zone(owner, now, no_achievements):
    owner.profile.timezone = "America/New_York"  # noon UTC is 07:00 there
    owner.profile.save()
    missed = quest_of(owner, "By six", xp=30, due_date=TODAY, due_time=dt.time(6, 0))
    assert commit_quest(missed, "complete").xp == 15
    kept = quest_of(owner, "By eight", xp=30, due_date=TODAY, due_time=dt.time(8, 0))
    assert commit_quest(kept, "complete").xp == 30


def test_reopening_a_late_completion_takes_back_what_it_earned(owner, now, no_achievements):
    quest = quest_of(owner, xp=45, due_date=YESTERDAY, today=YESTERDAY)
    commit_quest(quest, "complete")
    assert commit_quest(quest, "reopen").xp == -23
    assert ledger(owner) == 0


# --- locks and unlocks ----------------------------------------------------------------------------

def test_a_locked_quest_cannot_complete_and_nothing_moves(owner, now, no_achievements):
    first, second = quest_of(owner, "Write draft"), quest_of(owner, "Edit")
    graph.add_dependency(second, first)
    with pytest.raises(QuestLocked):
        commit_quest(second, "complete")
    second.refresh_from_db()
    assert second.status == "active" and not XPEvent.objects.exists()
    owner.profile.refresh_from_db()
    assert owner.profile.xp_total == 0


def test_completing_unlocks_dependents_live_and_in_the_inbox(
    owner, now, no_achievements, sent, django_capture_on_commit_callbacks,
):
    owner.profile.notification_preferences["goals"] = ["in_app"]
    owner.profile.save()
    first, second = quest_of(owner, "Write draft"), quest_of(owner, "Edit")
    graph.add_dependency(second, first)

    with django_capture_on_commit_callbacks(execute=True):
        outcome = commit_quest(first, "complete")

    assert outcome.quests_completed == [first] and outcome.quests_unlocked == [second]
    assert [item.kind for item in outcome.news] == ["quest_completed", "quest_unlocked"]
    assert len(sent) == 1  # one live message for the whole commit
    events = {item["event"]: item["data"] for item in sent[0]["events"]}
    assert events["quest_completed"]["quest_id"] == first.pk
    assert events["quest_completed"]["message"] == "Quest complete: Write draft"
    assert events["quest_unlocked"]["quest_id"] == second.pk
    assert events["quest_unlocked"]["message"] == "Quest unlocked: Edit"
    assert events["xp_gained"]["amount"] == 40
    notification = Notification.objects.get(user=owner)
    assert (notification.kind, notification.title) == ("goals", "Quest complete: Write draft (+1 more)")
    assert notification.url == f"/quests/{first.pk}/"
    assert "Quest unlocked: Edit" in notification.body
    commit_quest(second, "complete")  # no longer locked


def test_deleting_the_last_dependency_unlocks_its_dependents(owner, now, no_achievements):
    first, second = quest_of(owner, "Write draft"), quest_of(owner, "Edit")
    graph.add_dependency(second, first)
    outcome = commit_quest_delete(first)
    assert outcome.quests_unlocked == [second] and outcome.xp == 0


# --- objectives and edits -----------------------------------------------------------------------

def test_ticking_the_last_objective_completes_the_quest(owner, now, no_achievements):
    quest = quest_of(owner, objectives=[ObjectiveSpec("Outline"), ObjectiveSpec("Write")])
    first, last = Objective.objects.filter(quest=quest)
    assert commit_objective(quest, first.pk, True).quests_completed == []
    outcome = commit_objective(quest, last.pk, True)
    assert outcome.quests_completed == [quest] and outcome.xp == 40


def test_with_auto_complete_off_the_last_objective_asks_first(owner, now, no_achievements):
    owner.profile.quest_auto_complete = False
    owner.profile.save()
    quest = quest_of(owner, objectives=[ObjectiveSpec("Only step")])
    outcome = commit_objective(quest, Objective.objects.get(quest=quest).pk, True)
    assert outcome.xp == 0 and outcome.quests_ready == [quest]
    assert [item.kind for item in outcome.news] == ["quest_ready"]
    assert commit_quest(quest, "complete").xp == 40


def test_an_edit_that_leaves_every_objective_done_completes_it(owner, now, no_achievements):
    quest = quest_of(owner, objectives=[ObjectiveSpec("Outline"), ObjectiveSpec("Write")])
    first, _ = Objective.objects.filter(quest=quest)
    commit_objective(quest, first.pk, True)
    outcome = commit_quest_update(quest, objectives=[ObjectiveSpec("Outline", id=first.pk)])
    assert outcome.quests_completed == [quest] and outcome.xp == 40
    assert outcome.result.pk == quest.pk


def test_unknown_actions_and_other_users_quests_are_refused(owner, stranger, now):
    quest = quest_of(owner)
    with pytest.raises(ValidationError):
        commit_quest(quest, "explode")
    with pytest.raises(Quest.DoesNotExist):
        commit_quest(Quest(pk=quest.pk, user=stranger), "complete")
    quest.refresh_from_db()
    assert quest.status == "active"


# --- achievements -----------------------------------------------------------------------------------

def only(*codes: str) -> None:
    Achievement.objects.exclude(code__in=codes).update(active=False)


def unlocked(user) -> list[str]:
    return sorted(UserAchievement.objects.filter(user=user).values_list("achievement__code", flat=True))


def test_the_first_quest_unlocks_its_achievement_once(owner, now):
    only("quest-1")
    quest = quest_of(owner)
    outcome = commit_quest(quest, "complete")
    assert [a.code for a in outcome.unlocked] == ["quest-1"] and outcome.xp == 40 + 10
    commit_quest(quest, "reopen")
    assert commit_quest(quest, "complete").unlocked == []  # never twice
    assert unlocked(owner) == ["quest-1"]
    assert ledger(owner) == 40 + 10
    assert_totals_follow_the_ledger(owner)


def test_ten_quests_done_unlock_the_next(owner, time_machine):
    only("quests-10")
    for n in range(10):
        day = TODAY - dt.timedelta(days=10 - n)  # one a day: never three in one day
        time_machine.move_to(dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC), tick=False)
        outcome = commit_quest(quest_of(owner, f"Quest {n}", today=day), "complete")
        assert [a.code for a in outcome.unlocked] == (["quests-10"] if n == 9 else [])
    assert unlocked(owner) == ["quests-10"]


def test_three_quests_in_one_local_day_unlock_busy_day_once(owner, now):
    only("quests-day-3")
    # Two done yesterday and one today are not three in one day.
    for n in range(2):
        commit_quest(quest_of(owner, f"Yesterday {n}"), "complete", now=NOW - dt.timedelta(days=1))
    assert commit_quest(quest_of(owner, "Today 1"), "complete").unlocked == []
    assert commit_quest(quest_of(owner, "Today 2"), "complete").unlocked == []
    outcome = commit_quest(quest_of(owner, "Today 3"), "complete")
    assert [a.code for a in outcome.unlocked] == ["quests-day-3"]
    assert commit_quest(quest_of(owner, "Today 4"), "complete").unlocked == []
    assert unlocked(owner) == ["quests-day-3"]


# --- a tick moves habit-fed objectives ---------------------------------------------------------------

@pytest.fixture
def running(owner, now) -> Habit:
    return save_habit(Habit(user=owner, name="Running", start_date=TODAY - dt.timedelta(days=10)))


def counted_quest(owner, habit, target=2) -> Quest:
    return quest_of(owner, "Run twice", xp=60, today=YESTERDAY, objectives=[
        ObjectiveSpec("Run twice", kind="habit_count", habit=habit, target=target),
    ])


def test_a_tick_that_completes_a_quest_awards_its_xp_and_the_undo_takes_it_back(
    owner, running, no_achievements, sent, django_capture_on_commit_callbacks,
):
    quest = counted_quest(owner, running)
    assert commit(running, YESTERDAY, "done").quests_completed == []
    with django_capture_on_commit_callbacks(execute=True):
        outcome = commit(running, TODAY, "done")
    assert outcome.quests_completed == [quest]
    assert ledger(owner, f"quest:{quest.pk}:") == 60
    assert outcome.xp == 60 + ledger(owner, "occurrence:") - 10  # the quest, and today's tick
    assert "quest_completed" in [item["event"] for item in sent[-1]["events"]]

    with django_capture_on_commit_callbacks(execute=True):
        undone = commit(running, TODAY, "undo")
    assert undone.quests_reopened == [quest]
    reopened = {item["event"]: item["data"] for item in sent[-1]["events"]}["quest_reopened"]
    assert reopened["quest_id"] == quest.pk and reopened["tone"] == "info"
    assert [item.kind for item in undone.news] == ["quest_reopened"]
    quest.refresh_from_db()
    assert quest.status == "active"
    assert ledger(owner, f"quest:{quest.pk}:") == 0
    assert ledger(owner) == 10  # yesterday's tick stands
    assert_totals_follow_the_ledger(owner)

    commit(running, TODAY, "done")  # completes again: a new cycle, awarded again
    assert ledger(owner, f"quest:{quest.pk}:") == 60
    assert_totals_follow_the_ledger(owner)


def test_a_tick_that_completes_a_quest_unlocks_its_dependents(owner, running, no_achievements):
    quest = counted_quest(owner, running, target=1)
    waiting = quest_of(owner, "Race day")
    graph.add_dependency(waiting, quest)
    outcome = commit(running, TODAY, "done")
    assert outcome.quests_completed == [quest] and outcome.quests_unlocked == [waiting]
    assert [item.kind for item in outcome.news] == ["quest_completed", "quest_unlocked"]


def test_a_tick_completing_a_quest_counts_for_the_quest_achievements(owner, running):
    only("quest-1")
    counted_quest(owner, running, target=1)
    assert [a.code for a in commit(running, TODAY, "done").unlocked] == ["quest-1"]


# --- query budgets ----------------------------------------------------------------------------------

def completion_queries(owner, others: int) -> int:
    Quest.objects.filter(user=owner).delete()
    for n in range(others):
        quest_of(owner, f"Other {n}", objectives=[ObjectiveSpec(f"Step {n}")])
    quest = quest_of(owner, objectives=[ObjectiveSpec("Only step")])
    graph.add_dependency(quest_of(owner, "Waits"), quest)
    with CaptureQueriesContext(connection) as queries:
        commit_quest(quest, "complete")
    return len(queries)


def test_a_completion_runs_the_same_queries_however_many_quests_there_are(owner, now):
    completion_queries(owner, 1)  # the first one unlocks an achievement, makes the pet
    assert completion_queries(owner, 5) == completion_queries(owner, 30) <= 30


def tick_queries(owner, running: Habit, quests: int) -> int:
    Quest.objects.filter(user=owner).delete()
    other = save_habit(Habit(user=owner, name=f"Other {quests}", start_date=TODAY - dt.timedelta(days=10)))
    for n in range(quests):  # fed by another habit: this tick leaves them alone
        quest_of(owner, f"Other {n}", objectives=[ObjectiveSpec("Read", kind="habit_count", habit=other, target=5)])
    commit(running, TODAY, "undo")
    with CaptureQueriesContext(connection) as queries:
        commit(running, TODAY, "done")
    return len(queries)


def test_a_tick_runs_the_same_queries_however_many_quests_there_are(owner, running):
    tick_queries(owner, running, 1)  # the first tick unlocks achievements, makes the pet
    assert tick_queries(owner, running, 5) == tick_queries(owner, running, 30)
