"""PostgreSQL array literals: a whole column of values sent as one parameter, much quicker
for the driver than a list it adapts item by item (set-based jobs send thousands)."""

from __future__ import annotations

import datetime as dt


def array_literal(values) -> str:
    """A PostgreSQL array literal of numbers, dates or booleans: much quicker for the
    driver to send than a list it adapts item by item."""
    values = list(values)
    if type(next((value for value in values if value is not None), 0)) in (int, float, bool):
        # A column of numbers or booleans (and None): Python's list display is nearly the
        # literal (True/False are booleans to PostgreSQL, a float's repr its shortest exact form).
        return "{" + str(values)[1:-1].replace("None", "NULL") + "}"
    if all(value is None or type(value) is dt.date for value in values):  # dates: str() is ISO
        return "{" + ",".join(map(str, values)).replace("None", "NULL") + "}"
    return "{" + ",".join(map(_literal, values)) + "}"


def text_array_literal(values) -> str:
    """A PostgreSQL array literal of strings (or None): each quoted, its quotes and
    backslashes escaped. Much quicker than the driver's quoting, character by character."""
    return "{" + ",".join(
        "NULL" if value is None else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for value in values
    ) + "}"


def _literal(value) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)  # a float's str is its shortest exact form; PostgreSQL reads it back exactly
