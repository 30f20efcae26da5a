"""Dependencies: the same user's quests only, no self edge, no duplicate, no cycle
(refused with nothing saved, the cycle named), locks, and the board's maps in one query."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from quests import graph, services
from quests.models import Dependency

from .conftest import NOW, TODAY, postgres_only, run_together

pytestmark = pytest.mark.django_db


def chain(make_quest, *titles):
    """Quests where each waits for the one before it."""
    quests = [make_quest(title) for title in titles]
    for before, after in zip(quests, quests[1:]):
        graph.add_dependency(after, before)
    return quests


def test_it_adds_an_edge_and_locks_the_dependent(make_quest):
    draft, edit = make_quest("Write draft"), make_quest("Edit")
    graph.add_dependency(edit, draft)
    assert graph.is_locked(edit) and not graph.is_locked(draft)
    assert graph.waiting_for(edit) == [draft]


def test_it_refuses_a_quest_waiting_for_itself(make_quest):
    quest = make_quest()
    with pytest.raises(services.QuestError) as error:
        graph.add_dependency(quest, quest)
    assert error.value.code == "self_dependency"
    assert not Dependency.objects.exists()


def test_it_refuses_a_two_cycle_naming_it(make_quest):
    draft, edit = chain(make_quest, "Write draft", "Edit")
    with pytest.raises(services.DependencyCycle) as error:
        graph.add_dependency(draft, edit)
    assert error.value.code == "dependency_cycle"
    assert error.value.messages == ["Write draft → Edit → Write draft"]
    assert error.value.cycle == [draft, edit, draft]
    assert Dependency.objects.count() == 1


def test_it_refuses_a_long_cycle_with_nothing_saved(make_quest):
    quests = chain(make_quest, "A", "B", "C", "D", "E")
    with pytest.raises(services.DependencyCycle) as error:
        graph.add_dependency(quests[0], quests[-1])
    assert error.value.messages == ["A → E → D → C → B → A"]
    assert Dependency.objects.count() == 4


def test_a_diamond_is_not_a_cycle(make_quest):
    top, left, right, bottom = (make_quest(title) for title in "TLRB")
    for quest, waits_for in ((left, top), (right, top), (bottom, left), (bottom, right)):
        graph.add_dependency(quest, waits_for)
    assert Dependency.objects.count() == 4
    assert graph.unlock_counts(top.user) == {top.pk: 3, left.pk: 1, right.pk: 1}


def test_it_refuses_a_duplicate_edge(make_quest):
    draft, edit = chain(make_quest, "Write draft", "Edit")
    with pytest.raises(services.QuestError) as error:
        graph.add_dependency(edit, draft)
    assert error.value.code == "dependency_exists"
    assert Dependency.objects.count() == 1


def test_another_users_quest_does_not_exist(make_quest, stranger):
    mine, theirs = make_quest("Mine"), make_quest("Theirs", user=stranger)
    for quest, other in ((mine, theirs), (theirs, mine)):
        with pytest.raises(services.Quest.DoesNotExist):
            graph.add_dependency(quest, other)
    assert not Dependency.objects.exists()


def test_a_done_dependency_unlocks_and_an_abandoned_one_still_blocks(make_quest):
    draft, edit = chain(make_quest, "Write draft", "Edit")
    services.abandon(draft, today=TODAY, now=NOW)
    assert graph.is_locked(edit)
    services.reopen(draft, today=TODAY, now=NOW)
    services.complete(draft, today=TODAY, now=NOW)
    assert not graph.is_locked(edit) and graph.waiting_for(edit) == []


def test_removing_the_edge_unlocks(make_quest):
    draft, edit = chain(make_quest, "Write draft", "Edit")
    assert graph.remove_dependency(edit, draft) is True
    assert graph.remove_dependency(edit, draft) is False
    assert not graph.is_locked(edit)


def test_unlock_counts_are_transitive_and_skip_finished_dependents(make_quest):
    a, b, c, d = chain(make_quest, "A", "B", "C", "D")
    assert graph.unlock_counts(a.user) == {a.pk: 3, b.pk: 2, c.pk: 1}
    services.abandon(d, today=TODAY, now=NOW)
    assert graph.unlock_counts(a.user) == {a.pk: 2, b.pk: 1}


@pytest.mark.parametrize("size", [5, 50])
def test_the_board_maps_take_one_query_each(make_quest, owner, size):
    quests = [make_quest(f"Q{n}") for n in range(size)]
    for before, after in zip(quests, quests[1:]):
        Dependency.objects.create(quest=after, depends_on=before)
    with CaptureQueriesContext(connection) as queries:
        waiting = graph.waiting_map(owner)
        counts = graph.unlock_counts(owner)
    assert len(queries) == 2
    assert len(waiting) == size - 1 and waiting[quests[1].pk] == [quests[0]]
    assert counts[quests[0].pk] == size - 1


def test_newly_unlocked_names_only_dependents_with_nothing_left_to_wait_for(make_quest):
    a, b, both, only_a = (make_quest(title) for title in ("A", "B", "Both", "Only A"))
    for quest, waits_for in ((both, a), (both, b), (only_a, a)):
        graph.add_dependency(quest, waits_for)
    transitions = services.complete(a, today=TODAY, now=NOW)
    assert transitions == [(a, "completed"), (only_a, "unlocked")]
    assert services.complete(b, today=TODAY, now=NOW) == [(b, "completed"), (both, "unlocked")]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_edges_added_at_once_cannot_close_a_cycle(make_quest):
    draft, edit = make_quest("Write draft"), make_quest("Edit")
    errors = run_together([lambda: graph.add_dependency(edit, draft), lambda: graph.add_dependency(draft, edit)])
    assert Dependency.objects.count() == 1
    assert len(errors) == 1 and isinstance(errors[0], services.DependencyCycle)
