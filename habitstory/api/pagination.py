"""Cursor pagination for the API's lists: `?limit=` (1 to MAX_LIMIT, DEFAULT_LIMIT when
left out) and `?cursor=`, the opaque value of `meta.next` from the page before. A cursor is
the last row's sort key, signed (django.core.signing, salted with the list's name), so a
page starts right after the row that ended the one before however rows are added or
removed meanwhile (keyset pagination: no offsets, no row skipped or repeated). A cursor
that was altered, or made for another list, is a 400 naming `cursor`."""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import F, FloatField, Func, Model, OrderBy, Q, QuerySet, Value
from ninja import Field, Query

from .envelope import ERROR_STATUSES, ErrorEnvelope, Meta, Out, invalid, meta

T = TypeVar("T")

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
CURSOR_MAX = 500
CURSOR_PATTERN = r"^[A-Za-z0-9_.:-]+$"  # what django.core.signing writes (URL-safe base64, ':')
CURSOR_MESSAGE = "This cursor is not one we gave: start again without it, or pass meta.next as it came."

CURSOR_DOC = "The previous page's `meta.next`, as it came; leave it out for the first page."
LIMIT_DOC = f"Items per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})."


@dataclass(frozen=True)
class Key:
    """One column of a list's order. `nulls`: where empty values sort ("first" or
    "last"), for a column that can be empty."""

    field: str
    descending: bool = False
    nulls: str | None = None
    # An SQL type the cursor's value is cast to before comparing, for a column of another
    # type than Python's: PostgreSQL's ts_rank is a `real`, which a double never equals.
    cast: str | None = None

    @property
    def expression(self):
        column = F(self.field)
        if self.nulls is None:
            return column.desc() if self.descending else column.asc()
        options = {"nulls_first": True} if self.nulls == "first" else {"nulls_last": True}
        return column.desc(**options) if self.descending else column.asc(**options)

    def sql_value(self, value: Any) -> Any:
        if self.cast is None:
            return value
        return Func(Value(value), template=f"CAST(%(expressions)s AS {self.cast})", output_field=FloatField())

    def equal(self, value: Any) -> Q:
        return Q(**{f"{self.field}__isnull": True}) if value is None else Q(**{self.field: self.sql_value(value)})

    def beyond(self, value: Any) -> Q | None:
        """The rows that sort after `value` in this column (None: no row does)."""
        if value is None:
            return Q(**{f"{self.field}__isnull": False}) if self.nulls == "first" else None
        later = Q(**{f"{self.field}__{'lt' if self.descending else 'gt'}": self.sql_value(value)})
        return later | Q(**{f"{self.field}__isnull": True}) if self.nulls == "last" else later


@dataclass(frozen=True)
class Order:
    """A list's order: its name (which salts its cursors) and its columns, the last one
    unique (the id) so that the order is total."""

    name: str
    keys: tuple[Key, ...]

    def __init__(self, name: str, *keys: Key):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "keys", keys)

    @classmethod
    def of(cls, queryset: QuerySet, name: str, *, casts: dict[str, str] | None = None) -> Order:
        """The order `queryset` is sorted in, as its maker wrote it: field names ("-id") on
        columns that are never empty, or F() expressions with asc()/desc() and where empty
        values go. `casts`: a column's `Key.cast`."""
        casts = casts or {}
        keys = []
        for item in queryset.query.order_by:
            if isinstance(item, str):
                field = item.removeprefix("-")
                keys.append(Key(field, descending=item.startswith("-"), cast=casts.get(field)))
            elif isinstance(item, OrderBy) and isinstance(item.expression, F):
                field = item.expression.name
                nulls = "first" if item.nulls_first else "last" if item.nulls_last else None
                keys.append(Key(field, descending=item.descending, nulls=nulls, cast=casts.get(field)))
            else:
                raise ValueError(f"Cannot page on {item!r}")
        return cls(name, *keys)

    @property
    def salt(self) -> str:
        return f"habitstory.api.cursor:{self.name}"


@dataclass
class Page(Generic[T]):
    items: list[T]
    next: str | None


# --- the parameters and the answer ----------------------------------------------------------


def cursor_param():
    return Query(None, min_length=1, max_length=CURSOR_MAX, pattern=CURSOR_PATTERN, description=CURSOR_DOC)


def limit_param():
    return Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=LIMIT_DOC)


class PageMeta(Meta):
    next: str | None = Field(
        description="The cursor of the next page (send it as `?cursor=`), or null on the last page."
    )


class PageEnvelope(Out, Generic[T]):
    data: list[T]
    meta: PageMeta


def paged(schema: Any) -> dict:
    """The `response=` of a paginated list of `schema`."""
    return {200: PageEnvelope[schema], ERROR_STATUSES: ErrorEnvelope}


def ok_page(data: list, page: Page) -> dict:
    return {"data": data, "meta": {**meta(), "next": page.next}}


# --- paging -----------------------------------------------------------------------------------


def paginate(queryset: QuerySet, order: Order, cursor: str | None, limit: int) -> Page:
    """One page of `queryset` in `order`: the rows after the cursor's (from the start
    without one), at most `limit` of them, and the cursor of the row after them if any
    (one query: `limit + 1` rows are read)."""
    queryset = queryset.order_by(*(key.expression for key in order.keys))
    if cursor:
        queryset = _after(queryset, order, _decode(cursor, order))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    return Page(rows, encode(order, rows[-1]))


def encode(order: Order, row: Model) -> str:
    values = [_plain(_value_of(row, key.field)) for key in order.keys]
    return signing.dumps(values, salt=order.salt)


def _value_of(row: Model, field: str) -> Any:
    value = row
    for part in field.split("__"):
        value = getattr(value, part)
    return value


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _decode(cursor: str, order: Order) -> list:
    try:
        values = signing.loads(cursor, salt=order.salt)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        raise invalid({"cursor": CURSOR_MESSAGE}) from None
    if not isinstance(values, list) or len(values) != len(order.keys):
        raise invalid({"cursor": CURSOR_MESSAGE})
    return values


def _after(queryset: QuerySet, order: Order, values: list) -> QuerySet:
    """The rows that sort after `values`: for each column, the rows equal on the columns
    before it and beyond it on that one."""
    branches = []
    for index, key in enumerate(order.keys):
        beyond = key.beyond(values[index])
        if beyond is None:
            continue
        equal = [earlier.equal(value) for earlier, value in zip(order.keys[:index], values[:index])]
        branches.append(functools.reduce(operator.and_, equal, beyond))
    if not branches:
        return queryset.none()
    return queryset.filter(functools.reduce(operator.or_, branches))
