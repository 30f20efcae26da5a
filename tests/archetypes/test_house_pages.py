"""House pages (the houses and the cup, a house's page, changing house) and the
leaderboard's house scope and cup card."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.test import Client

from archetypes import houses
from archetypes.models import House, Membership
from gamification.models import XPEvent

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 9, 12, 0, tzinfo=dt.UTC)  # a Wednesday
ON = dt.date(2026, 12, 8)
HOUSES = "/archetypes/houses/"
CHANGE = "/archetypes/houses/change/"
BOARD = "/rewards/leaderboard/"
_sources = itertools.count()


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def ember():
    return House.objects.create(
        slug="test-ember", name="Aaa Ember", motto="Keep the fire lit", color="#cc3300",
        crest="archetypes/crests/ember.svg", description="Those who start early.",
    )


@pytest.fixture
def tide():
    return House.objects.create(
        slug="test-tide", name="Bbb Tide", motto="Steady as the sea", color="#0033cc", crest="archetypes/crests/tide.svg"
    )


def member(make_user, email, house, *, name="", opted_in=True, joined=NOW - dt.timedelta(days=30), xp=0):
    user = make_user(email)
    user.profile.display_name, user.profile.show_on_leaderboards = name, opted_in
    user.profile.save()
    houses.join(user, house, now=joined)
    if xp:
        XPEvent.objects.create(user=user, amount=xp, reason="habit_done", source=f"test:{next(_sources)}", on=ON)
    return user


def url(house):
    return f"/archetypes/houses/{house.slug}/"


# --- the houses and a house's page -----------------------------------------------------------


def test_it_lists_the_houses_with_this_weeks_cup(now, owner, owner_client, make_user, ember, tide):
    houses.join(owner, tide, now=NOW - dt.timedelta(days=30))
    member(make_user, "a@example.com", ember, xp=40)
    member(make_user, "b@example.com", tide, xp=15)
    html = owner_client.get(HOUSES).content.decode()
    assert html.index("Aaa Ember") < html.index("Bbb Tide")
    assert "Your house" in html and "40" in html and "15" in html
    assert "You are not in a house yet" not in html


def test_the_houses_page_tells_a_user_without_a_house_how_to_join(now, owner_client, ember):
    html = owner_client.get(HOUSES).content.decode()
    assert "You are not in a house yet" in html and "Take the quiz" in html


def test_a_house_page_shows_crest_motto_members_xp_and_rank(now, owner, owner_client, make_user, ember, tide):
    member(make_user, "a@example.com", ember, xp=40)
    member(make_user, "b@example.com", ember, xp=2)
    member(make_user, "c@example.com", tide, xp=100)
    response = owner_client.get(url(ember))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'src="/static/archetypes/crests/ember.svg"' in html
    assert "Keep the fire lit" in html and "Those who start early." in html
    assert "<dt>Members</dt><dd>2</dd>" in html
    assert "<dt>XP this week</dt><dd>42</dd>" in html
    assert "<dt>House cup rank</dt><dd>#2</dd>" in html
    assert "Change house" not in html  # the owner has no house


def test_an_unknown_house_is_a_404_and_the_pages_want_a_login(now, owner_client, ember):
    assert Client().get(url(ember)).status_code == 302
    assert Client().get(HOUSES).status_code == 302
    assert owner_client.get("/archetypes/houses/nowhere/").status_code == 404
    assert owner_client.post(url(ember)).status_code == 405
    assert owner_client.post(HOUSES).status_code == 405


@pytest.mark.parametrize("members", [5, 50])
def test_a_house_page_costs_the_same_queries_however_many_members(
    now, members, owner, owner_client, make_user, ember, tide, django_assert_num_queries
):
    houses.join(owner, ember, now=NOW - dt.timedelta(days=30))
    for index in range(members):
        member(make_user, f"m{index}@example.com", [ember, tide][index % 2], xp=index + 1)
    owner_client.get(url(ember))  # the cup is computed (houses.cup's own test counts it), then cached
    # Session, user; the house; the viewer's membership; the form's houses.
    with django_assert_num_queries(5):
        owner_client.get(url(ember))
    with django_assert_num_queries(3):  # session, user; the viewer's house
        owner_client.get(HOUSES)


# --- changing house --------------------------------------------------------------------------


def test_a_member_sees_the_change_form_and_the_weekly_rule(now, owner, owner_client, ember, tide):
    houses.join(owner, ember, now=NOW - dt.timedelta(days=30))
    html = owner_client.get(url(ember)).content.decode()
    assert "Change house" in html and "once a week" in html
    assert 'value="test-tide"' in html and 'value="test-ember"' not in html


def test_a_member_changes_house(now, owner, owner_client, ember, tide):
    houses.join(owner, ember, now=NOW - dt.timedelta(days=30))
    response = owner_client.post(CHANGE, {"house": "test-tide"})
    assert response.status_code == 302 and response["Location"] == url(tide)
    membership = Membership.objects.get(user=owner)
    assert membership.house == tide and membership.changed_at == NOW


def test_a_second_change_within_the_week_is_refused_and_says_when(now, owner, owner_client, ember, tide):
    houses.join(owner, ember, now=NOW - dt.timedelta(days=3))
    html = owner_client.get(url(ember)).content.decode()
    assert "Your next change is possible from" in html and "disabled" in html
    response = owner_client.post(CHANGE, {"house": "test-tide"})
    assert response.status_code == 400
    assert "You can change house once a week: next from" in response.content.decode()
    assert Membership.objects.get(user=owner).house == ember


@pytest.mark.parametrize("data", [{}, {"house": "nowhere"}, {"house": "test-ember"}])
def test_a_bad_choice_names_the_field(now, owner, owner_client, ember, tide, data):
    houses.join(owner, ember, now=NOW - dt.timedelta(days=30))
    response = owner_client.post(CHANGE, data)
    assert response.status_code == 400
    assert 'id="field-house"' in response.content.decode() and "errorlist" in response.content.decode()
    assert Membership.objects.get(user=owner).changed_at is None


def test_changing_needs_a_house_and_a_post(now, owner_client, ember):
    response = owner_client.post(CHANGE, {"house": "test-ember"}, follow=True)
    assert "Take the quiz to join a house first." in response.content.decode()
    assert not Membership.objects.exists()
    assert owner_client.get(CHANGE).status_code == 405


# --- the leaderboard's house scope and the cup card -----------------------------------------------


def test_the_house_board_lists_only_opted_in_members_of_the_viewers_house(
    now, owner, owner_client, make_user, ember, tide
):
    houses.join(owner, ember, now=NOW - dt.timedelta(days=30))
    member(make_user, "a@example.com", ember, name="Ada", xp=30)
    member(make_user, "h@example.com", ember, name="Hidden", opted_in=False, xp=90)
    member(make_user, "t@example.com", tide, name="Tidal", xp=50)
    html = owner_client.get(BOARD + "?scope=house").content.decode()
    assert '<th scope="row">Ada</th>' in html
    assert "Hidden" not in html and '<th scope="row">Tidal</th>' not in html
    assert "Top 50 in Aaa Ember" in html
    everyone = owner_client.get(BOARD).content.decode()
    assert '<th scope="row">Tidal</th>' in everyone and '<th scope="row">Ada</th>' in everyone


def test_the_house_board_tells_a_user_without_a_house(now, owner_client, make_user, ember):
    member(make_user, "a@example.com", ember, name="Ada", xp=30)
    response = owner_client.get(BOARD + "?scope=house")
    html = response.content.decode()
    assert response.status_code == 200
    assert "You are not in a house yet" in html and '<th scope="row">Ada</th>' not in html


def test_the_leaderboard_shows_the_house_cup(now, owner, owner_client, make_user, ember, tide):
    houses.join(owner, tide, now=NOW - dt.timedelta(days=30))
    member(make_user, "a@example.com", ember, xp=30)
    html = owner_client.get(BOARD).content.decode()
    cup = html[html.index('id="house-cup-title"'):]
    assert cup.index("Aaa Ember") < cup.index("Bbb Tide") and "30 XP" in cup
    assert "Your house" in cup
