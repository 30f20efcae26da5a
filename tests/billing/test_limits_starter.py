"""The Free plan's limits on accepting a starter plan: the new habits, the pillars made for
them and the new quests are counted before anything is made; past any limit nothing is
made, and the result page says which limit with the upgrade link, the ticks kept. Items
the user already has take no room; Premium and billing off accept everything."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from archetypes import plans, services
from archetypes.models import Archetype, StarterHabit, StarterQuest
from habits import services as habit_services
from habits.models import Habit, Pillar
from habitstory.billing import limits
from habitstory.billing.limits import PlanLimitReached
from habitstory.billing.models import Kind
from quests.models import Quest
from tests.archetypes.conftest import TODAY, canonical_answers

from .free_limits import seeded_limits, set_limit  # noqa: F401 - autouse

pytestmark = pytest.mark.django_db



def accept_all(user, slug: str = "sage"):
    archetype = Archetype.objects.get(slug=slug)
    plan = plans.starter_plan(archetype)
    return plans.accept(user, archetype, habit_ids=[item.pk for item in plan.habits],
                        quest_ids=[item.pk for item in plan.quests], today=TODAY)


def made(user) -> tuple[int, int, int]:
    return (Pillar.objects.filter(user=user).count(), Habit.objects.filter(user=user).count(),
            Quest.objects.filter(user=user).count())


@pytest.mark.parametrize(("kind", "limit"), [(Kind.HABITS, 3), (Kind.QUESTS, 1), (Kind.PILLARS, 0)])
def test_past_any_limit_nothing_is_made(billing_on, owner, kind, limit):
    set_limit(kind, limit)
    with pytest.raises(PlanLimitReached) as refused:
        accept_all(owner)  # the sage's: 4 habits in a new pillar (Mind), 2 quests
    assert refused.value.details == {"limit": limit, "used": 0, "kind": kind}
    assert made(owner) == (0, 0, 0)


def test_a_pillar_the_user_has_takes_no_room_and_neither_do_items_already_theirs(billing_on, owner):
    set_limit(Kind.PILLARS, 1)
    Pillar.objects.create(user=owner, name="mind")  # the template's pillar, in another case
    set_limit(Kind.HABITS, 4)
    set_limit(Kind.QUESTS, 2)
    accepted = accept_all(owner)
    assert (len(accepted.habits), len(accepted.quests)) == (4, 2)
    again = accept_all(owner)  # all already theirs: nothing to add, nothing refused
    assert again.habits == [] and len(again.already) == 6


def test_the_result_page_says_which_limit_and_keeps_the_ticks(billing_on, owner_client, owner):
    services.assign(owner, canonical_answers("sage"))
    set_limit(Kind.HABITS, 1)
    start = timezone.localdate() - dt.timedelta(days=3)
    with limits.lifted():
        habit_services.save_habit(Habit(user=owner, name="Mine", start_date=start))
    archetype = Archetype.objects.get(slug="sage")
    habits = list(StarterHabit.objects.filter(archetype=archetype))
    quests = list(StarterQuest.objects.filter(archetype=archetype))
    response = owner_client.post("/archetypes/result/accept/", {"habits": [habits[0].pk],
                                                                "quests": [quests[0].pk]})
    html = response.content.decode()
    assert response.status_code == 200 and 'role="alert"' in html
    assert "The Free plan allows 1 active habit; you have 1." in html and 'href="/billing/pricing/"' in html
    assert re.search(rf'name="habits" value="{habits[0].pk}"[^>]* checked', html)
    assert made(owner) == (0, 1, 0)


def test_premium_and_billing_off_accept_everything(settings, billing_on, owner, stranger, make_premium):
    set_limit(Kind.HABITS, 1)
    make_premium(owner)
    assert len(accept_all(owner).habits) == 4
    settings.STRIPE_SECRET_KEY = ""  # billing off
    assert len(accept_all(stranger).habits) == 4
