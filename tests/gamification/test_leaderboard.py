"""The weekly leaderboard: who is on it, which week, ranks and ties, the viewer's own place,
and that it costs the same few queries however many players there are."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from gamification import leaderboard
from gamification.models import XPEvent

pytestmark = pytest.mark.django_db

URL = "/rewards/leaderboard/"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)  # a Wednesday
WEEK = [dt.date(2026, 11, 23) + dt.timedelta(days=n) for n in range(7)]  # Monday to Sunday
_sources = itertools.count()


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def player(make_user):
    def make(email: str, display_name: str = "", opted_in: bool = True, **profile):
        user = make_user(email)
        for field, value in {"display_name": display_name, "show_on_leaderboards": opted_in, **profile}.items():
            setattr(user.profile, field, value)
        user.profile.save()
        return user

    return make


def earn(user, amount: int, on: dt.date = WEEK[1]) -> XPEvent:
    return XPEvent.objects.create(user=user, amount=amount, reason="habit_done", source=f"test:{next(_sources)}", on=on)


def board_of(user, **kwargs) -> dict:
    user.profile.refresh_from_db()
    return leaderboard.weekly(user, **kwargs)


def ranked(board) -> list[tuple[int, str, int]]:
    return [(row["rank"], row["name"], row["xp"]) for row in board["rows"]]


# --- who is on the board ------------------------------------------------------------------------


def test_it_ranks_opted_in_players_by_this_weeks_xp(now, owner, player):
    owner.profile.display_name, owner.profile.show_on_leaderboards = "Owner", True
    owner.profile.save()
    alice = player("alice@example.com", "Alice")
    nameless = player("nameless@example.com")
    carol = player("carol@example.com", "Carol", opted_in=False)
    earn(owner, 30)
    earn(alice, 20), earn(alice, 30, on=WEEK[2])
    earn(nameless, 45), earn(nameless, -5)
    earn(carol, 100)
    earn(alice, 500, on=WEEK[0] - dt.timedelta(days=1))  # last week

    board = board_of(owner)

    assert ranked(board) == [(1, "Alice", 50), (2, f"Player #{nameless.pk}", 40), (3, "Owner", 30)]
    assert [row["is_you"] for row in board["rows"]] == [False, False, True]
    assert board["you"] == {"rank": 3, "xp": 30, "listed": True, "opted_in": True, "name": "Owner"}
    assert (board["start"], board["end"]) == (WEEK[0], WEEK[-1])


def test_a_player_who_did_not_opt_in_never_appears_on_others_boards(now, owner_client, owner, player):
    hidden = player("hidden@example.com", "Hidden Hero", opted_in=False)
    viewer = player("viewer@example.com", "Viewer")
    earn(hidden, 900)
    earn(viewer, 10)

    for user in (owner, viewer):
        assert all(row["user_id"] != hidden.pk for row in board_of(user)["rows"])
    html = owner_client.get(URL).content.decode()
    assert "Hidden Hero" not in html
    assert "hidden@example.com" not in html and "viewer@example.com" not in html
    # They still see their own place: where they would be.
    own = board_of(hidden)
    assert own["you"] == {"rank": 1, "xp": 900, "listed": False, "opted_in": False, "name": "Hidden Hero"}
    assert [row["name"] for row in own["rows"]] == ["Viewer"]


def test_players_without_net_xp_this_week_are_not_listed(now, owner, player):
    zero = player("zero@example.com", "Zero")
    earn(zero, 10), earn(zero, -10)
    player("idle@example.com", "Idle")
    assert board_of(owner)["rows"] == []


def test_the_page_shows_the_board_and_marks_the_viewer(now, owner_client, owner, player):
    owner.profile.show_on_leaderboards = True
    owner.profile.save()
    earn(player("alice@example.com", "Alice"), 50)
    earn(owner, 20)

    response = owner_client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Mon 23 Nov" in html and "Sun 29 Nov" in html
    assert '<th scope="row">Alice</th>' in html
    assert f'<th scope="row">Player #{owner.pk} <span class="badge badge-primary">You</span></th>' in html
    assert "<dt>Your rank</dt><dd>#2</dd>" in html
    assert "Set a display name" in html
    assert "owner@example.com" not in html[html.index("<main"):]


def test_the_page_tells_someone_not_opted_in_how_to_join(now, owner_client, owner, player):
    earn(player("alice@example.com", "Alice"), 50)
    earn(owner, 70)
    html = owner_client.get(URL).content.decode()
    assert "<dt>Your rank</dt><dd>#1</dd>" in html
    assert "<dt>XP this week</dt><dd>70</dd>" in html
    assert 'href="/profile/#id_show_on_leaderboards"' in html
    assert "Player #" not in html  # the viewer is not on the board


# --- which week -------------------------------------------------------------------------------


@pytest.mark.parametrize(("now_utc", "profile", "start", "xp"), [
    # Sunday 23:30 in London (UTC in November): the week of Monday 16 November.
    (dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC), {}, dt.date(2026, 11, 16), 1 + 2),
    # The same instant is Monday 12:30 in Auckland: the new week has begun.
    (dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC), {"timezone": "Pacific/Auckland"}, dt.date(2026, 11, 23), 4),
    # Weeks that start on Sunday: Sunday 22 to Saturday 28.
    (dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC), {"week_start": 6}, dt.date(2026, 11, 22), 2 + 4),
    # Monday 01:30 with a 2 a.m. day start still belongs to Sunday, so to last week.
    (dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC), {"day_start_hour": 2}, dt.date(2026, 11, 16), 1 + 2),
])
def test_the_week_is_the_viewers_own(time_machine, player, now_utc, profile, start, xp):
    time_machine.move_to(now_utc, tick=False)
    viewer = player("viewer@example.com", "Viewer", opted_in=False, **profile)
    other = player("other@example.com", "Other")
    for amount, on in [(1, dt.date(2026, 11, 16)), (2, dt.date(2026, 11, 22)), (4, dt.date(2026, 11, 23)),
                       (8, dt.date(2026, 11, 15)), (16, dt.date(2026, 11, 30))]:
        earn(other, amount, on=on)

    board = board_of(viewer)

    assert (board["start"], board["end"]) == (start, start + dt.timedelta(days=6))
    assert ranked(board) == [(1, "Other", xp)]


# --- ranks, ties and the viewer's own place --------------------------------------------------


def test_the_viewer_sees_their_place_outside_the_top_50(now, owner, player, django_assert_num_queries):
    owner.profile.show_on_leaderboards = True
    owner.profile.save()
    for i in range(55):
        earn(player(f"p{i}@example.com", f"P{i}"), 100 + i)
    earn(owner, 60), earn(owner, 5)

    owner.profile.refresh_from_db()
    with django_assert_num_queries(2):  # the top 50, then the viewer's place
        board = leaderboard.weekly(owner)

    assert len(board["rows"]) == 50
    assert ranked(board)[0] == (1, "P54", 154) and ranked(board)[-1] == (50, "P5", 105)
    assert board["you"] == {"rank": 56, "xp": 65, "listed": False, "opted_in": True, "name": f"Player #{owner.pk}"}


def test_a_listed_viewer_costs_one_query(now, owner, player, django_assert_num_queries):
    owner.profile.show_on_leaderboards = True
    owner.profile.save()
    earn(player("alice@example.com", "Alice"), 50)
    earn(owner, 80)
    owner.profile.refresh_from_db()
    with django_assert_num_queries(1):
        board = leaderboard.weekly(owner)
    assert board["you"]["rank"] == 1 and board["you"]["listed"]


def test_ties_share_a_rank_and_are_listed_by_who_got_there_first(time_machine, player):
    time_machine.move_to(NOW, tick=False)
    top, b, c, d, low = (player(f"{n}@example.com", n.upper()) for n in ["top", "b", "c", "d", "low"])
    earn(top, 60), earn(low, 40)
    earn(d, 50)  # d reaches 50 first
    time_machine.move_to(NOW + dt.timedelta(minutes=5), tick=False)
    earn(c, 50), earn(b, 20), earn(b, 30)  # then b and c at the same moment: by id, b first

    board = board_of(low)

    assert ranked(board) == [(1, "TOP", 60), (2, "D", 50), (2, "B", 50), (2, "C", 50), (5, "LOW", 40)]
    assert board_of(low) == board  # the same order every time
    # A tied viewer cut off by the limit keeps the rank they share.
    cut = board_of(c, limit=3)
    assert [row["name"] for row in cut["rows"]] == ["TOP", "D", "B"]
    assert cut["you"] == {"rank": 2, "xp": 50, "listed": False, "opted_in": True, "name": "C"}


def test_the_page_costs_the_same_queries_for_few_or_many_players(
    now, owner_client, owner, player, django_assert_max_num_queries, django_assert_num_queries,
):
    earn(player("alice@example.com", "Alice"), 50)
    earn(owner, 10)
    owner_client.get(URL)
    # Session, user, profile; the top 50; the viewer's place.
    with django_assert_max_num_queries(5) as few:
        owner_client.get(URL)
    for i in range(55):
        earn(player(f"p{i}@example.com", f"P{i}"), 20 + i)
    with django_assert_num_queries(len(few)):
        response = owner_client.get(URL)
    assert response.content.decode().count('<th scope="row">') == 50


def test_it_has_no_other_scope_yet(owner):
    with pytest.raises(ValueError, match="scope"):
        leaderboard.weekly(owner, scope="house:1")
