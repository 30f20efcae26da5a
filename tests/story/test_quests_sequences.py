"""Any sequence of quest commits and ticks (start, complete, reopen, abandon, objectives
ticked and unticked, a habit feeding a quest ticked and undone, one quest waiting for the
other) leaves the ledger, the profile and the quests agreeing: each completion awarded
once, a quest's XP standing only while it is done."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gamification.models import Pet, UserAchievement, XPEvent
from gamification.services import pet_of
from habits.models import Habit
from habits.services import save_habit
from habitstory.story.commit import commit
from habitstory.story.quests import commit_objective, commit_quest
from quests import graph
from quests import services as quest_services
from quests.models import Objective, Quest
from quests.services import ObjectiveSpec, QuestError

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()

STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("quest"), st.integers(0, 1), st.sampled_from(["start", "complete", "reopen", "abandon"])),
        st.tuples(st.just("tick"), st.integers(0, 2), st.sampled_from(["done", "undo"])),
        st.tuples(st.just("objective"), st.integers(0, 1), st.booleans()),
    ),
    max_size=20,
)


def _fresh(owner):
    for model in (Quest, Habit, XPEvent, UserAchievement):
        model.objects.all().delete()
    owner.profile.__class__.objects.filter(pk=owner.profile.pk).update(xp_total=0, level=1, xp_today=0)
    Pet.objects.filter(user=owner).update(xp=0, level=1)
    habit = save_habit(Habit(user=owner, name="Run", start_date=TODAY - dt.timedelta(days=6)))
    fed = quest_services.create_quest(
        owner, title="Run twice", xp_reward=60, status="active", today=TODAY - dt.timedelta(days=2),
        objectives=[ObjectiveSpec("Run twice", kind="habit_count", habit=habit, target=2), ObjectiveSpec("Shoes")],
    )
    waiting = quest_services.create_quest(owner, title="Race", xp_reward=25, today=TODAY,
                                          objectives=[ObjectiveSpec("Sign up")])
    graph.add_dependency(waiting, fed)
    return habit, [fed, waiting]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_any_sequence_leaves_ledger_profile_and_quests_agreeing(owner, time_machine, steps):
    time_machine.move_to(NOW, tick=False)
    habit, quests = _fresh(owner)
    manual = {quest.pk: Objective.objects.get(quest=quest, kind="manual").pk for quest in quests}
    for kind, which, what in steps:
        try:
            if kind == "quest":
                commit_quest(quests[which], what)
            elif kind == "tick":
                commit(habit, TODAY - dt.timedelta(days=which), what)
            else:
                commit_objective(quests[which], manual[quests[which].pk], what)
        except QuestError:
            pass  # refused (locked, finished): nothing may have moved
    owner.profile.refresh_from_db()
    total = XPEvent.objects.filter(user=owner).aggregate(s=Sum("amount"))["s"] or 0
    assert owner.profile.xp_total == total
    assert pet_of(owner).xp == max(0, total)
    for quest in Quest.objects.filter(pk__in=[q.pk for q in quests]):
        rows = XPEvent.objects.filter(source__startswith=f"quest:{quest.pk}:")
        assert rows.filter(reason="quest_completed").count() == quest.completion_cycle
        net = rows.aggregate(s=Sum("amount"))["s"] or 0
        assert net == (quest.xp_reward if quest.status == "done" else 0)
