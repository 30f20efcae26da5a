"""The XP ledger's two writes: an award and its take-back. A (source, reason) pair is
written once (a unique constraint), so retries and double taps never double-award."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from .models import XPEvent


def award(user, amount: int, reason: str, source: str, today: dt.date) -> int:
    """Write one ledger row. The callers only award what is not yet awarded, and the
    profile lock serialises a user's commits; the unique (source, reason) constraint is
    the last line: a double award fails the whole commit rather than counting twice."""
    if not amount:
        return 0
    XPEvent.objects.create(user=user, amount=amount, reason=reason, source=source, on=today)
    return amount


def compensate(user, source: str, award_reason: str, undo_reason: str, today: dt.date) -> int:
    """Take back what `source` was awarded, once: one INSERT of the negated award (none
    when there was no award). The unique (source, reason) makes a second take-back fail."""
    table = XPEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} (user_id, amount, reason, source, "on", created_at)
            SELECT %s, -amount, %s, source, %s, %s FROM {table} WHERE source = %s AND reason = %s AND amount <> 0
            RETURNING amount""",
            [user.pk, undo_reason, today, timezone.now(), source, award_reason],
        )
        row = cursor.fetchone()
    return row[0] if row else 0
