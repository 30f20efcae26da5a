"""Free's limit of open quests (10, open or active): a new quest (form, API, template, a
starter plan's templates) and a quest reopened by the user are refused at the limit; an
undo that takes back a done quest's objective reopens it anyway (tracking is never
refused); a downgraded account keeps everything; no limits with billing off or Premium."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from habits import services as habit_services
from habits.models import Habit
from habitstory.api import services as token_services
from habitstory.billing.limits import PlanLimitReached
from habitstory.billing.models import PlanLimit
from habitstory.story.quests import commit_quest
from quests import services, templates_
from quests.models import Quest, QuestTemplate, TemplateObjective
from quests.services import ObjectiveSpec
from tests.api.conftest import ApiClient
from tests.concurrency import run_together

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 23)


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture(autouse=True)
def free_limit(db):
    """Migration 0002's limit, again: a transactional test elsewhere flushes seeded rows."""
    PlanLimit.objects.update_or_create(kind="quests", defaults={"free_limit": 10})


@pytest.fixture
def api(owner) -> ApiClient:
    return ApiClient(token_services.issue_token(owner, "tests")[1])


def form_data(**overrides) -> dict:
    data = {"title": "Write draft", "description": "The first pass.", "category": "", "new_category": "",
            "priority": "2", "due_date": "", "due_time": "", "effort_minutes": "",
            "xp_reward": str(services.suggest_xp(None, 2)), "xp_suggested": str(services.suggest_xp(None, 2)),
            "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-MIN_NUM_FORMS": "0",
            "form-MAX_NUM_FORMS": "30", "form-0-text": "Outline", "form-0-kind": "manual", "form-0-weight": "1"}
    return {**data, **overrides}


def quest(user, title="Quest", **fields) -> Quest:
    with transaction.atomic():
        return services.create_quest(user, title=title, today=TODAY, **fields)


def at_limit(user, *, status="open") -> list[Quest]:
    return [quest(user, f"Quest {n}", status=status) for n in range(10)]


@pytest.fixture
def template() -> QuestTemplate:
    made = QuestTemplate.objects.create(slug="couch-to-5k", title="Couch to 5k", xp_reward=50)
    TemplateObjective.objects.create(template=made, position=0, text="Buy shoes")
    return made


def test_it_refuses_an_eleventh_quest_on_the_page_keeping_what_was_typed(billing_on, owner, owner_client):
    at_limit(owner)
    response = owner_client.post(reverse("quests:create"), form_data(title="Paint the shed"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "The Free plan allows 10 open quests; you have 10." in page
    assert f'href="{reverse("billing:pricing")}">See Premium</a>' in page
    assert 'value="Paint the shed"' in page and 'value="Outline"' in page
    assert "Please fix the fields" not in page
    assert Quest.objects.filter(user=owner).count() == 10


def test_done_and_abandoned_quests_do_not_count(billing_on, owner, owner_client):
    quests = at_limit(owner, status="active")
    commit_quest(quests[0], "complete")
    commit_quest(quests[1], "abandon")
    assert services.open_count(owner) == 8
    assert owner_client.post(reverse("quests:create"), form_data()).status_code == 302
    assert owner_client.post(reverse("quests:create"), form_data()).status_code == 302
    assert owner_client.post(reverse("quests:create"), form_data()).status_code == 200


def test_the_api_answers_403_plan_limit(billing_on, owner, api, template):
    at_limit(owner)
    response = api.post("/api/v1/quests", {"title": "Paint the shed"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "plan_limit"
    assert response.json()["error"]["details"] == {"limit": 10, "used": 10, "kind": "quests"}
    response = api.post("/api/v1/quests/from-template/couch-to-5k")
    assert response.status_code == 403 and response.json()["error"]["code"] == "plan_limit"
    assert Quest.objects.filter(user=owner).count() == 10


def test_a_template_and_a_starter_plan_obey_the_limit(billing_on, owner, owner_client, template):
    at_limit(owner)
    with pytest.raises(PlanLimitReached):  # archetypes' starter plan goes through here
        templates_.from_template(owner, template, today=TODAY)
    response = owner_client.post(reverse("quests:from-template", args=[template.pk]),
                                 HTTP_REFERER="http://testserver/quests/templates/")
    assert response.status_code == 302 and response["Location"] == "http://testserver/quests/templates/"
    page = owner_client.get(reverse("quests:templates")).content.decode()
    assert "The Free plan allows 10 open quests" in page and "See Premium" in page
    assert Quest.objects.filter(user=owner).count() == 10


def test_reopening_needs_room_on_the_page_and_in_the_api(billing_on, owner, owner_client, api):
    done = quest(owner, "Done", status="active")
    commit_quest(done, "complete")
    abandoned = quest(owner, "Dropped")
    commit_quest(abandoned, "abandon")
    at_limit(owner)
    detail = f"http://testserver/quests/{done.pk}/"
    response = owner_client.post(reverse("quests:act", args=[done.pk]), {"action": "reopen"}, HTTP_REFERER=detail)
    assert response.status_code == 302 and response["Location"] == detail
    assert "The Free plan allows 10 open quests" in owner_client.get(detail).content.decode()
    response = api.post(f"/api/v1/quests/{abandoned.pk}/reopen")
    assert response.status_code == 403 and response.json()["error"]["code"] == "plan_limit"
    assert {q.status for q in Quest.objects.filter(pk__in=[done.pk, abandoned.pk])} == {"done", "abandoned"}
    # One finished, one place free: reopening works again.
    Quest.objects.filter(user=owner, title="Quest 0").update(status="done")
    assert api.post(f"/api/v1/quests/{abandoned.pk}/reopen").status_code == 200


def test_an_undo_reopens_a_done_quest_even_over_the_limit(billing_on, owner):
    habit = habit_services.save_habit(Habit(user=owner, name="Run", start_date=TODAY - dt.timedelta(days=30)))
    objective = ObjectiveSpec("Run", "habit_count", habit=habit, target=1)
    fed = quest(owner, "Run once", status="active", objectives=[objective])
    with transaction.atomic():
        services.apply_day_change(habit_services.change_day(habit, TODAY, "done", now=NOW), today=TODAY, now=NOW)
    fed.refresh_from_db()
    assert fed.status == "done"
    at_limit(owner)
    with transaction.atomic():
        change = habit_services.change_day(habit, TODAY, "undo", now=NOW)
        assert services.apply_day_change(change, today=TODAY, now=NOW) == [(fed, "reopened")]
    assert services.open_count(owner) == 11  # over the limit, and still trackable


def test_a_downgraded_account_keeps_its_quests_and_works_them(billing_on, owner, owner_client, make_premium):
    make_premium(owner)
    quests = [quest(owner, f"Quest {n}", objectives=[ObjectiveSpec("Step")]) for n in range(12)]
    make_premium(owner, status="canceled")
    assert owner_client.post(reverse("quests:create"), form_data()).status_code == 200  # refused
    page = owner_client.get(reverse("quests:index")).content.decode()
    assert all(q.title in page for q in quests)
    first = quests[0]
    assert owner_client.post(reverse("quests:act", args=[first.pk]), {"action": "start"}).status_code == 302
    step = first.objectives.get()
    owner_client.post(reverse("quests:objective", args=[first.pk, step.pk]), {"done": "1"})
    first.refresh_from_db()
    assert first.status == "done"
    edit = form_data(title="Renamed", **{"form-0-id": str(quests[1].objectives.get().pk), "form-INITIAL_FORMS": "1",
                                         "form-0-text": "Step"})
    assert owner_client.post(reverse("quests:edit", args=[quests[1].pk]), edit).status_code == 302
    assert owner_client.post(reverse("quests:act", args=[quests[2].pk]), {"action": "abandon"}).status_code == 302


def test_premium_has_no_limit(billing_on, owner, api, make_premium):
    make_premium(owner)
    at_limit(owner)
    assert api.post("/api/v1/quests", {"title": "Paint the shed"}).status_code == 201


def test_billing_off_has_no_limit_and_costs_no_billing_query(owner):
    at_limit(owner)
    with CaptureQueriesContext(connection) as queries:
        quest(owner, "Eleventh")
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "billing_" not in sql and "accounts_profile" not in sql
    assert services.open_count(owner) == 11


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_quests_at_once_take_the_last_place_once(billing_on, owner):
    [quest(owner, f"Quest {n}") for n in range(9)]
    errors = run_together([lambda n=n: quest(owner, f"At once {n}") for n in range(4)])
    assert [type(error) for error in errors] == [PlanLimitReached] * 3
    assert services.open_count(owner) == 10
