"""Quest services: validation that names the field, categories, the status rules (start,
complete, reopen, abandon; locked quests refused), manual objectives, deleting, and the
suggested XP."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from quests import graph, services
from quests.models import DEFAULT_CATEGORIES, EFFORT_MAX, XP_MAX, XP_MIN, Category, Objective, Quest
from quests.services import ObjectiveSpec

from .conftest import NOW, TODAY, postgres_only, run_together

pytestmark = pytest.mark.django_db
LATER = NOW + dt.timedelta(hours=1)


def steps(*texts):
    return [ObjectiveSpec(text) for text in texts]


def fresh(quest: Quest) -> Quest:
    quest.refresh_from_db()
    return quest


def set_auto_complete(user, value: bool):
    user.profile.quest_auto_complete = value
    user.profile.save(update_fields=["quest_auto_complete"])


# --- creating and editing ---------------------------------------------------------------------


def test_it_creates_an_open_quest_with_the_suggested_xp(make_quest):
    quest = make_quest("Write draft", effort_minutes=60, priority=3)
    assert quest.status == "open" and quest.activated_on is None
    assert quest.xp_reward == services.suggest_xp(60, 3)


def test_an_active_quest_starts_today(make_quest):
    assert make_quest(status="active").activated_on == TODAY


@pytest.mark.parametrize(("fields", "field"), [
    ({"title": ""}, "title"),
    ({"title": "x" * 121}, "title"),
    ({"title": "bad\x00"}, "title"),
    ({"priority": 9}, "priority"),
    ({"effort_minutes": 0}, "effort_minutes"),
    ({"effort_minutes": EFFORT_MAX + 1}, "effort_minutes"),
    ({"xp_reward": XP_MAX + 1}, "xp_reward"),
    ({"xp_reward": XP_MIN - 1}, "xp_reward"),
    ({"description": "x" * 2001}, "description"),
    ({"due_time": dt.time(9)}, "due_time"),
    ({"status": "done"}, "status"),
    ({"category": "x" * 41}, "category"),
    ({"objectives": [ObjectiveSpec("")]}, "objectives"),
    ({"objectives": [ObjectiveSpec("Run", "habit_count")]}, "objectives"),
    ({"objectives": [ObjectiveSpec("Run", "habit_count", habit=999999, target=3)]}, "objectives"),
    ({"objectives": [ObjectiveSpec("Step", weight="0")]}, "objectives"),
    ({"objectives": [ObjectiveSpec("Step", weight="nan")]}, "objectives"),
    ({"objectives": steps(*"x" * 31)}, "objectives"),
])
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(make_quest, fields, field):
    fields.setdefault("title", "Write draft")
    with pytest.raises(ValidationError) as error:
        make_quest(**fields)
    assert field in error.value.message_dict
    assert not Quest.objects.exists()


def test_another_users_habit_or_category_is_refused(make_quest, make_habit, stranger):
    theirs = make_habit(user=stranger)
    with pytest.raises(ValidationError) as error:
        make_quest(objectives=[ObjectiveSpec("Run", "habit_count", habit=theirs, target=2)])
    assert "objectives" in error.value.message_dict
    category = services.categories(stranger)[0]
    for value in (category, category.pk):
        with pytest.raises(ValidationError) as error:
            make_quest(category=value)
        assert "category" in error.value.message_dict


def test_a_category_by_name_is_created_once_after_the_defaults(make_quest, owner):
    first = make_quest(category="Garden")
    second = make_quest(category="garden")
    assert first.category == second.category
    names = [category.name for category in services.categories(owner)]
    assert names == [*DEFAULT_CATEGORIES, "Garden"]
    assert make_quest(category="Work").category.name == "Work"


def test_categories_are_made_once(owner):
    assert [c.name for c in services.categories(owner)] == list(DEFAULT_CATEGORIES)
    services.categories(owner)
    assert Category.objects.filter(user=owner).count() == len(DEFAULT_CATEGORIES)


def test_objectives_keep_their_order_and_text_for_search(make_quest):
    quest = make_quest(objectives=steps("Outline", "Draft", "Polish"))
    assert [o.text for o in quest.objectives.all()] == ["Outline", "Draft", "Polish"]
    assert quest.objectives_text == "Outline\nDraft\nPolish"


def test_update_replaces_objectives_keeping_the_ids_given(make_quest):
    quest = make_quest(objectives=steps("Outline", "Draft"), status="active")
    outline, draft = quest.objectives.all()
    services.set_objective(quest, outline.pk, True, today=TODAY, now=NOW)
    services.update_quest(quest, today=TODAY, now=NOW, title=" Write the draft ",
                          objectives=[ObjectiveSpec("Outline it", id=outline.pk), ObjectiveSpec("Polish")])
    quest = fresh(quest)
    kept, new = quest.objectives.all()
    assert quest.title == "Write the draft"
    assert (kept.pk, kept.text, kept.done) == (outline.pk, "Outline it", True)
    assert new.text == "Polish" and not Objective.objects.filter(pk=draft.pk).exists()
    assert quest.objectives_text == "Outline it\nPolish"


def test_update_refuses_another_quests_objective_and_unknown_fields(make_quest):
    quest, other = make_quest(), make_quest(objectives=steps("Theirs"))
    with pytest.raises(ValidationError) as error:
        services.update_quest(quest, today=TODAY, now=NOW,
                              objectives=[ObjectiveSpec("x", id=other.objectives.get().pk)])
    assert "objectives" in error.value.message_dict
    with pytest.raises(TypeError):
        services.update_quest(quest, today=TODAY, now=NOW, status="done")


def test_update_validates_and_takes_the_suggestion_for_no_xp(make_quest):
    quest = make_quest(xp_reward=100)
    with pytest.raises(ValidationError) as error:
        services.update_quest(quest, today=TODAY, now=NOW, effort_minutes=-5)
    assert "effort_minutes" in error.value.message_dict
    quest = Quest.objects.get(pk=quest.pk)
    services.update_quest(quest, today=TODAY, now=NOW, effort_minutes=30, xp_reward=None)
    assert fresh(quest).xp_reward == services.suggest_xp(30, 2)


def test_removing_the_last_undone_objective_completes_an_active_quest(make_quest):
    quest = make_quest(objectives=steps("Outline", "Draft"), status="active")
    outline, _ = quest.objectives.all()
    services.set_objective(quest, outline.pk, True, today=TODAY, now=NOW)
    transitions = services.update_quest(quest, today=TODAY, now=NOW, objectives=[ObjectiveSpec("Outline", id=outline.pk)])
    assert transitions == [(quest, "completed")]


# --- status -----------------------------------------------------------------------------------


def test_start_complete_reopen(make_quest):
    quest = make_quest()
    assert services.start(quest, today=TODAY) == []
    assert fresh(quest).status == "active" and quest.activated_on == TODAY
    assert services.complete(quest, today=TODAY, now=NOW) == [(quest, "completed")]
    quest = fresh(quest)
    assert (quest.status, quest.completion_cycle, quest.completed_at, quest.completed_on) == ("done", 1, NOW, TODAY)
    assert services.complete(quest, today=TODAY, now=LATER) == []  # twice is once
    assert fresh(quest).completion_cycle == 1
    assert services.reopen(quest, today=TODAY, now=LATER) == [(quest, "reopened")]
    quest = fresh(quest)
    assert (quest.status, quest.completed_at, quest.activated_on) == ("active", None, TODAY)
    assert services.complete(quest, today=TODAY, now=LATER) == [(quest, "completed")]
    assert fresh(quest).completion_cycle == 2


def test_a_quest_without_objectives_is_completed_by_hand_from_open(make_quest):
    quest = make_quest()
    assert services.complete(quest, today=TODAY, now=NOW) == [(quest, "completed")]
    assert fresh(quest).activated_on == TODAY


def test_a_locked_quest_cannot_start_or_complete(make_quest):
    draft, edit = make_quest("Write draft"), make_quest("Edit")
    graph.add_dependency(edit, draft)
    for action in (lambda: services.start(edit, today=TODAY),
                   lambda: services.complete(edit, today=TODAY, now=NOW)):
        with pytest.raises(services.QuestLocked) as error:
            action()
        assert error.value.code == "quest_locked"
        assert error.value.waiting_for == [draft]
        assert "Write draft" in error.value.messages[0]
    assert fresh(edit).status == "open"


def test_abandon_and_reopen(make_quest):
    quest = make_quest(status="active")
    assert services.abandon(quest, today=TODAY, now=NOW) == []
    assert fresh(quest).status == "abandoned"
    with pytest.raises(services.QuestError) as error:
        services.complete(quest, today=TODAY, now=NOW)
    assert error.value.code == "quest_abandoned"
    with pytest.raises(services.QuestError):
        services.start(quest, today=TODAY)
    assert services.reopen(quest, today=TODAY, now=NOW) == []  # no XP was given
    assert fresh(quest).status == "active"


def test_abandoning_a_done_quest_takes_its_xp_back(make_quest):
    quest = make_quest()
    services.complete(quest, today=TODAY, now=NOW)
    assert services.abandon(quest, today=TODAY, now=LATER) == [(quest, "reopened")]
    quest = fresh(quest)
    assert (quest.status, quest.completed_at) == ("abandoned", None)
    assert services.abandon(quest, today=TODAY, now=LATER) == []


def test_lock_reads_only_the_same_users_quest(make_quest, stranger):
    quest = make_quest()
    assert services.lock(Quest(pk=quest.pk, user=quest.user)) == quest
    with pytest.raises(Quest.DoesNotExist):
        services.lock(Quest(pk=quest.pk, user=stranger))


# --- manual objectives ------------------------------------------------------------------------


def test_the_last_step_completes_the_quest_when_the_setting_says_so(make_quest, owner):
    quest = make_quest(objectives=steps("Outline", "Draft"), status="active")
    outline, draft = quest.objectives.all()
    assert services.set_objective(quest, outline.pk, True, today=TODAY, now=NOW) == []
    assert services.set_objective(quest, outline.pk, True, today=TODAY, now=NOW) == []  # twice is once
    assert services.set_objective(quest, draft.pk, True, today=TODAY, now=NOW) == [(quest, "completed")]
    assert fresh(quest).status == "done"


def test_the_last_step_makes_the_quest_ready_when_the_user_wants_to_be_asked(make_quest, owner):
    set_auto_complete(owner, False)
    quest = make_quest(objectives=steps("Outline"), status="active")
    step = quest.objectives.get()
    assert services.set_objective(quest, step.pk, True, today=TODAY, now=NOW) == [(quest, "ready")]
    assert fresh(quest).ready and quest.status == "active"
    assert services.set_objective(quest, step.pk, False, today=TODAY, now=NOW) == []
    assert not fresh(quest).ready
    services.set_objective(quest, step.pk, True, today=TODAY, now=NOW)
    assert services.complete(quest, today=TODAY, now=NOW) == [(quest, "completed")]
    assert not fresh(quest).ready


def test_a_locked_quest_with_every_step_done_waits(make_quest):
    draft, edit = make_quest("Write draft"), make_quest("Edit", objectives=steps("Read it"))
    graph.add_dependency(edit, draft)
    assert services.set_objective(edit, edit.objectives.get().pk, True, today=TODAY, now=NOW) == []
    assert fresh(edit).status == "open"


def test_set_objective_refuses_habit_fed_finished_and_others_objectives(make_quest, make_habit):
    habit = make_habit()
    quest = make_quest(objectives=[ObjectiveSpec("Run", "habit_count", habit=habit, target=3), ObjectiveSpec("x")])
    fed, step = quest.objectives.all()
    with pytest.raises(services.QuestError) as error:
        services.set_objective(quest, fed.pk, True, today=TODAY, now=NOW)
    assert error.value.code == "objective_not_manual"
    other = make_quest("Other", objectives=steps("y"))
    with pytest.raises(Objective.DoesNotExist):
        services.set_objective(quest, other.objectives.get().pk, True, today=TODAY, now=NOW)
    services.complete(quest, today=TODAY, now=NOW)
    with pytest.raises(services.QuestError) as error:
        services.set_objective(quest, step.pk, True, today=TODAY, now=NOW)
    assert error.value.code == "quest_finished"


# --- deleting ---------------------------------------------------------------------------------


def test_deleting_a_done_quest_gives_back_its_xp_and_keeps_its_id(make_quest):
    quest = make_quest()
    services.complete(quest, today=TODAY, now=NOW)
    pk = quest.pk
    assert services.delete_quest(quest) == [(quest, "deleted")]
    assert quest.pk == pk and not Quest.objects.filter(pk=pk).exists()


def test_deleting_a_quest_others_wait_for_removes_the_edges_and_unlocks_them(make_quest):
    draft, edit, review = make_quest("Write draft"), make_quest("Edit"), make_quest("Review")
    other = make_quest("Other")
    graph.add_dependency(edit, draft)
    graph.add_dependency(review, draft)
    graph.add_dependency(review, other)
    assert services.delete_quest(draft) == [(edit, "unlocked")]
    assert not graph.is_locked(edit) and graph.waiting_for(review) == [other]


# --- suggested XP -----------------------------------------------------------------------------


def test_suggested_xp_examples():
    assert [services.suggest_xp(None, p) for p in (1, 2, 3, 4)] == [10, 13, 15, 20]
    assert services.suggest_xp(60, 2) == 32  # (10 + 2·√60) × 1.25 = 31.86
    assert services.suggest_xp(EFFORT_MAX, 4) == 422


def test_suggested_xp_refuses_what_is_out_of_range():
    for effort, priority, field in ((None, 0, "priority"), (-1, 2, "effort_minutes"), (EFFORT_MAX + 1, 2, "effort_minutes")):
        with pytest.raises(ValidationError) as error:
            services.suggest_xp(effort, priority)
        assert field in error.value.message_dict


efforts = st.one_of(st.none(), st.integers(1, EFFORT_MAX))
priorities = st.sampled_from([1, 2, 3, 4])


@given(efforts, priorities)
def test_suggested_xp_is_within_bounds(effort, priority):
    assert XP_MIN <= services.suggest_xp(effort, priority) <= XP_MAX


@given(st.integers(0, EFFORT_MAX), st.integers(0, EFFORT_MAX), priorities, priorities)
def test_suggested_xp_grows_with_effort_and_priority(a, b, p, q):
    (low_effort, high_effort), (low_priority, high_priority) = sorted((a, b)), sorted((p, q))
    assert services.suggest_xp(low_effort, low_priority) <= services.suggest_xp(high_effort, high_priority)
    assert services.suggest_xp(low_effort or None, p) == services.suggest_xp(low_effort, p)


def test_weights_take_decimals(make_quest):
    quest = make_quest(objectives=[ObjectiveSpec("a", weight="2.5"), ObjectiveSpec("b", weight=Decimal("0.5"))])
    assert [o.weight for o in quest.objectives.all()] == [Decimal("2.5"), Decimal("0.5")]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_first_uses_at_once_make_the_defaults_once(owner):
    errors = run_together([lambda: services.categories(owner) for _ in range(4)])
    assert errors == []
    assert [c.name for c in services.categories(owner)] == list(DEFAULT_CATEGORIES)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_new_category_named_twice_at_once_is_made_once(owner, make_quest):
    services.categories(owner)
    errors = run_together([lambda: make_quest(category="Garden") for _ in range(4)])
    assert errors == []
    assert Category.objects.filter(user=owner, name="Garden").count() == 1
    assert Quest.objects.filter(category__name="Garden").count() == 4


def test_a_reopened_quest_with_every_step_done_stays_active_until_a_step_changes(make_quest):
    quest = make_quest(objectives=steps("Outline"), status="active")
    step = quest.objectives.get()
    assert services.set_objective(quest, step.pk, True, today=TODAY, now=NOW) == [(quest, "completed")]
    services.reopen(quest, today=TODAY, now=LATER)
    assert services.update_quest(quest, today=TODAY, now=LATER, title="Outline it all") == []
    assert fresh(quest).status == "active"
    services.set_objective(quest, step.pk, False, today=TODAY, now=LATER)
    assert services.set_objective(quest, step.pk, True, today=TODAY, now=LATER) == [(quest, "completed")]
