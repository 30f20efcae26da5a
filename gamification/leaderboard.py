"""Weekly leaderboards, read from the XP ledger: the XP each player earned in the viewer's
week. The web page and the API both call `weekly()`.

Who is on a board: players with Profile.show_on_leaderboards, shown by their display
name only (never an e-mail address); those without one are "Player #<id>". A player
with no net XP this week is not listed. Ties share a rank (1, 2, 2, 4) and are listed by
who reached their total first, then by id, so the order never wobbles between requests.

The viewer always learns their own place and XP, listed or not and opted in or not:
their rank is one more than the number of listed players with more XP.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from habitstory.core.days import week_bounds

from .models import XPEvent

EVERYONE = "everyone"


@dataclass(frozen=True, eq=False)
class Group:
    """A board of some players only (a house's, say): `members` are their user ids, a
    collection or a queryset of one column (`values("user_id")`), given by the caller so
    that gamification knows nothing of what groups them; `name` is the board's title."""

    name: str
    members: object

    def __str__(self) -> str:
        return self.name


def weekly(user, limit: int = 50, *, scope: object = EVERYONE, today: dt.date | None = None) -> dict:
    """The board of the viewer's current week (their local today and week start).

    Returns {"scope", "start", "end", "limit", "rows": [{"rank", "user_id", "name", "xp",
    "is_you"}], "you": {"rank", "xp", "listed", "opted_in", "name"}}. At most two queries:
    the top `limit`, and the viewer's own place when they are not among them.
    """
    profile = user.profile
    start, end = week_bounds(today or profile.local_today(), profile.week_start)
    week = XPEvent.objects.filter(on__range=(start, end))

    totals = (
        _in_scope(week.filter(user__profile__show_on_leaderboards=True), scope)
        .values("user_id", "user__profile__display_name")
        .annotate(xp=Sum("amount"), reached=Max("created_at"))
        .filter(xp__gt=0)
        .order_by("-xp", "reached", "user_id")[:limit]
    )
    rows, rank = [], 0
    for position, row in enumerate(totals, start=1):
        if not rows or row["xp"] != rows[-1]["xp"]:
            rank = position
        rows.append({
            "rank": rank,
            "user_id": row["user_id"],
            "name": player_name(row["user_id"], row["user__profile__display_name"]),
            "xp": row["xp"],
            "is_you": row["user_id"] == user.pk,
        })

    mine = next((row for row in rows if row["is_you"]), None)
    if mine is not None:
        own_rank, own_xp = mine["rank"], mine["xp"]
    else:
        own_rank, own_xp = _own_place(user, week, scope)
    you = {
        "rank": own_rank,
        "xp": own_xp,
        "listed": mine is not None,
        "opted_in": profile.show_on_leaderboards,
        "name": player_name(user.pk, profile.display_name),
    }
    return {"scope": scope, "start": start, "end": end, "limit": limit, "rows": rows, "you": you}


def player_name(user_id: int, display_name: str) -> str:
    return display_name or f"Player #{user_id}"


def _own_place(user, week: QuerySet, scope: object) -> tuple[int, int]:
    """(rank, XP) of the viewer in one query: their week's sum, and how many listed
    players (opted in, positive XP) have more."""
    own_sum = Coalesce(
        Subquery(week.filter(user=user).values("user_id").annotate(s=Sum("amount")).values("s")), 0
    )
    place = (
        _in_scope(week.filter(Q(user__profile__show_on_leaderboards=True) | Q(user=user)), scope)
        .values("user_id")
        .annotate(xp=Sum("amount"))
        .aggregate(
            mine=Coalesce(Sum("xp", filter=Q(user_id=user.pk)), 0),
            ahead=Count("user_id", filter=Q(xp__gt=own_sum) & Q(xp__gt=0) & ~Q(user_id=user.pk)),
        )
    )
    return place["ahead"] + 1, place["mine"]


def _in_scope(events: QuerySet, scope: object) -> QuerySet:
    """Narrow a board's ledger rows to its scope: everyone, or a Group's members (the
    same ranks and own place, among them only)."""
    if isinstance(scope, Group):
        return events.filter(user_id__in=scope.members)
    if scope == EVERYONE:
        return events
    raise ValueError(f"Unknown leaderboard scope: {scope!r}")
