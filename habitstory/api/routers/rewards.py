"""/me, /pet, /achievements, /leaderboard, /xp-events: what the commit step has earned you.
Read-only (but for /me's pooled-learning setting); the numbers come from gamification (the
ledger, rules.level_for, the pet, achievements.progress), never recomputed here."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router

from gamification import achievements as achievement_rules
from gamification import leaderboard
from gamification.models import Achievement, PetEvent, UserAchievement, XPEvent
from gamification.services import pet_of, xp_summary
from habitstory.accounts.models import Profile
from habitstory.insights import state
from habitstory.story.facts import progress_facts

from ..auth import user_of
from ..envelope import invalid, ok, responses
from ..fields import DayText
from ..insight_schemas import MePatch
from ..schemas import AchievementOut, LeaderboardOut, MeOut, PetOut, XPEventRange
from .habits import _years_before, parse_day

router = Router(tags=["rewards"])

PET_HISTORY = 20
BOARD_SIZE = 50
DEFAULT_XP_DAYS = 30
MAX_XP_YEARS = 1


def _pet_summary(pet) -> dict:
    return {"name": pet.name, "species": pet.species, "level": pet.level, "stage": pet.stage, "mood": pet.mood}


def _me(user) -> dict:
    xp = xp_summary(user.profile)
    return {
        "xp": xp["total"],
        "level": xp["level"],
        "xp_into_level": xp["into"],
        "xp_for_next_level": xp["need"],
        "today_xp": xp["today"],
        "pet": _pet_summary(pet_of(user)),
        "pooled_learning": user.profile.pooled_learning,
    }


@router.get("/me", response=responses(MeOut), summary="Your XP, level and pet")
def read_me(request: HttpRequest):
    """Your XP total and level (docs/rules.md: level L to L + 1 takes
    round((0.25 L² + 10 L + 139.75) ÷ 10) × 10 XP), today's XP, your pet, and whether you
    take part in pooled learning."""
    return ok(_me(user_of(request)))


@router.patch("/me", response=responses(MeOut, body=True), summary="Change your settings")
def update_me(request: HttpRequest, payload: MePatch):
    """`{"pooled_learning": true}` lets your check-ins help train the pooled model (no
    names, no notes), which forecasts for you until you have 60 labelled days; false (the
    default) keeps your data to your own models. A change drops your cached forecasts."""
    user = user_of(request)
    if payload.pooled_learning is not None and payload.pooled_learning != user.profile.pooled_learning:
        Profile.objects.filter(user=user).update(pooled_learning=payload.pooled_learning, updated_at=timezone.now())
        user.profile.pooled_learning = payload.pooled_learning
        state.data_changed(user.pk)  # the pooled model learns from them (or no longer), forecasts change
    return ok(_me(user))


@router.get("/pet", response=responses(PetOut), summary="Your pet")
def read_pet(request: HttpRequest):
    """It grows with your XP through stages; its mood follows the last 7 days'
    consistency. `history` is its 20 most recent events, newest first."""
    pet = pet_of(user_of(request))
    history = PetEvent.objects.filter(pet=pet).order_by("-created_at", "-id")[:PET_HISTORY]
    return ok({
        **_pet_summary(pet),
        "xp": pet.xp,
        "created_at": pet.created_at,
        "history": [{"kind": e.kind, "detail": e.detail, "created_at": e.created_at} for e in history],
    })


def _progress(user, definitions: list[Achievement], unlocked: set[int]) -> dict[int, tuple[int, int]]:
    """Progress of each locked definition that has a bar, from one read of the numbers the
    locked kinds count (story.facts.progress_facts)."""
    locked = [a for a in definitions if a.pk not in unlocked]
    facts = progress_facts(user, {a.kind for a in locked}) if locked else {}
    bars = {a.pk: achievement_rules.progress(a, facts) for a in locked}
    return {pk: bar for pk, bar in bars.items() if bar is not None}


@router.get("/achievements", response=responses(list[AchievementOut]), summary="Achievements")
def list_achievements(request: HttpRequest):
    """Every active achievement, in order, with whether and when you unlocked it, and
    for a locked one that can be counted (ticks, streak, level, goals) your progress."""
    user = user_of(request)
    definitions = list(Achievement.objects.filter(active=True).order_by("position", "id"))
    unlocks = dict(UserAchievement.objects.filter(user=user).values_list("achievement_id", "unlocked_at"))
    progress = _progress(user, definitions, set(unlocks))
    return ok([
        {
            "code": a.code,
            "name": a.name,
            "description": a.description,
            "icon": a.icon,
            "kind": a.kind,
            "threshold": a.threshold,
            "xp_reward": a.xp_reward,
            "unlocked": a.pk in unlocks,
            "unlocked_at": unlocks.get(a.pk),
            "progress": (
                {"current": progress[a.pk][0], "threshold": progress[a.pk][1]} if a.pk in progress else None
            ),
        }
        for a in definitions
    ])


@router.get("/leaderboard", response=responses(LeaderboardOut), summary="This week's leaderboard")
def read_leaderboard(request: HttpRequest):
    """XP earned in your current week (your week start, your local today) by the players
    who show on leaderboards, top 50, by display name only. `you` is your own rank and
    XP, whether or not you are listed or opted in."""
    board = leaderboard.weekly(user_of(request), limit=BOARD_SIZE)
    return ok({
        "scope": str(board["scope"]),
        "start": board["start"],
        "end": board["end"],
        "rows": [
            {"rank": row["rank"], "name": row["name"], "xp": row["xp"], "is_you": row["is_you"]}
            for row in board["rows"]
        ],
        "you": {key: board["you"][key] for key in ("rank", "xp", "listed", "opted_in", "name")},
    })


@router.get("/xp-events", response=responses(XPEventRange), by_alias=True, summary="Your XP ledger")
def list_xp_events(
    request: HttpRequest,
    from_: DayText = Query(None, alias="from",  # type: ignore[assignment]
                           description="YYYY-MM-DD; default: 29 days before `to`; on or before `to`."),
    to: DayText = Query(None, description="YYYY-MM-DD; default: your local today."),
):
    """The ledger rows whose day (`on`, your local date) is in the range, at most a year,
    oldest first. An undo or a reopened goal is a row with a negative amount."""
    user = user_of(request)
    end = parse_day(to, "to") if to is not None else user.profile.local_today()
    start = parse_day(from_, "from") if from_ is not None else end - dt.timedelta(days=DEFAULT_XP_DAYS - 1)
    if start > end:
        raise invalid({"from": "Must be on or before `to`."})
    if start < _years_before(end, MAX_XP_YEARS):
        raise invalid({"from": f"A range can span at most {MAX_XP_YEARS} year."})
    rows = list(XPEvent.objects.filter(user=user, on__range=(start, end)).order_by("on", "created_at", "id"))
    return ok({
        "from": start,
        "to": end,
        "total": sum(row.amount for row in rows),
        "events": [
            {"id": e.pk, "on": e.on, "amount": e.amount, "reason": e.reason, "source": e.source,
             "created_at": e.created_at}
            for e in rows
        ],
    })
