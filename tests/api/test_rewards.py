"""/me, /pet, /achievements, /xp-events (and /leaderboard): what the commit step earned."""

from __future__ import annotations

import datetime as dt

import pytest

from gamification.models import Achievement, PetEvent, UserAchievement, XPEvent
from gamification.services import pet_of
from habitstory.story.commit import commit
from habits import services as habit_services
from habits.models import Habit

from .conftest import TODAY, csrf_headers

pytestmark = pytest.mark.django_db

REWARD_URLS = ["/api/v1/me", "/api/v1/pet", "/api/v1/achievements", "/api/v1/leaderboard", "/api/v1/xp-events"]


def details(response) -> dict:
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    return response.json()["error"]["details"]


def tick(user, *, difficulty: str = "medium", on: dt.date = TODAY, name: str = "Read"):
    habit = habit_services.save_habit(Habit(user=user, name=name, start_date=TODAY, difficulty=difficulty))
    return commit(habit, on, "done")


def xp_event(user, amount: int, on: dt.date, source: str, reason: str = XPEvent.Reason.HABIT_DONE) -> XPEvent:
    return XPEvent.objects.create(user=user, amount=amount, reason=reason, source=source, on=on)


# --- /me --------------------------------------------------------------------------------------


def test_me_starts_at_level_1_with_an_egg(api, frozen):
    response = api.get("/api/v1/me")
    assert response.status_code == 200, response.content
    assert response.json()["data"] == {
        "xp": 0,
        "level": 1,
        "xp_into_level": 0,
        "xp_for_next_level": 150,
        "today_xp": 0,
        "pet": {"name": "Egg", "species": "fox", "level": 1, "stage": "egg", "mood": "new"},
        "pooled_learning": False,
    }


def test_me_after_a_tick_shows_the_design_xp(api, owner, frozen):
    Achievement.objects.update(active=False)  # only the tick's own XP
    tick(owner)  # medium, streak 1: round(10 × (1 + 0.5 × 1/21)) = 10
    data = api.get("/api/v1/me").json()["data"]
    assert (data["xp"], data["level"], data["xp_into_level"], data["xp_for_next_level"], data["today_xp"]) == (
        10, 1, 10, 150, 10,
    )
    assert data["pet"]["level"] == 1 and data["pet"]["stage"] == "egg"
    assert list(XPEvent.objects.values_list("reason", "amount")) == [("habit_done", 10)]


def test_me_counts_the_achievements_a_tick_unlocks(api, owner, frozen):
    tick(owner)  # 10 for the tick, 10 for "First step", 20 for "Perfect day" (its only habit)
    data = api.get("/api/v1/me").json()["data"]
    assert (data["xp"], data["today_xp"], data["xp_into_level"]) == (40, 40, 40)
    assert sorted(XPEvent.objects.values_list("reason", "amount")) == [
        ("achievement", 10), ("achievement", 20), ("habit_done", 10),
    ]


def test_me_crosses_a_level(api, owner, frozen):
    xp_event(owner, 170, TODAY - dt.timedelta(days=3), "test:1")
    from gamification.services import rebuild_xp

    rebuild_xp([owner])
    data = api.get("/api/v1/me").json()["data"]
    # 150 from level 1 to 2, then 160 from 2 to 3; yesterday's XP is not today's
    assert (data["xp"], data["level"], data["xp_into_level"], data["xp_for_next_level"], data["today_xp"]) == (
        170, 2, 20, 160, 0,
    )


# --- /pet -------------------------------------------------------------------------------------


def test_the_pet_with_its_history(api, owner, frozen):
    tick(owner, difficulty="hard")
    response = api.get("/api/v1/pet")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    pet = pet_of(owner)
    assert data == {
        "name": "Egg",
        "species": "fox",
        "xp": pet.xp,
        "level": 1,
        "stage": "egg",
        "mood": pet.mood,
        "created_at": "2026-03-04T12:00:00Z",
        "history": data["history"],
    }
    assert pet.xp == 50  # a hard tick at streak 1 (round(20.48) = 20), "First step" (10), "Perfect day" (20)
    kinds = [event["kind"] for event in data["history"]]
    assert kinds[-1] == "hatched" and set(data["history"][0]) == {"kind", "detail", "created_at"}


def test_the_pet_history_is_the_20_newest(api, owner, frozen):
    pet = pet_of(owner)
    PetEvent.objects.bulk_create(PetEvent(pet=pet, kind="mood", detail=f"event {n}") for n in range(30))
    history = api.get("/api/v1/pet").json()["data"]["history"]
    assert len(history) == 20
    assert history[0]["detail"] == "event 29" and history[-1]["detail"] == "event 10"


def test_a_new_user_gets_a_pet_on_first_read(api, owner, frozen):
    data = api.get("/api/v1/pet").json()["data"]
    assert (data["xp"], data["stage"], [e["kind"] for e in data["history"]]) == (0, "egg", ["hatched"])


# --- /achievements ----------------------------------------------------------------------------


def by_code(data: list[dict]) -> dict[str, dict]:
    return {item["code"]: item for item in data}


def test_achievements_list_every_active_definition_with_progress(api, owner, frozen):
    Achievement.objects.filter(code="level-50").update(active=False)
    tick(owner)
    response = api.get("/api/v1/achievements")
    assert response.status_code == 200, response.content
    items = by_code(response.json()["data"])
    assert list(items) == list(
        Achievement.objects.filter(active=True).order_by("position", "id").values_list("code", flat=True)
    )
    assert "level-50" not in items
    first = items["first-tick"]
    assert first == {
        "code": "first-tick",
        "name": "First step",
        "description": "Tick a habit for the first time.",
        "icon": "star",
        "kind": "first_tick",
        "threshold": 1,
        "xp_reward": 10,
        "unlocked": True,
        "unlocked_at": "2026-03-04T12:00:00Z",
        "progress": None,  # unlocked: no bar
    }
    assert (items["ticks-10"]["unlocked"], items["ticks-10"]["unlocked_at"]) == (False, None)
    assert items["ticks-10"]["progress"] == {"current": 1, "threshold": 10}
    assert items["streak-3"]["progress"] == {"current": 1, "threshold": 3}
    assert items["level-5"]["progress"] == {"current": 1, "threshold": 5}
    assert items["goal-1"]["progress"] == {"current": 0, "threshold": 1}
    assert items["perfect-week"]["progress"] is None  # no countable progress


def test_progress_is_capped_at_the_threshold(api, owner, frozen):
    Habit.objects.filter(pk=tick(owner).occurrence.habit_id).update(total_done=15)
    UserAchievement.objects.filter(user=owner).delete()  # pretend ticks-10 is still locked
    items = by_code(api.get("/api/v1/achievements").json()["data"])
    assert items["ticks-10"]["progress"] == {"current": 10, "threshold": 10}
    assert items["ticks-100"]["progress"] == {"current": 15, "threshold": 100}


def test_achievements_take_a_few_queries_however_many_there_are(api, owner, frozen, django_assert_max_num_queries):
    tick(owner)
    for n in range(30):
        Achievement.objects.create(code=f"extra-{n}", name=f"Extra {n}", description="", kind="total_ticks", threshold=n + 2)
    # auth (token + user) and throttle, definitions, unlocks, one count per rule kind (4)
    with django_assert_max_num_queries(10):
        assert api.get("/api/v1/achievements").status_code == 200


def test_another_users_unlocks_are_not_mine(api, stranger, frozen):
    tick(stranger)
    items = by_code(api.get("/api/v1/achievements").json()["data"])
    assert items["first-tick"]["unlocked"] is False
    assert items["first-tick"]["progress"] == {"current": 0, "threshold": 1}


# --- /leaderboard ----------------------------------------------------------------------------


def player(make_user, email: str, xp: int, *, name: str = "", opted_in: bool = True, on: dt.date = TODAY):
    user = make_user(email)
    user.profile.display_name = name
    user.profile.show_on_leaderboards = opted_in
    user.profile.save()
    if xp:
        xp_event(user, xp, on, f"test:{email}")
    return user


def test_the_weekly_board(api, owner, make_user, frozen):
    player(make_user, "ada@example.com", 120, name="Ada")
    bob = player(make_user, "bob@example.com", 80)  # no display name
    player(make_user, "cy@example.com", 80, name="Cy")
    player(make_user, "shy@example.com", 500, name="Shy", opted_in=False)  # not on boards
    player(make_user, "old@example.com", 900, name="Old", on=dt.date(2026, 3, 1))  # last week
    xp_event(owner, 50, dt.date(2026, 3, 2), "mine")  # owner: not opted in
    response = api.get("/api/v1/leaderboard")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["start"], data["end"]) == ("2026-03-02", "2026-03-08")  # Monday to Sunday
    assert data["rows"] == [
        {"rank": 1, "name": "Ada", "xp": 120, "is_you": False},
        {"rank": 2, "name": f"Player #{bob.pk}", "xp": 80, "is_you": False},
        {"rank": 2, "name": "Cy", "xp": 80, "is_you": False},
    ]
    assert data["you"] == {"rank": 4, "xp": 50, "listed": False, "opted_in": False, "name": f"Player #{owner.pk}"}
    assert "@" not in response.content.decode()  # never an e-mail address


def test_an_opted_in_user_is_listed_and_marked(api, owner, make_user, frozen):
    owner.profile.show_on_leaderboards = True
    owner.profile.display_name = "Me"
    owner.profile.save()
    xp_event(owner, 30, TODAY, "mine")
    player(make_user, "ada@example.com", 40, name="Ada")
    data = api.get("/api/v1/leaderboard").json()["data"]
    assert [(r["rank"], r["name"], r["is_you"]) for r in data["rows"]] == [(1, "Ada", False), (2, "Me", True)]
    assert data["you"] == {"rank": 2, "xp": 30, "listed": True, "opted_in": True, "name": "Me"}


def test_the_board_shows_the_top_50(api, owner, make_user, frozen):
    for n in range(52):
        player(make_user, f"p{n}@example.com", 10 + n, name=f"P{n}")
    data = api.get("/api/v1/leaderboard").json()["data"]
    assert len(data["rows"]) == 50
    assert (data["rows"][0]["name"], data["rows"][-1]["name"]) == ("P51", "P2")
    assert data["you"] == {"rank": 53, "xp": 0, "listed": False, "opted_in": False, "name": f"Player #{owner.pk}"}


# --- /xp-events -------------------------------------------------------------------------------


def test_the_ledger_defaults_to_the_last_30_days(api, owner, stranger, frozen):
    xp_event(owner, 10, TODAY, "a")
    xp_event(owner, -10, TODAY - dt.timedelta(days=29), "b", XPEvent.Reason.HABIT_UNDONE)
    xp_event(owner, 20, TODAY - dt.timedelta(days=30), "c")  # too old
    xp_event(stranger, 5, TODAY, "d")  # not mine
    response = api.get("/api/v1/xp-events")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert (data["from"], data["to"], data["total"]) == ("2026-02-03", "2026-03-04", 0)
    assert [(e["on"], e["amount"], e["reason"], e["source"]) for e in data["events"]] == [
        ("2026-02-03", -10, "habit_undone", "b"),
        ("2026-03-04", 10, "habit_done", "a"),
    ]
    assert set(data["events"][0]) == {"id", "on", "amount", "reason", "source", "created_at"}


def test_the_ledger_after_a_tick(api, owner, frozen):
    outcome = tick(owner)
    events = api.get("/api/v1/xp-events").json()["data"]["events"]
    assert {(e["reason"], e["amount"], e["source"]) for e in events} == {
        ("habit_done", 10, f"occurrence:{outcome.occurrence.pk}:1"),
        ("achievement", 10, f"achievement:first-tick:{owner.pk}"),
        ("achievement", 20, f"achievement:perfect-day:{owner.pk}"),
    }


def test_the_ledger_takes_a_range_of_up_to_a_year(api, owner, frozen):
    xp_event(owner, 7, dt.date(2025, 3, 4), "old")
    xp_event(owner, 8, dt.date(2025, 3, 3), "older")
    data = api.get("/api/v1/xp-events?from=2025-03-04&to=2026-03-04").json()["data"]
    assert [e["source"] for e in data["events"]] == ["old"]
    assert (data["from"], data["to"], data["total"]) == ("2025-03-04", "2026-03-04", 7)


@pytest.mark.parametrize(
    "query,field",
    [
        ("from=2025-03-03&to=2026-03-04", "from"),  # a year and a day
        ("from=2026-03-05&to=2026-03-04", "from"),
        ("from=2026-02-30", "from"),
        ("from=yesterday", "from"),
        ("to=2026-3-4", "to"),
        ("to=", "to"),
    ],
)
def test_a_bad_range_is_a_400_naming_the_parameter(api, frozen, query, field):
    assert list(details(api.get(f"/api/v1/xp-events?{query}"))) == [field]


# --- every endpoint ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", REWARD_URLS)
def test_no_credentials_is_a_401(anon, owner, frozen, url):
    response = anon.get(url)
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("url", REWARD_URLS)
def test_the_session_works(session_api, frozen, url):
    response = session_api.get(url)
    assert response.status_code == 200, response.content
    assert set(response.json()) == {"data", "meta"}


@pytest.mark.parametrize(("url", "method"), [
    (url, method) for url in REWARD_URLS for method in ["POST", "PUT", "PATCH", "DELETE"]
    if (url, method) != ("/api/v1/me", "PATCH")  # the pooled-learning setting (test_insights_api.py)
])
def test_the_rewards_are_read_only(api, frozen, url, method):
    response = api.request(method, url, {})
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"
    assert set(response["Allow"].split(", ")) == ({"GET", "PATCH"} if url == "/api/v1/me" else {"GET"})


def test_a_session_post_with_csrf_is_still_a_405(session_api, frozen):
    response = session_api.post("/api/v1/me", {}, **csrf_headers(session_api))
    assert response.status_code == 405
