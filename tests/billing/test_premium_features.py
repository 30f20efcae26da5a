"""Premium's features when billing is on: forecasts and what-if (the Insights page and the
API), the rabbit and the phoenix (the pet's species picker), the house cup history. Free
sees what they are and an upgrade card; billing off has them all."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.test import Client
from django.urls import reverse

from archetypes import houses
from archetypes.models import House
from gamification import pets
from gamification.models import Pet, XPEvent
from gamification.services import pet_of
from habitstory.api import services as token_services
from habitstory.insights import predictions, whatif
from tests.api.conftest import ApiClient

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 9, 12, tzinfo=dt.UTC)  # a Wednesday
TODAY = NOW.date()
PET = reverse("gamification:pet")
HISTORY = reverse("archetypes:cup_history")
_sources = itertools.count()


@pytest.fixture(autouse=True)
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def api(owner) -> ApiClient:
    return ApiClient(token_services.issue_token(owner, "tests")[1])


@pytest.fixture
def no_forecasting(monkeypatch):
    """Free must not even compute a forecast or a what-if."""
    def refuse(*args, **kwargs):
        raise AssertionError("computed for Free")

    monkeypatch.setattr(predictions, "forecast", refuse)
    monkeypatch.setattr(whatif, "what_if", refuse)


# --- forecasts and what-if ------------------------------------------------------------------------


def test_free_sees_statements_and_an_upgrade_card_instead_of_forecasts(billing_on, owner_client, no_forecasting):
    html = owner_client.get(reverse("insights:index")).content.decode()
    assert "Forecasts come with Premium." in html and "What-if comes with Premium." in html
    assert html.count(f'href="{reverse("billing:pricing")}"') >= 2
    assert "What your days show" in html and "Too little data yet" in html  # statements stay
    assert 'type="range"' not in html
    html = owner_client.get(reverse("insights:what-if"), {"sleep_hours": 8}).content.decode()
    assert "What-if comes with Premium." in html


def test_the_api_refuses_forecasts_and_what_if_on_free(billing_on, api, no_forecasting):
    response = api.get(f"/api/v1/insights/predictions/{TODAY}")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "plan_limit"
    assert response.json()["error"]["details"] == {"limit": 0, "used": 0, "kind": "forecasts"}
    response = api.post("/api/v1/insights/what-if", {"date": str(TODAY), "changes": {"sleep_hours": 8}})
    assert response.status_code == 403 and response.json()["error"]["details"]["kind"] == "what_if"
    assert api.get("/api/v1/insights/statements").status_code == 200


def test_premium_and_billing_off_have_forecasts(billing_on, owner, owner_client, api, make_premium, settings):
    make_premium(owner)
    for _ in ("premium", "billing off"):
        html = owner_client.get(reverse("insights:index")).content.decode()
        assert "come with Premium" not in html and "No forecast yet." in html
        assert api.get(f"/api/v1/insights/predictions/{TODAY}").status_code == 200
        asked = {"date": str(TODAY), "changes": {"sleep_hours": 8}}
        assert api.post("/api/v1/insights/what-if", asked).status_code == 200
        settings.STRIPE_SECRET_KEY = ""


# --- pet species ----------------------------------------------------------------------------------


def test_free_sees_the_premium_species_locked(billing_on, owner_client):
    html = owner_client.get(PET).content.decode()
    assert 'value="rabbit" disabled' in html and 'value="phoenix" disabled' in html
    assert 'value="owl" required' in html
    assert "The rabbit and the phoenix come with Premium." in html and reverse("billing:pricing") in html


def test_free_cannot_choose_a_premium_species(billing_on, owner, owner_client):
    response = owner_client.post(PET, {"name": "Bun", "species": "rabbit"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Extra pet species come with Premium." in html and 'value="Bun"' in html
    assert pets.pet_for(owner).species == Pet.Species.FOX


def test_a_premium_pet_keeps_its_species_after_a_downgrade(billing_on, owner, owner_client, make_premium):
    make_premium(owner)
    assert owner_client.post(PET, {"name": "Bun", "species": "rabbit"}).status_code == 302
    make_premium(owner, status="canceled")
    html = owner_client.get(PET).content.decode()
    assert 'value="rabbit" checked required' in html and 'value="phoenix" disabled' in html
    assert owner_client.post(PET, {"name": "Bunny", "species": "rabbit"}).status_code == 302  # a new name is fine
    assert owner_client.post(PET, {"name": "Bunny", "species": "phoenix"}).status_code == 200  # another: Premium's
    pet = Pet.objects.get(user=owner)
    assert (pet.name, pet.species) == ("Bunny", "rabbit")
    assert owner_client.post(PET, {"name": "Bunny", "species": "owl"}).status_code == 302
    assert 'value="rabbit" disabled' in owner_client.get(PET).content.decode()  # gone back: locked again


def test_billing_off_offers_every_species_without_a_query_for_it(owner, owner_client):
    pet = pet_of(owner)
    html = owner_client.get(PET).content.decode()
    assert "disabled" not in html and "come with Premium" not in html
    pets.rename_pet(pet, "Ash", "phoenix")
    assert Pet.objects.get(user=owner).species == "phoenix"


@pytest.mark.parametrize("species", ["rabbit", "phoenix"])
def test_the_new_species_are_drawn_at_every_stage_and_mood(owner_client, owner, species):
    pet = pet_of(owner)
    pets.rename_pet(pet, "Newbie", species)
    drawn = set()
    for stage, mood in itertools.product(Pet.Stage.values, Pet.Mood.values):
        Pet.objects.filter(pk=pet.pk).update(stage=stage, mood=mood)
        html = owner_client.get(PET).content.decode()
        start = html.index('<div class="pet-figure">')
        figure = html[start:html.index("</svg>", start)]
        assert f"pet pet-{species} pet-{stage} pet-mood-{mood}" in figure
        drawn.add(figure.replace(stage, "").replace(mood, ""))
    assert len(drawn) > 1
    fox = pets.drawing(Pet(name="x", species="fox", stage="adult", mood="happy"))
    mine = pets.drawing(Pet(name="x", species=species, stage="adult", mood="happy"))
    assert mine.species != fox.species and mine.mouth_dy == (5 if species == "phoenix" else 0)


# --- house cup history ----------------------------------------------------------------------------


@pytest.fixture
def two_houses():
    make = lambda slug, name: House.objects.create(  # noqa: E731
        slug=f"test-{slug}", name=name, motto="m", color="#112233", crest=f"archetypes/crests/{slug}.svg"
    )
    return make("ember", "Aaa Ember"), make("tide", "Bbb Tide")


def xp(user, amount, on):
    XPEvent.objects.create(user=user, amount=amount, reason="habit_done", source=f"test:{next(_sources)}", on=on)


@pytest.fixture
def ledger(make_user, owner, two_houses):
    ember, tide = two_houses
    other = make_user("other@example.com")
    houses.join(owner, ember, now=NOW - dt.timedelta(days=60))
    houses.join(other, tide, now=NOW - dt.timedelta(days=60))
    xp(owner, 30, dt.date(2026, 12, 1))  # last week (Monday 30 Nov – Sunday 6 Dec)
    xp(other, 50, dt.date(2026, 12, 6))
    xp(owner, 20, dt.date(2026, 11, 25))  # two weeks ago
    xp(owner, -5, dt.date(2026, 11, 26))  # an undo
    xp(other, 99, dt.date(2026, 12, 8))  # this week: not history
    return ember, tide


def test_cup_history_is_each_past_weeks_cup_from_the_ledger(ledger, django_assert_num_queries):
    ember, tide = ledger
    with django_assert_num_queries(1 + 3):  # the houses, then a week each
        history = houses.cup_history(now=NOW, weeks=3)
    last, before, quiet = history
    assert [(s.house, s.xp, s.rank) for s in last.standings[:2]] == [(tide, 50, 1), (ember, 30, 2)]
    assert [(s.house, s.xp) for s in before.standings[:2]] == [(ember, 15), (tide, 0)]  # net of the undo
    assert last.winners[0].house == tide and before.winners[0].house == ember and quiet.winners == []


def test_the_history_page_for_premium_and_billing_off(ledger, owner, owner_client, billing_on, make_premium, settings):
    make_premium(owner)
    for _ in ("premium", "billing off"):
        html = owner_client.get(HISTORY).content.decode()
        assert "Week of 30 Nov – 6 Dec 2026" in html and "Cup won by Bbb Tide." in html
        assert "Week of 23 Nov – 29 Nov 2026" in html and "Cup won by Aaa Ember." in html
        assert "No XP earned that week." in html and "come with Premium" not in html
        settings.STRIPE_SECRET_KEY = ""


def test_free_sees_an_upgrade_card_and_nothing_is_computed(ledger, billing_on, owner_client, monkeypatch):
    monkeypatch.setattr(houses, "cup_history", lambda **kwargs: pytest.fail("computed for Free"))
    html = owner_client.get(HISTORY).content.decode()
    assert "The house cup history comes with Premium." in html and reverse("billing:pricing") in html
    houses_page = owner_client.get(reverse("archetypes:houses")).content.decode()
    assert f'href="{HISTORY}"' in houses_page and '<span class="badge">Premium</span>' in houses_page


def test_the_houses_page_links_the_history(owner_client):
    html = owner_client.get(reverse("archetypes:houses")).content.decode()
    assert f'href="{HISTORY}">Past weeks' in html and '<span class="badge">Premium</span>' not in html


def test_the_history_page_asks_to_sign_in_and_takes_only_get(owner_client):
    assert "/login" in Client().get(HISTORY)["Location"]
    assert owner_client.post(HISTORY).status_code == 405
