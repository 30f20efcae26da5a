"""Days, amounts and counts in the words the pages, charts and e-mails use (English, not
localised: the same text whatever the locale, as the charts' descriptions need)."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

WEEKDAY_NAMES = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


def long_date(day: dt.date) -> str:
    """"Tue 3 Mar 2026"."""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {day:%b %Y}"


def short_date(day: dt.date) -> str:
    """"3 Mar"."""
    return f"{day.day} {day:%b}"


def amount(value) -> str:
    """8.00 → "8", 2.50 → "2.5"."""
    return f"{Decimal(value).normalize():f}"


def times(count: int) -> str:
    """"once", "twice", "3 times"."""
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def plural(count: int, noun: str) -> str:
    """"1 day", "3 days" (nouns that take an s)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


MB = 1024 * 1024


def megabytes(size: int) -> str:
    """"10 MB", "12.4 MB": rounded up, so a file over a limit never reads as the limit."""
    return f"{math.ceil(size * 10 / MB) / 10:.1f}".removesuffix(".0") + " MB"
