"""Searching a user's quests: full text over title, description and objectives' text, with
filters and a sort order. One function, `search()`, for the search page, the API and the
navigation's search box.

On PostgreSQL the words are matched against the tsvector column that migration
0002_search keeps (stemmed, 'english'; title weighs more than the rest) and ranked with
ts_rank; the last word, while it is being typed, also matches as a prefix. On SQLite every
word must appear (icontains) in one of the three fields, and title matches rank first.
The rules: docs/quests.md, "Search"."""

from __future__ import annotations

import datetime as dt
import re

from django.db import connection
from django.db.models import (
    BooleanField, Case, Exists, F, FloatField, OuterRef, Q, QuerySet, Value, When,
)
from django.db.models.expressions import RawSQL

from .models import Attachment, Quest

SORTS = {"relevance": "Relevance", "due": "Due date", "priority": "Priority", "newest": "Newest"}
Q_MAX = 200  # characters of a query: longer ones are cut
_WORD = re.compile(r"[^\W_]+")
_LAST_WORD = re.compile(r"(?:^|\s)([^\W_]+)$")
_COLUMN = f'"{Quest._meta.db_table}"."search_vector"'


def search(
    user,
    q: str = "",
    *,
    status: str | list[str] | tuple[str, ...] | None = None,
    category: int | str | None = None,
    due_before: dt.date | None = None,
    due_after: dt.date | None = None,
    has_attachments: bool | None = None,
    sort: str = "relevance",
) -> QuerySet[Quest]:
    """The user's quests matching `q` (all of them when it has no words) and the filters
    (None or empty: not narrowed; `category` is the user's category id or name; due_before and
    due_after include the day), in `sort` order (relevance is newest first without words).
    Each quest comes with its category and `has_files` (whether it has attachments) in
    the same query."""
    if isinstance(status, str):
        status = [status] if status else []
    quests = Quest.objects.filter(user=user)
    if status:
        quests = quests.filter(status__in=list(status))
    if isinstance(category, int):
        quests = quests.filter(category_id=category)
    elif category:
        quests = quests.filter(category__name__iexact=category)
    if due_before is not None:
        quests = quests.filter(due_date__lte=due_before)
    if due_after is not None:
        quests = quests.filter(due_date__gte=due_after)
    quests = quests.select_related("category").annotate(
        has_files=Exists(Attachment.objects.filter(quest=OuterRef("pk")))
    )
    if has_attachments is not None:
        quests = quests.filter(has_files=has_attachments)
    q = clean(q)
    words = _WORD.findall(q)
    if words:
        quests = _matching_pg(quests, q) if connection.vendor == "postgresql" else _matching_words(quests, q)
    return _sorted(quests, sort if sort in SORTS else "relevance", ranked=bool(words))


def clean(q: str | None) -> str:
    """What is searched for: at most Q_MAX characters, without NUL (PostgreSQL refuses it
    in text) or surrounding spaces."""
    return (q or "").replace("\x00", "").strip()[:Q_MAX]


def _tsquery(q: str) -> tuple[str, list[str]]:
    """The tsquery for `q` as SQL and its parameters: websearch syntax ("quoted phrases",
    -not, or) for the words typed, and the last word, the one being typed, also as a
    prefix ("proj" finds "project"), unless it is negated or inside quotes."""
    last = _LAST_WORD.search(q)
    if last is None or q.count('"') % 2:
        return "websearch_to_tsquery('english', %s)", [q]
    word = last.group(1)
    return (
        "(websearch_to_tsquery('english', %s) && (plainto_tsquery('english', %s) || to_tsquery('simple', %s)))",
        [q[: last.start(1)], word, f"{word}:*"],
    )


def _matching_pg(quests: QuerySet[Quest], q: str) -> QuerySet[Quest]:
    tsquery, params = _tsquery(q)
    matches = RawSQL(f"{_COLUMN} @@ {tsquery}", params, output_field=BooleanField())
    rank = RawSQL(f"ts_rank({_COLUMN}, {tsquery})", params, output_field=FloatField())
    return quests.alias(matches=matches).filter(matches=True).annotate(rank=rank)


def _matching_words(quests: QuerySet[Quest], q: str) -> QuerySet[Quest]:
    """SQLite: every word in the title, the description or the objectives' text; a quest
    with every word in its title ranks first."""
    in_title = Q()
    for word in _WORD.findall(q):
        quests = quests.filter(
            Q(title__icontains=word) | Q(description__icontains=word) | Q(objectives_text__icontains=word)
        )
        in_title &= Q(title__icontains=word)
    rank = Case(When(in_title, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
    return quests.annotate(rank=rank)


def _sorted(quests: QuerySet[Quest], sort: str, *, ranked: bool) -> QuerySet[Quest]:
    if sort == "relevance" and ranked:
        return quests.order_by(F("rank").desc(), "-created_at", "-id")
    if sort == "due":
        return quests.order_by(F("due_date").asc(nulls_last=True), F("due_time").asc(nulls_last=True), "-id")
    if sort == "priority":
        return quests.order_by("-priority", F("due_date").asc(nulls_last=True), "-id")
    return quests.order_by("-created_at", "-id")
