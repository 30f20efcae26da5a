"""Number rules shared by every layer."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


def round_half_up(value: float | Decimal | Fraction) -> int:
    """Round to the nearest integer, halves away from zero (2.5 → 3, 12.5 → 13), as
    people round; a Fraction exactly."""
    if isinstance(value, Fraction):
        sign = -1 if value < 0 else 1
        return sign * math.floor(abs(value) + Fraction(1, 2))
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))
