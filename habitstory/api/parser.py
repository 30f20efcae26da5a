"""Request bodies: JSON, refusing what JSON lets through but the database cannot store."""

from __future__ import annotations

import json

from django.http import HttpRequest
from ninja.parser import Parser

from .envelope import UnsupportedMediaType


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


class StrictJSONParser(Parser):
    """ninja's JSON parser, plus: a body sent as anything but JSON (`application/json` or
    a `+json` type) is a 415; no NaN/Infinity, and no strings (keys or values) with a NUL
    character or a lone surrogate. Any other error here becomes a 400 (body)."""

    def parse_body(self, request: HttpRequest) -> dict:
        content_type = request.content_type or ""
        if content_type != "application/json" and not (
            content_type.startswith("application/") and content_type.endswith("+json")
        ):
            raise UnsupportedMediaType(content_type)
        data = json.loads(request.body, parse_constant=_refuse_constant)
        pending = [data]
        while pending:  # a loop, not recursion: the nesting depth is the client's choice
            item = pending.pop()
            if isinstance(item, str):
                if "\x00" in item:
                    raise ValueError("NUL character in a string")
                item.encode("utf-8")  # raises on a lone surrogate
            elif isinstance(item, dict):
                pending.extend(item.keys())
                pending.extend(item.values())
            elif isinstance(item, list):
                pending.extend(item)
        return data
