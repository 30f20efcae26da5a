"""Gamification's part of the commit step: the XP ledger, the profile's XP and level, the
pet and achievements.

The story layer (habitstory.story.commit) calls `settle()` inside its transaction, while
holding the user's profile lock, with plain facts of what changed (`Tick`, `GoalChange`,
`QuestChange`, `proofs.Proof`, `proofs.ReviewCredit`, the facts achievements read, the last 7 days' activity); the day close calls
`award_closed_days()` with the days it made done (`ClosedDay`) and `move_moods()`. Nothing here reads another
domain's tables or renders another app's template. Undo is the same step: compensating
ledger entries. A (source, reason) pair is written once, so retries and double taps never
double-award (docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone

from habitstory.accounts.models import Profile
from habitstory.core.sql import array_literal, text_array_literal

from . import achievements, pets, proofs, rules
from .ledger import award, compensate
from .models import Achievement, Pet, PetEvent, XPEvent


@dataclass(frozen=True)
class Tick:
    """A habit's day as the commit step changed it."""

    occurrence_id: int
    cycle: int  # the day's tick count: its XP is keyed on it
    difficulty: str
    streak: int  # the habit's current streak after the change
    on: dt.date
    was_done: bool
    is_done: bool


@dataclass(frozen=True)
class GoalChange:
    """A goal that crossed its target: completed (+100 XP), or reopened or deleted after
    completing (its XP taken back)."""

    goal_id: int
    cycle: int  # the goal's completion cycle: its XP is keyed on it
    completed: bool


@dataclass(frozen=True)
class QuestChange:
    """A quest completed (its XP reward, less when late: rules.quest_xp), or reopened,
    abandoned or deleted after completing (its XP taken back)."""

    quest_id: int
    cycle: int  # the quest's completion cycle: its XP is keyed on it
    completed: bool
    reward: int = 0  # the quest's XP reward when completed
    late: bool = False  # completed after it was due (rules.quest_is_late)


@dataclass
class Rewards:
    """What settle() changed."""

    xp: int = 0
    level_before: int = 1
    level_after: int = 1
    unlocked: list[Achievement] = field(default_factory=list)

    @property
    def levelled_up(self) -> bool:
        return self.level_after > self.level_before


def settle(
    profile: Profile,
    today: dt.date,
    *,
    tick: Tick | None = None,
    goals: list[GoalChange] = (),
    quests: list[QuestChange] = (),
    facts: achievements.Facts | None = None,
    activity: pets.Activity | None = None,
    verified: list[proofs.Proof] = (),
    reviews: list[proofs.ReviewCredit] = (),
) -> Rewards:
    """XP for the tick, the goals, the quests, verified proofs (`verified`: the bonus of an
    approved proof, or its take-back) and peer reviews, then achievements (when `facts` are given), then the
    profile's XP, level and today's XP, and the pet's XP, stage and mood (from `activity`,
    or left as it is). The caller holds the profile's lock (`profile` was read under it)."""
    user = profile.user
    rewards = Rewards(level_before=profile.level)
    if tick is not None:
        rewards.xp += _tick_xp(user, tick, today)
    for change in goals:
        rewards.xp += _goal_xp(user, change, today)
    for change in quests:
        rewards.xp += _quest_xp(user, change, today)
    for proof in verified:
        rewards.xp += proofs.proof_xp(user, proof, today)
    for credit in reviews:
        rewards.xp += proofs.review_xp(user, credit, today)
    candidates = None
    if facts is not None:
        candidates = achievements.locked(user.pk, tag=_tag(profile))
        projected = rules.level_for(profile.xp_total + rewards.xp)[0]
        rewards.unlocked = achievements.check(user, facts, candidates, level=projected)
        for achievement in rewards.unlocked:
            source = f"achievement:{achievement.code}:{user.pk}"
            rewards.xp += award(user, achievement.xp_reward, XPEvent.Reason.ACHIEVEMENT, source, today)
    _move_profile(profile, rewards, today)
    if candidates is not None:
        still = [a for a in candidates if a not in rewards.unlocked]
        achievements.remember_locked(user.pk, still, tag=_tag(profile))
    _move_pet(user, rewards.xp, activity)
    return rewards


def _tag(profile: Profile) -> tuple:
    """The profile as a commit left it: every commit saves it (a new updated_at), and one
    that unlocks something moves its XP (achievements.locked)."""
    return profile.updated_at, profile.xp_total


# --- the ledger --------------------------------------------------------------------------------

def _tick_xp(user, tick: Tick, today: dt.date) -> int:
    """XP for a day that became done (today or yesterday only), or back for one undone."""
    source = f"occurrence:{tick.occurrence_id}:{tick.cycle}"
    if tick.is_done and not tick.was_done:
        if not rules.earns_xp(tick.on, today):
            return 0  # backfilled history changes stats, not XP
        amount = rules.tick_xp(tick.difficulty, tick.streak)
        return award(user, amount, XPEvent.Reason.HABIT_DONE, source, today)
    if tick.was_done and not tick.is_done:
        return compensate(user, source, XPEvent.Reason.HABIT_DONE, XPEvent.Reason.HABIT_UNDONE, today)
    return 0


def _goal_xp(user, change: GoalChange, today: dt.date) -> int:
    """+100 for a goal completed, back for one reopened or deleted."""
    source = f"goal:{change.goal_id}:{change.cycle}"
    if change.completed:
        return award(user, rules.GOAL_XP, XPEvent.Reason.GOAL_COMPLETED, source, today)
    return compensate(user, source, XPEvent.Reason.GOAL_COMPLETED, XPEvent.Reason.GOAL_REOPENED, today)


def _quest_xp(user, change: QuestChange, today: dt.date) -> int:
    """A quest's reward for a completion (rules.quest_xp: less when late), back for one
    reopened, abandoned or deleted. Each completion cycle has its own source."""
    source = f"quest:{change.quest_id}:{change.cycle}"
    if change.completed:
        amount = rules.quest_xp(change.reward, late=change.late)
        return award(user, amount, XPEvent.Reason.QUEST_COMPLETED, source, today)
    return compensate(user, source, XPEvent.Reason.QUEST_COMPLETED, XPEvent.Reason.QUEST_REOPENED, today)


def _move_profile(profile: Profile, rewards: Rewards, today: dt.date) -> None:
    """The profile was locked and read at the start of the commit."""
    profile.xp_total += rewards.xp
    profile.level = rules.level_for(profile.xp_total)[0]
    profile.xp_today = (profile.xp_today if profile.xp_today_on == today else 0) + rewards.xp
    profile.xp_today_on = today
    profile.save(update_fields=["xp_total", "level", "xp_today", "xp_today_on", "updated_at"])
    rewards.level_after = profile.level


# --- the pet -------------------------------------------------------------------------------------

def pet_of(user) -> Pet:
    pet, created = Pet.objects.get_or_create(user=user)
    if created:
        PetEvent.objects.create(pet=pet, kind=PetEvent.Kind.HATCHED, detail=_arrival(pet.name))
    return pet


def _arrival(name: str) -> str:
    return "An egg arrived." if name == Pet._meta.get_field("name").default else f"{name} arrived as an egg."


def _move_pet(user, xp: int, activity: pets.Activity | None) -> None:
    """XP, level and stage follow the XP; the mood follows the last 7 days' activity. The
    profile lock already serialises this user's commits."""
    try:
        pet = user.pet  # read with the profile when the commit step locked it
    except Pet.DoesNotExist:
        pet = pet_of(user)
    events = []
    if xp:
        pet.xp, pet.level, pet.stage, events = _grown(pet.pk, pet.name, pet.xp, pet.level, pet.stage, xp)
    if activity is not None:
        mood = pets.mood_of(pet, activity, timezone.now())
        if mood != pet.mood:
            events.append(PetEvent(pet=pet, kind=PetEvent.Kind.MOOD, detail=f"{pet.name} is {mood}."))
            pet.mood = mood
    pet.save(update_fields=["xp", "level", "stage", "mood", "updated_at"])
    if events:
        PetEvent.objects.bulk_create(events)


def _grown(pet_id: int, name: str, xp: int, level: int, stage: str, gained: int) -> tuple[int, int, str, list]:
    """A pet's XP, level and stage after `gained` XP, and the events of a level up and of
    a new stage."""
    xp = max(0, xp + gained)
    new_level = rules.level_for(xp)[0]
    events = []
    if new_level > level:
        events.append(PetEvent(pet_id=pet_id, kind=PetEvent.Kind.LEVEL_UP, detail=f"{name} reached level {new_level}."))
    new_stage = rules.stage_for(new_level)
    if new_stage != stage:
        events.append(PetEvent(pet_id=pet_id, kind=PetEvent.Kind.STAGE, detail=f"{name} became {new_stage}."))
    return xp, new_level, new_stage, events


def move_moods(weeks: list[tuple[int, pets.Activity]]) -> int:
    """The day close's pets: each (user id, last 7 days) moves that user's pet, if they
    have one, to the mood of the week (a young pet stays "new"), with a MOOD event where
    it changed; one UPDATE per mood and one INSERT for the events. Returns how many pets
    changed mood."""
    activities = dict(weeks)
    now = timezone.now()
    changed = defaultdict(list)
    for pk, user_id, name, before, created_at in Pet.objects.filter(user_id__in=list(activities)).values_list(
        "pk", "user_id", "name", "mood", "created_at"
    ):
        mood = activities[user_id].mood(new=pets.is_new(created_at, now))
        if mood != before:
            changed[mood].append((pk, name))
    for mood, moved in changed.items():
        Pet.objects.filter(pk__in=[pk for pk, _ in moved]).update(mood=mood, updated_at=now)
    events = [(pk, f"{name} is {mood}.") for mood, moved in changed.items() for pk, name in moved]
    if events and connection.vendor == "postgresql":  # one INSERT from two arrays
        pet_ids, details = zip(*events, strict=True)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""INSERT INTO {PetEvent._meta.db_table} (pet_id, kind, detail, created_at)
                SELECT pet_id, %s, detail, %s FROM unnest(%s::bigint[], %s::text[]) AS v(pet_id, detail)""",
                [PetEvent.Kind.MOOD, now, array_literal(pet_ids), text_array_literal(details)],
            )
    elif events:
        PetEvent.objects.bulk_create(
            PetEvent(pet_id=pk, kind=PetEvent.Kind.MOOD, detail=detail, created_at=now) for pk, detail in events
        )
    return len(events)


# --- the day close's XP -------------------------------------------------------------------------

@dataclass(frozen=True)
class ClosedDay:
    """A day the day close made done (an "at most" habit's day that ended at or under its
    limit): it earns a tick's XP, keyed as a tick's."""

    user_id: int
    occurrence_id: int
    cycle: int  # the day's tick count (Occurrence.xp_cycle)
    difficulty: str
    streak: int  # the habit's current streak after the close
    today: dt.date  # the owner's local today at the close: the ledger's day


def award_closed_days(days: list[ClosedDay]) -> dict[int, int]:
    """The day close's XP: each day earns what a tick of it would (rules.tick_xp), as the
    ledger row a tick writes (HABIT_DONE, "occurrence:<pk>:<cycle>"), so it is awarded
    exactly once, whoever gets there first (a tick of the day before the close, a second
    close), and an undo of the day takes it back like any tick's. Then each user's
    profile XP, level and today's XP and their pet's XP, level and stage move by what was
    awarded. Set-based: one INSERT, then one read and one UPDATE each for the profiles and
    the pets. Runs inside the close's transaction, which holds these users' profile rows
    (taken here too, in their order, for any other caller). Returns the XP by user."""
    awards = [(day.user_id, rules.tick_xp(day.difficulty, day.streak), f"occurrence:{day.occurrence_id}:{day.cycle}",
               day.today) for day in days]
    gained: dict[int, list] = {}  # user id: [XP, their today]
    for user_id, amount, today in _append_awards([award for award in awards if award[1]]):
        gained.setdefault(user_id, [0, today])[0] += amount
    if gained:
        _move_profiles(gained)
        _move_pets(gained)
    return {user_id: amount for user_id, (amount, _) in gained.items()}


def _append_awards(awards: list[tuple[int, int, str, dt.date]]) -> list[tuple[int, int, dt.date]]:
    """Ledger rows (user, amount, source, day) with the reason HABIT_DONE, each unless its
    (source, reason) is already there. Returns (user, amount, day) of the rows written."""
    if not awards:
        return []
    table, reason, now = XPEvent._meta.db_table, XPEvent.Reason.HABIT_DONE, timezone.now()
    insert = f"""INSERT INTO {table} (user_id, amount, reason, source, "on", created_at)"""
    conflict = 'ON CONFLICT (source, reason) DO NOTHING RETURNING user_id, amount, "on"'
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement from four arrays
            user_ids, amounts, sources, days = zip(*awards, strict=True)
            cursor.execute(
                f"""{insert} SELECT user_id, amount, %s, source, day, %s
                FROM unnest(%s::bigint[], %s::integer[], %s::text[], %s::date[]) AS v(user_id, amount, source, day)
                {conflict}""",
                [reason, now, array_literal(user_ids), array_literal(amounts), text_array_literal(sources),
                 array_literal(days)],
            )
            return cursor.fetchall()
        written = []
        for start in range(0, len(awards), 150):  # one statement per 150 rows (900 parameters)
            chunk = awards[start : start + 150]
            cursor.execute(
                f"{insert} VALUES {', '.join(['(%s, %s, %s, %s, %s, %s)'] * len(chunk))} {conflict}",
                [param for user_id, amount, source, day in chunk for param in (user_id, amount, reason, source, day, now)],
            )
            written += [(user_id, amount, dt.date.fromisoformat(day) if isinstance(day, str) else day)
                        for user_id, amount, day in cursor.fetchall()]
        return written


def _move_profiles(gained: dict[int, list]) -> None:
    """Each user's profile XP, level and today's XP, by what they gained on their today."""
    profiles = []
    for pk, user_id, total, xp_today, xp_today_on in (
        Profile.objects.select_for_update().filter(user_id__in=list(gained)).order_by("pk")
        .values_list("pk", "user_id", "xp_total", "xp_today", "xp_today_on")
    ):
        amount, today = gained[user_id]
        total += amount
        profiles.append(Profile(pk=pk, xp_total=total, level=rules.level_for(total)[0],
                                xp_today=(xp_today if xp_today_on == today else 0) + amount, xp_today_on=today))
    _update(Profile, profiles, ["xp_total", "level", "xp_today", "xp_today_on"])


def _move_pets(gained: dict[int, list]) -> None:
    """Each user's pet (if they have one) grows by what they gained, with its events."""
    moved, events = [], []
    for pk, user_id, name, xp, level, stage in Pet.objects.filter(user_id__in=list(gained)).values_list(
        "pk", "user_id", "name", "xp", "level", "stage"
    ):
        xp, level, stage, grown = _grown(pk, name, xp, level, stage, gained[user_id][0])
        moved.append(Pet(pk=pk, xp=xp, level=level, stage=stage))
        events += grown
    _update(Pet, moved, ["xp", "level", "stage"])
    if events:
        PetEvent.objects.bulk_create(events)


def _update(model, objects: list, fields: list[str]) -> None:
    """These fields of these rows (objects with their pk) and updated_at = now: on
    PostgreSQL one UPDATE … FROM unnest(arrays), elsewhere bulk_update."""
    if not objects:
        return
    now = timezone.now()
    if connection.vendor != "postgresql":
        for obj in objects:
            obj.updated_at = now
        model.objects.bulk_update(objects, [*fields, "updated_at"], batch_size=200)
        return
    columns = [model._meta.get_field(name) for name in fields]
    arrays = [array_literal([obj.pk for obj in objects])] + [
        (text_array_literal if column.get_internal_type() == "CharField" else array_literal)(
            [getattr(obj, column.attname) for obj in objects])
        for column in columns
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {model._meta.db_table} AS t
            SET {", ".join(f"{c.column} = v.{c.column}" for c in columns)}, updated_at = %s
            FROM unnest(%s::bigint[], {", ".join(f"%s::{c.db_type(connection)}[]" for c in columns)})
                AS v(id, {", ".join(c.column for c in columns)})
            WHERE t.id = v.id""",
            [now, *arrays],
        )


# --- rebuilds ----------------------------------------------------------------------------------------

def award_history(user, awards: list[tuple[int, str, str, dt.date]]) -> None:
    """Ledger rows for past events, (amount, reason, source, day) (a seed's history:
    ticks as if made on their day), then the totals rebuilt from the ledger."""
    XPEvent.objects.bulk_create(
        (XPEvent(user=user, amount=amount, reason=reason, source=source, on=on) for amount, reason, source, on in awards),
        batch_size=500,
    )
    rebuild_xp([user])


def rebuild_pet_history(user, arrived: dt.datetime, now: dt.datetime | None = None) -> Pet:
    """A seeded pet's history (the demo's) told from the ledger: it arrived at `arrived`
    as an egg, then reached each level and stage on the day the ledger's running total
    got there (dated that evening, 20:00 in the owner's zone, never after now). Replaces
    its events; its XP, level and stage follow the ledger, as rebuild_xp's do."""
    now = now or timezone.now()
    zone = Profile.objects.get(user=user).zone
    pet = pet_of(user)
    events = [PetEvent(pet=pet, kind=PetEvent.Kind.HATCHED, detail=_arrival(pet.name), created_at=arrived)]
    xp, level, stage = 0, 1, rules.stage_for(1)
    days = XPEvent.objects.filter(user=user).values_list("on").annotate(gained=Sum("amount")).order_by("on")
    for day, gained in days:
        xp, level, stage, grown = _grown(pet.pk, pet.name, xp, level, stage, gained)
        at = min(now, dt.datetime.combine(day, dt.time(20), tzinfo=zone))
        for event in grown:
            event.created_at = at
        events += grown
    with transaction.atomic():
        pet.events.all().delete()
        PetEvent.objects.bulk_create(events)
        Pet.objects.filter(pk=pet.pk).update(xp=xp, level=level, stage=stage, created_at=arrived, updated_at=now)
    pet.refresh_from_db()
    return pet


def rebuild_xp(users, progress=None) -> int:
    """Rewrite profiles' XP, level and today's XP, and pets' XP and level, from the ledger.
    Idempotent."""
    users = list(users)
    for number, user in enumerate(users, start=1):
        with transaction.atomic():
            profile = Profile.objects.select_for_update().get(user=user)
            today = profile.local_today()
            total = XPEvent.objects.filter(user=user).aggregate(s=Sum("amount"))["s"] or 0
            profile.xp_total = total
            profile.level = rules.level_for(total)[0]
            profile.xp_today = XPEvent.objects.filter(user=user, on=today).aggregate(s=Sum("amount"))["s"] or 0
            profile.xp_today_on = today
            profile.save(update_fields=["xp_total", "level", "xp_today", "xp_today_on", "updated_at"])
            pet = pet_of(user)
            pet.xp = max(0, total)
            pet.level = rules.level_for(pet.xp)[0]
            pet.stage = rules.stage_for(pet.level)
            pet.save(update_fields=["xp", "level", "stage", "updated_at"])
        if progress:
            progress(number, len(users))
    return len(users)


# --- what the header shows ------------------------------------------------------------------------

def xp_summary(profile: Profile) -> dict:
    today = profile.local_today()
    level, into, need = rules.level_for(profile.xp_total)
    return {
        "total": profile.xp_total,
        "level": level,
        "into": into,
        "need": need,
        "percent": min(100, round(100 * into / need)) if need else 100,
        "today": profile.xp_today if profile.xp_today_on == today else 0,
    }


def xp_bar_html(profile: Profile, *, oob: bool = False) -> str:
    return render_to_string("gamification/_xp_bar.html", {"xp": xp_summary(profile), "oob": oob})
