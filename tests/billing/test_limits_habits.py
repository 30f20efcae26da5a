"""The Free plan's pillars and active habits, through the pages: a new pillar, a new habit
(blank or from the library), resuming, unarchiving and restoring refused past the limit
with what was typed kept and the upgrade link; a downgrade takes nothing away (ticking,
editing, pausing and archiving go on); Premium and billing off have no limits, and billing
off asks nothing of the database."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from habits import services
from habits.models import Habit, HabitTemplate, Occurrence, Pillar
from habitstory.billing import limits
from habitstory.billing.models import Kind
from tests.concurrency import run_together

from .free_limits import seeded_limits, set_limit  # noqa: F401 - autouse

pytestmark = pytest.mark.django_db
PRICING = 'href="/billing/pricing/"'


def messages_of(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]



def habits(user, count: int, **fields) -> list[Habit]:
    start = timezone.localdate() - dt.timedelta(days=10)
    with limits.lifted():
        return [services.save_habit(Habit(user=user, name=f"Habit {n}", start_date=start, **fields))
                for n in range(count)]


def pillars(user, count: int) -> list[Pillar]:
    return [Pillar.objects.create(user=user, name=f"Pillar {n}", position=n) for n in range(count)]


def new_habit(client, name: str = "Stretch", **extra):
    data = {"name": name, "schedule": "daily", "start_date": timezone.localdate().isoformat(), "kind": "yes_no",
            "difficulty": "medium", "priority": 2, **extra}
    return client.post("/habits/new/", data)


# --- pillars ---------------------------------------------------------------------------------


def test_a_new_pillar_past_the_limit_is_refused_keeping_what_was_typed(billing_on, owner_client, owner):
    pillars(owner, 3)
    response = owner_client.post("/habits/pillars/", {"name": "Garden", "color": "#2f9e6b", "icon": "sun"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "The Free plan allows 3 pillars; you have 3." in html and PRICING in html
    assert 'value="Garden"' in html and 'role="alert"' in html
    assert not Pillar.objects.filter(user=owner, name="Garden").exists()


def test_a_pillar_under_the_limit_is_added_and_renaming_one_is_never_refused(billing_on, owner_client, owner):
    first, _ = pillars(owner, 2)
    response = owner_client.post("/habits/pillars/", {"name": "Garden", "color": "#2f9e6b", "icon": "sun"})
    assert response.status_code == 302 and Pillar.objects.get(user=owner, name="Garden").position == 2
    response = owner_client.post(f"/habits/pillars/{first.pk}/", {"name": "Body", "color": "#2f9e6b",
                                                                       "icon": "heart"})
    assert response.status_code == 302 and Pillar.objects.filter(pk=first.pk, name="Body").exists()


# --- habits ----------------------------------------------------------------------------------


def test_a_new_habit_past_the_limit_is_refused_keeping_what_was_typed(billing_on, owner_client, owner):
    set_limit(Kind.HABITS, 2)
    habits(owner, 2)
    response = new_habit(owner_client, "Stretch", notes="after lunch")
    html = response.content.decode()
    assert response.status_code == 200
    assert "The Free plan allows 2 active habits; you have 2." in html and PRICING in html
    assert 'value="Stretch"' in html and "after lunch" in html
    assert "Please fix the fields marked below" not in html  # nothing is wrong with the fields
    assert not Habit.objects.filter(user=owner, name="Stretch").exists()


def test_paused_archived_and_deleted_habits_leave_room(billing_on, owner_client, owner):
    set_limit(Kind.HABITS, 2)
    paused, archived, deleted = habits(owner, 3)
    services.set_status(paused, Habit.Status.PAUSED)
    services.set_status(archived, Habit.Status.ARCHIVED)
    services.delete_habit(deleted)
    assert new_habit(owner_client, "One").status_code == 302
    assert new_habit(owner_client, "Two").status_code == 302
    assert new_habit(owner_client, "Three").status_code == 200
    assert sorted(Habit.objects.filter(user=owner, name__in=["One", "Two", "Three"]).values_list("name", flat=True)) \
        == ["One", "Two"]


def test_a_habit_from_a_template_in_a_new_pillar_counts_the_pillar_too(billing_on, owner_client, owner):
    pillars(owner, 3)
    template = HabitTemplate.objects.filter(active=True).exclude(pillar_name__in=["Pillar 0", "Pillar 1"]).first()
    response = new_habit(owner_client, template.name, template=template.slug, new_pillar="on",
                         **({"target_value": template.target_value, "unit": template.unit, "kind": template.kind}
                            if template.target_value else {}))
    html = response.content.decode()
    assert response.status_code == 200 and "The Free plan allows 3 pillars" in html and PRICING in html
    assert not Habit.objects.filter(user=owner, template=template).exists()
    assert Pillar.objects.filter(user=owner).count() == 3  # the pillar made for it went too


def test_resuming_or_unarchiving_past_the_limit_is_refused_with_the_link(billing_on, owner_client, owner):
    set_limit(Kind.HABITS, 1)
    active, paused, archived = habits(owner, 3)
    services.set_status(paused, Habit.Status.PAUSED)
    services.set_status(archived, Habit.Status.ARCHIVED)
    for habit in (paused, archived):
        response = owner_client.post(f"/habits/{habit.pk}/status/", {"status": "active"},
                                     HTTP_REFERER=f"http://testserver/habits/{habit.pk}/")
        assert response.status_code == 302 and response["Location"] == f"http://testserver/habits/{habit.pk}/"
        message = messages_of(response)[-1]
        assert "The Free plan allows 1 active habit; you have 1." in message and PRICING in message
        habit.refresh_from_db()
        assert habit.status != Habit.Status.ACTIVE
    paused.refresh_from_db()
    assert paused.pauses[-1][1] is None  # still paused, its pause still open


def test_restoring_an_active_habit_past_the_limit_is_refused_a_paused_one_is_not(billing_on, owner_client, owner):
    set_limit(Kind.HABITS, 1)
    _, active, paused = habits(owner, 3)
    services.set_status(paused, Habit.Status.PAUSED)
    services.delete_habit(active)
    services.delete_habit(paused)
    response = owner_client.post(f"/habits/{active.pk}/restore/", HTTP_REFERER="http://testserver/habits/deleted/")
    assert response.status_code == 302 and response["Location"] == "http://testserver/habits/deleted/"
    assert PRICING in messages_of(response)[0]
    assert Habit.objects.get(pk=active.pk).deleted_at is not None
    assert owner_client.post(f"/habits/{paused.pk}/restore/").status_code == 302
    assert Habit.objects.get(pk=paused.pk).deleted_at is None


def test_an_htmx_refusal_is_a_toast_and_the_page_stays(billing_on, owner_client, owner):
    set_limit(Kind.HABITS, 0)
    [habit] = habits(owner, 1, status=Habit.Status.PAUSED)
    response = owner_client.post(f"/habits/{habit.pk}/status/", {"status": "active"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
    assert PRICING in response.content.decode()


# --- a downgrade loses nothing ----------------------------------------------------------------


def test_after_a_downgrade_everything_stays_trackable_and_only_adding_waits(billing_on, owner_client, owner,
                                                                            make_premium):
    make_premium(owner)
    set_limit(Kind.HABITS, 3)
    mine = habits(owner, 5)
    pillars(owner, 4)
    assert new_habit(owner_client, "Premium's sixth").status_code == 302
    make_premium(owner, status="canceled")  # now Free, with 6 active habits of 3 and 4 pillars of 3
    first, second, third = mine[:3]
    today = owner.profile.local_today()
    assert owner_client.post(f"/habits/{first.pk}/log/{today.isoformat()}/", {"action": "done"}).status_code == 302
    assert Occurrence.objects.get(habit=first, on=today).status == Occurrence.Status.DONE
    edit = {"name": "Read more", "schedule": "daily", "start_date": first.start_date.isoformat(), "kind": "yes_no",
            "difficulty": "hard", "priority": 1}
    assert owner_client.post(f"/habits/{first.pk}/edit/", edit).status_code == 302
    assert Habit.objects.get(pk=first.pk).name == "Read more"
    for habit, status in ((second, "paused"), (third, "archived")):
        owner_client.post(f"/habits/{habit.pk}/status/", {"status": status})
        assert Habit.objects.get(pk=habit.pk).status == status
    assert owner_client.get("/habits/").status_code == 200
    # Adding waits until they are under the limit: 4 active now, still over 3.
    assert "The Free plan allows 3 active habits; you have 4." in new_habit(owner_client, "New").content.decode()
    assert owner_client.post(f"/habits/{second.pk}/status/", {"status": "active"}).status_code == 302
    assert Habit.objects.get(pk=second.pk).status == Habit.Status.PAUSED
    for habit in mine[3:]:
        services.set_status(habit, Habit.Status.ARCHIVED)
    assert new_habit(owner_client, "New").status_code == 302  # 2 active: room for one more


# --- no limits: Premium, billing off ----------------------------------------------------------


def test_premium_has_no_limits(billing_on, owner_client, owner, make_premium):
    make_premium(owner)
    habits(owner, 10)
    pillars(owner, 3)
    assert new_habit(owner_client, "Eleventh").status_code == 302
    assert owner_client.post("/habits/pillars/", {"name": "Fourth", "color": "#2f9e6b", "icon": "sun"}).status_code \
        == 302


def test_billing_off_has_no_limits_and_asks_nothing(owner_client, owner, django_assert_num_queries):
    habits(owner, 10)
    pillars(owner, 3)
    assert new_habit(owner_client, "Eleventh").status_code == 302
    assert owner_client.post("/habits/pillars/", {"name": "Fourth", "color": "#2f9e6b", "icon": "sun"}).status_code \
        == 302
    for kind in Kind.values:
        with django_assert_num_queries(0):
            limits.ensure_can_add(owner, kind, 1000)


# --- two at once ------------------------------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_new_habits_at_once_cannot_both_take_the_last_place(billing_on, owner):
    set_limit(Kind.HABITS, 3)
    habits(owner, 2)
    start = timezone.localdate()
    calls = [lambda n=n: services.save_habit(Habit(user=owner, name=f"At once {n}", start_date=start))
             for n in range(2)]
    errors = run_together(calls)
    assert [type(error) for error in errors] == [limits.PlanLimitReached]
    assert Habit.objects.filter(user=owner, status="active").count() == 3
