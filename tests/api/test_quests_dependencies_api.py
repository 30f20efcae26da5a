"""/quests/{id}/dependencies and /quests/next-up: an edge that would close a loop (the
quest itself, two quests, a long chain) is a 400 dependency_cycle naming the loop, with
nothing saved; another user's quest is a 404 on either end; next up ranks the unlocked
quests with their reasons."""

from __future__ import annotations

import datetime as dt

import pytest

from quests import graph
from quests import services as quest_services
from quests.models import Dependency, Quest

from .conftest import TODAY

pytestmark = pytest.mark.django_db

URL = "/api/v1/quests"


def make_quest(user, title: str, **fields) -> Quest:
    fields.setdefault("xp_reward", 40)
    return quest_services.create_quest(user, title=title, today=TODAY, **fields)


def add(api, quest: Quest, other: Quest | int):
    return api.post(f"{URL}/{quest.pk}/dependencies", {"depends_on": getattr(other, "pk", other)})


def edges() -> set[tuple[int, int]]:
    return set(Dependency.objects.values_list("quest_id", "depends_on_id"))


@pytest.fixture
def chain(owner, frozen) -> list[Quest]:
    """Write draft → Edit → Proofread → Publish: each waits for the one before."""
    quests = [make_quest(owner, title) for title in ("Write draft", "Edit", "Proofread", "Publish")]
    for before, after in zip(quests, quests[1:]):
        graph.add_dependency(after, before)
    return quests


def test_it_adds_a_dependency(api, owner, frozen):
    draft, edit = make_quest(owner, "Write draft"), make_quest(owner, "Edit")
    response = add(api, edit, draft)
    assert response.status_code == 201, response.content
    ref = {"id": draft.pk, "title": "Write draft", "status": "open"}
    assert response.json()["data"] == {"locked": True, "waiting_for": [ref], "depends_on": [ref], "dependents": []}
    assert edges() == {(edit.pk, draft.pk)}


def test_it_lists_both_directions(api, chain, frozen):
    api.post(f"{URL}/{chain[0].pk}/complete")
    data = api.get(f"{URL}/{chain[1].pk}/dependencies").json()["data"]
    assert data["locked"] is False and data["waiting_for"] == []
    assert data["depends_on"] == [{"id": chain[0].pk, "title": "Write draft", "status": "done"}]
    assert data["dependents"] == [{"id": chain[2].pk, "title": "Proofread", "status": "open"}]


def test_the_quest_itself_is_a_cycle(api, chain, frozen):
    before = edges()
    response = add(api, chain[1], chain[1])
    assert response.status_code == 400 and response.json()["error"]["code"] == "dependency_cycle"
    assert response.json()["error"]["details"] == {"cycle": ["Edit", "Edit"],
                                                   "cycle_ids": [str(chain[1].pk)] * 2}
    assert edges() == before


def test_a_two_cycle_is_refused_with_nothing_saved(api, chain, frozen):
    before = edges()
    response = add(api, chain[0], chain[1])  # Write draft would wait for Edit, which waits for it
    assert response.status_code == 400 and response.json()["error"]["code"] == "dependency_cycle"
    error = response.json()["error"]
    assert error["details"]["cycle"] == ["Write draft", "Edit", "Write draft"]
    assert error["details"]["cycle_ids"] == [str(chain[0].pk), str(chain[1].pk), str(chain[0].pk)]
    assert "Write draft → Edit → Write draft" in error["message"]
    assert edges() == before


def test_a_long_cycle_is_refused_with_nothing_saved(api, chain, frozen):
    before = edges()
    response = add(api, chain[0], chain[3])
    # Write draft would wait for Publish, which waits for Proofread, …, which waits for Write draft.
    assert response.json()["error"]["details"]["cycle"] == ["Write draft", "Publish", "Proofread", "Edit",
                                                            "Write draft"]
    assert edges() == before


def test_an_edge_already_there_is_a_409(api, chain, frozen):
    response = add(api, chain[1], chain[0])
    assert response.status_code == 409 and response.json()["error"]["code"] == "dependency_exists"
    assert Dependency.objects.count() == 3


def test_another_users_quest_is_a_404_on_either_end(api, owner, stranger, frozen):
    mine, theirs = make_quest(owner, "Mine"), make_quest(stranger, "Theirs")
    response = add(api, mine, theirs)
    assert response.status_code == 404 and response.json()["error"]["details"] == {
        "depends_on": ["Choose one of your quests."]}
    assert add(api, theirs, mine).status_code == 404
    assert add(api, mine, 10**12).status_code == 404
    assert api.delete(f"{URL}/{mine.pk}/dependencies/{theirs.pk}").status_code == 404
    assert api.delete(f"{URL}/{theirs.pk}/dependencies/{mine.pk}").status_code == 404
    assert api.get(f"{URL}/{theirs.pk}/dependencies").status_code == 404
    assert not Dependency.objects.exists()


@pytest.mark.parametrize("body", [{}, {"depends_on": 0}, {"depends_on": "x"}, {"depends_on": 1, "more": 2}])
def test_a_bad_body_is_a_400(api, owner, frozen, body):
    quest = make_quest(owner, "Mine")
    response = api.post(f"{URL}/{quest.pk}/dependencies", body)
    assert response.status_code == 400, response.content


def test_removing_unlocks_and_is_idempotent(api, chain, frozen):
    response = api.delete(f"{URL}/{chain[1].pk}/dependencies/{chain[0].pk}")
    assert response.status_code == 200
    assert response.json()["data"]["locked"] is False
    assert api.delete(f"{URL}/{chain[1].pk}/dependencies/{chain[0].pk}").status_code == 200
    assert (chain[1].pk, chain[0].pk) not in edges()
    assert api.post(f"{URL}/{chain[1].pk}/complete").status_code == 200


def test_a_chain_completes_in_order_only(api, chain, frozen):
    for locked in chain[1:]:
        assert api.post(f"{URL}/{locked.pk}/complete").status_code == 409
    for quest in chain:
        assert api.post(f"{URL}/{quest.pk}/complete").status_code == 200
    assert set(Quest.objects.values_list("status", flat=True)) == {"done"}


# --- next up --------------------------------------------------------------------------------


def test_next_up_ranks_unlocked_quests_with_reasons(api, owner, chain, frozen):
    urgent = make_quest(owner, "Renew passport", due_date=TODAY + dt.timedelta(days=1), priority=4)
    make_quest(owner, "Finished", status="active")
    api.post(f"{URL}/{Quest.objects.get(title='Finished').pk}/complete")
    data = api.get(f"{URL}/next-up").json()["data"]
    assert [item["quest"]["title"] for item in data] == ["Renew passport", "Write draft"]
    first = data[0]
    assert first["quest"]["id"] == urgent.pk and first["reasons"][0] == "due tomorrow"
    assert first["reason"] == " · ".join(first["reasons"]) and first["score"] > data[1]["score"]
    assert "unlocks 3 quests" in data[1]["reasons"]


def test_next_up_takes_a_limit(api, owner, frozen):
    for n in range(3):
        make_quest(owner, f"Quest {n}")
    assert len(api.get(f"{URL}/next-up?limit=2").json()["data"]) == 2
    for bad in ("0", "51", "x"):
        assert api.get(f"{URL}/next-up?limit={bad}").status_code == 400


def test_next_up_takes_a_fixed_number_of_queries(api, owner, frozen, django_assert_max_num_queries):
    for n in range(12):
        make_quest(owner, f"Quest {n}")
    api.get(f"{URL}/next-up")
    with django_assert_max_num_queries(9):
        assert len(api.get(f"{URL}/next-up").json()["data"]) == 10
