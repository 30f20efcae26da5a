"""archetypes.houses: joining, changing house once a week, the weekly house cup."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import time_machine

from archetypes import houses
from archetypes.models import House, Membership
from gamification.models import XPEvent

pytestmark = pytest.mark.django_db

UTC = dt.UTC
_sources = itertools.count()


@pytest.fixture
def two_houses():
    make = lambda slug, name: House.objects.create(  # noqa: E731
        slug=f"test-{slug}", name=name, motto="m", color="#112233", crest=f"archetypes/crests/{slug}.svg"
    )
    return make("ember", "Aaa Ember"), make("tide", "Bbb Tide")


def person(make_user, email, house=None, *, zone="UTC", week_start=0, day_start=0, now=None):
    user = make_user(email)
    profile = user.profile
    profile.timezone, profile.week_start, profile.day_start_hour = zone, week_start, day_start
    profile.save()
    if house is not None:
        houses.join(user, house, now=now or dt.datetime(2026, 11, 1, tzinfo=UTC))
    return user


def xp(user, amount, on):
    XPEvent.objects.create(user=user, amount=amount, reason="habit_done", source=f"test:{next(_sources)}", on=on)


def standing(house, now=None):
    return houses.standing_of(house, houses.cup(now=now))


def test_join_makes_the_first_house_and_keeps_it(make_user, two_houses):
    ember, tide = two_houses
    user = make_user("a@example.com")
    now = dt.datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert houses.house_of(user) is None
    first = houses.join(user, ember, now=now)
    again = houses.join(user, tide, now=now + dt.timedelta(days=30))
    assert first.pk == again.pk and houses.house_of(user) == ember
    assert Membership.objects.get(user=user).joined_at == now
    assert houses.members_count(ember) == 1 and houses.members_count(tide) == 0


def test_change_house_at_most_once_a_week(make_user, two_houses):
    ember, tide = two_houses
    joined = dt.datetime(2026, 12, 1, 9, tzinfo=UTC)
    user = person(make_user, "a@example.com", ember, now=joined)
    with pytest.raises(houses.HouseChangeTooSoon) as too_soon:
        houses.change_house(user, tide, now=joined + dt.timedelta(days=6, hours=23))
    assert too_soon.value.next_allowed == joined + dt.timedelta(days=7)
    assert houses.house_of(user) == ember

    moved = joined + dt.timedelta(days=7)
    houses.change_house(user, tide, now=moved)
    assert houses.house_of(user) == tide
    with pytest.raises(houses.HouseChangeTooSoon) as again:
        houses.change_house(user, ember, now=moved + dt.timedelta(days=3))
    assert again.value.next_allowed == moved + dt.timedelta(days=7)
    houses.change_house(user, ember, now=moved + dt.timedelta(days=7))
    assert houses.house_of(user) == ember


def test_choosing_your_own_house_changes_nothing(make_user, two_houses):
    ember, _ = two_houses
    joined = dt.datetime(2026, 12, 1, 9, tzinfo=UTC)
    user = person(make_user, "a@example.com", ember, now=joined)
    houses.change_house(user, ember, now=joined + dt.timedelta(hours=1))
    assert Membership.objects.get(user=user).changed_at is None


def test_change_house_without_a_house_is_refused(make_user, two_houses):
    with pytest.raises(houses.NoHouse):
        houses.change_house(make_user("a@example.com"), two_houses[0])


def test_cup_counts_each_members_own_week_across_a_week_boundary(make_user, two_houses):
    """Sunday 6 Dec 2026 20:00 UTC: Monday 09:00 in Auckland (their week began on the 7th),
    Sunday noon in Los Angeles (their week is 30 Nov to 6 Dec), and a Sunday-start user in
    UTC began a new week on the 6th."""
    ember, tide = two_houses
    now = dt.datetime(2026, 12, 6, 20, tzinfo=UTC)
    kiwi = person(make_user, "kiwi@example.com", ember, zone="Pacific/Auckland")
    angeleno = person(make_user, "la@example.com", tide, zone="America/Los_Angeles")
    sunday = person(make_user, "sun@example.com", tide, week_start=6)

    xp(kiwi, 10, dt.date(2026, 12, 6))  # Auckland's last week
    xp(kiwi, 5, dt.date(2026, 12, 7))  # Auckland's this week
    xp(angeleno, 7, dt.date(2026, 12, 6))  # LA's this week (its last day)
    xp(angeleno, 7, dt.date(2026, 11, 30))  # LA's this week (its first day)
    xp(angeleno, 100, dt.date(2026, 11, 29))  # LA's last week
    xp(sunday, 3, dt.date(2026, 12, 6))  # the Sunday-start user's first day
    xp(sunday, 50, dt.date(2026, 12, 5))  # their last week

    assert standing(ember, now).xp == 5
    assert standing(tide, now).xp == 7 + 7 + 3
    with time_machine.travel(now, tick=False):
        assert standing(ember).xp == 5

    # Thirteen hours later it is Monday 01:00 in Los Angeles: a new week there, nothing earned yet.
    later = now + dt.timedelta(hours=13)
    assert standing(tide, later).xp == 3


def test_cup_sums_only_this_weeks_xp_net_of_undos(make_user, two_houses):
    ember, _ = two_houses
    now = dt.datetime(2026, 12, 9, 12, tzinfo=UTC)  # a Wednesday
    user = person(make_user, "a@example.com", ember)
    xp(user, 20, dt.date(2026, 12, 7))
    xp(user, -5, dt.date(2026, 12, 8))  # an undo
    xp(user, 40, dt.date(2026, 12, 6))  # last week
    xp(user, 40, dt.date(2026, 12, 14))  # next week (never happens, never counted)
    assert standing(ember, now).xp == 15


def test_day_start_hour_keeps_the_small_hours_in_yesterday(make_user, two_houses):
    ember, _ = two_houses
    now = dt.datetime(2026, 12, 7, 1, 30, tzinfo=UTC)  # Monday 01:30; a 2 a.m. day start: still Sunday
    user = person(make_user, "a@example.com", ember, day_start=2)
    xp(user, 9, dt.date(2026, 12, 6))
    xp(user, 4, dt.date(2026, 11, 30))
    assert standing(ember, now).xp == 13


def test_cup_ranks_houses_ties_share_a_rank_and_go_by_name(make_user, two_houses):
    ember, tide = two_houses
    grove = House.objects.create(slug="test-grove", name="Ccc Grove", motto="m", color="#112233", crest="x.svg")
    now = dt.datetime(2026, 12, 9, 12, tzinfo=UTC)
    for index, house in enumerate([ember, tide, grove]):
        user = person(make_user, f"u{index}@example.com", house)
        xp(user, 30 if house != grove else 50, dt.date(2026, 12, 8))
    person(make_user, "idle@example.com", tide)
    standings = [s for s in houses.cup(now=now) if s.house.slug.startswith("test-")]
    assert [(s.house.name, s.xp, s.rank, s.members) for s in standings] == [
        ("Ccc Grove", 50, 1, 1),
        ("Aaa Ember", 30, 2, 1),
        ("Bbb Tide", 30, 2, 2),
    ]


def test_cup_is_two_queries_then_cached_until_a_change_of_house(
    make_user, two_houses, django_assert_num_queries, django_capture_on_commit_callbacks
):
    ember, tide = two_houses
    now = dt.datetime(2026, 12, 9, 12, tzinfo=UTC)
    users = []
    for index in range(6):
        users.append(person(make_user, f"u{index}@example.com", [ember, tide][index % 2]))
        xp(users[-1], 5, dt.date(2026, 12, 8))
    with django_assert_num_queries(2):  # the houses, the totals
        houses.cup(now=now)
    with time_machine.travel(now, tick=False):
        assert houses.standing_of(ember, houses.cup()).members == 3
        with django_assert_num_queries(0):
            houses.cup()
        with django_assert_num_queries(1):  # the viewer's house
            assert [s.house for s in houses.cup(viewer=users[1]) if s.yours] == [tide]
        xp(users[0], 100, dt.date(2026, 12, 8))
        assert houses.standing_of(ember, houses.cup()).xp == 15  # up to a minute old
        with django_capture_on_commit_callbacks(execute=True):
            houses.change_house(users[0], tide, now=now)
    with time_machine.travel(now, tick=False):
        assert houses.standing_of(tide, houses.cup()).members == 4
        assert houses.standing_of(tide, houses.cup()).xp == 15 + 105  # their week's XP moved with them
