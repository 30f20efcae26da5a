"""Houses: a user's membership (set by their first assignment, changed by them at most
once a week), the weekly house cup and its history (docs/archetypes.md, "Houses")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import (
    Count,
    DateField,
    DateTimeField,
    F,
    Func,
    IntegerField,
    OuterRef,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from gamification import leaderboard
from gamification.models import XPEvent

from . import badge
from .models import House, Membership

CHANGE_EVERY = dt.timedelta(days=7)
HISTORY_WEEKS = 8


class HouseChangeTooSoon(Exception):
    """The user joined or changed house less than a week ago."""

    def __init__(self, next_allowed: dt.datetime) -> None:
        self.next_allowed = next_allowed
        super().__init__(f"You can change house again from {next_allowed:%Y-%m-%d %H:%M} UTC.")


class NoHouse(Exception):
    """The user has no house yet (the quiz gives them one)."""


@dataclass(frozen=True)
class Standing:
    house: House
    xp: int
    members: int
    rank: int
    yours: bool = False  # the viewer's house (cup(viewer=...))


def join(user, house: House, *, now: dt.datetime) -> Membership:
    """Make `house` the user's house if they have none (their first assignment); a user
    already in a house keeps it. Safe to call twice or concurrently."""
    try:
        with transaction.atomic():
            membership, _ = Membership.objects.get_or_create(user=user, defaults={"house": house, "joined_at": now})
    except IntegrityError:  # a concurrent first join won
        membership = Membership.objects.get(user=user)
    return membership


def next_change_allowed(membership: Membership) -> dt.datetime:
    return (membership.changed_at or membership.joined_at) + CHANGE_EVERY


def change_house(user, house: House, *, now: dt.datetime | None = None) -> Membership:
    """Move the user to `house`: at most once in 7 days (counted from their last change,
    or their joining). Choosing the house they are in changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        membership = Membership.objects.select_for_update().filter(user=user).first()
        if membership is None:
            raise NoHouse("Take the quiz to join a house first.")
        if membership.house_id == house.pk:
            return membership
        allowed = next_change_allowed(membership)
        if now < allowed:
            raise HouseChangeTooSoon(allowed)
        membership.house = house
        membership.changed_at = now
        membership.save(update_fields=["house", "changed_at"])
        transaction.on_commit(lambda: cache.delete_many([CUP_KEY, HISTORY_KEY]))
        transaction.on_commit(lambda: badge.forget(user.pk))  # the header's crest
    return membership


def membership_of(user) -> Membership | None:
    return Membership.objects.select_related("house").filter(user=user).first()


def house_of(user) -> House | None:
    membership = membership_of(user)
    return membership.house if membership else None


def members_count(house: House) -> int:
    return Membership.objects.filter(house=house).count()


def member_ids(house: House):
    """The house's members' user ids, as a subquery (for the leaderboard's house scope)."""
    return Membership.objects.filter(house=house).values("user_id")


def house_board(user, house: House, *, limit: int = 50) -> dict:
    """The weekly leaderboard of `house`'s members (opted-in ones listed; the viewer's own
    place always), as gamification.leaderboard.weekly gives it."""
    return leaderboard.weekly(user, limit, scope=leaderboard.Group(house.name, member_ids(house)))


class LocalWeekStart(Func):
    """The first day of the owner's current week at `now` (plus `days`), from their
    profile's time zone, day-start hour and week start: Profile.local_today and
    habitstory.core.days.week_bounds, in SQL, per row. Wall-clock arithmetic as Python's
    (the day-start hour is subtracted from the local time, not from UTC)."""

    output_field = DateField()

    def __init__(self, now: dt.datetime, prefix: str = "", *, days: int = 0) -> None:
        super().__init__(
            Value(now, output_field=DateTimeField()),
            F(f"{prefix}timezone"),
            F(f"{prefix}day_start_hour"),
            F(f"{prefix}week_start"),
        )
        self.days = days

    def _parts(self, compiler, connection):
        sqls, params = [], []
        for expression in self.get_source_expressions():
            sql, part = compiler.compile(expression)
            sqls.append(sql)
            params.append(tuple(part))
        return sqls, params

    def as_postgresql(self, compiler, connection, **extra):
        (now, zone, hour, start), (p_now, p_zone, p_hour, p_start) = self._parts(compiler, connection)
        local = f"(({now} AT TIME ZONE {zone}) - {hour} * interval '1 hour')"
        sql = f"(({local})::date - ((extract(isodow FROM {local})::int - 1 - {start} + 7) %% 7) + {int(self.days)})"
        local_params = p_now + p_zone + p_hour
        return sql, (*local_params, *local_params, *p_start)

    def as_sqlite(self, compiler, connection, **extra):
        (now, zone, hour, start), (p_now, p_zone, p_hour, p_start) = self._parts(compiler, connection)
        local = f"datetime(django_datetime_trunc('second', {now}, {zone}, 'UTC'), '-' || {hour} || ' hours')"
        back = f"((CAST(strftime('%%w', {local}) AS INTEGER) + 13 - {start}) %% 7)"
        sql = f"date({local}, printf('%%+d days', {int(self.days)} - {back}))"
        local_params = p_now + p_zone + p_hour
        return sql, (*local_params, *local_params, *p_start)


CUP_KEY = "houses:cup:v1"
CUP_SECONDS = 60
HISTORY_KEY = "houses:cup-history:v1"
HISTORY_SECONDS = 600


@dataclass(frozen=True)
class PastCup:
    """One finished week's cup: `weeks_ago` 1 is last week."""

    weeks_ago: int
    standings: list[Standing]

    @property
    def winners(self) -> list[Standing]:
        """The houses ranked first, when any XP was earned that week."""
        return [standing for standing in self.standings if standing.rank == 1 and standing.xp > 0]


def cup(*, now: dt.datetime | None = None, viewer=None) -> list[Standing]:
    """This week's house cup: each house's members' net XP in each member's own current
    week (their time zone, day start and week start; XPEvent.on is their local day),
    highest first; equal totals share a rank and are listed by name (a negative net
    total counts 0). With `viewer`, their house's standing is marked `yours`.

    Without `now` it is read from the cache (computed at most once a minute, cleared by a
    change of house); with `now` it is computed (two queries: the houses, the totals)."""
    if now is None:
        standings = cache.get(CUP_KEY)
        if standings is None:
            standings = _standings(timezone.now())
            cache.set(CUP_KEY, standings, CUP_SECONDS)
    else:
        standings = _standings(now)
    if viewer is None:
        return standings
    mine = Membership.objects.filter(user=viewer).values_list("house_id", flat=True).first()
    return [replace(standing, yours=standing.house.pk == mine) for standing in standings]


def cup_history(*, now: dt.datetime | None = None, weeks: int = HISTORY_WEEKS) -> list[PastCup]:
    """The cups of the last `weeks` finished weeks, newest first, computed from the ledger
    as cup() is: each member's net XP in their own week that many weeks back. Members are
    today's (a house's members now count for every week shown). Without `now`, read from
    the cache (at most every 10 minutes; a change of house clears it); 1 + `weeks` queries."""
    if now is None:
        history = cache.get(HISTORY_KEY)
        if history is None or len(history) != weeks:
            history = cup_history(now=timezone.now(), weeks=weeks)
            cache.set(HISTORY_KEY, history, HISTORY_SECONDS)
        return history
    houses = list(House.objects.all())
    return [PastCup(back, _standings(now, weeks_back=back, houses=houses)) for back in range(1, weeks + 1)]


def _standings(now: dt.datetime, *, weeks_back: int = 0, houses: list[House] | None = None) -> list[Standing]:
    totals = {row["house_id"]: row for row in _totals(now, weeks_back)}
    houses = sorted(
        House.objects.all() if houses is None else houses,
        key=lambda house: (-max(totals.get(house.pk, {}).get("xp") or 0, 0), house.name.casefold(), house.pk),
    )
    standings, rank = [], 0
    for position, house in enumerate(houses, start=1):
        row = totals.get(house.pk, {})
        xp = max(row.get("xp") or 0, 0)
        if not standings or xp != standings[-1].xp:
            rank = position
        standings.append(Standing(house=house, xp=xp, members=row.get("members", 0), rank=rank))
    return standings


def _totals(now: dt.datetime, weeks_back: int = 0):
    """Per house: members, and their XP each in their own week (`weeks_back` weeks before
    the current one). One pass over the memberships: each member's week from their
    profile, their events by (user, on)."""
    own_week = (
        XPEvent.objects.filter(user_id=OuterRef("user_id"), on__gte=OuterRef("first"), on__lte=OuterRef("last"))
        .order_by()
        .values("user_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return (
        Membership.objects.annotate(
            first=LocalWeekStart(now, "user__profile__", days=-7 * weeks_back),
            last=LocalWeekStart(now, "user__profile__", days=6 - 7 * weeks_back),
        )
        .annotate(week_xp=Subquery(own_week, output_field=IntegerField()))
        .order_by()
        .values("house_id")
        .annotate(members=Count("pk"), xp=Sum("week_xp"))
    )


def standing_of(house: House, standings: list[Standing]) -> Standing | None:
    return next((standing for standing in standings if standing.house.pk == house.pk), None)
