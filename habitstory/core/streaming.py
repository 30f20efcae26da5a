"""Streamed responses that stay streamed under ASGI.

Django serves a streaming response whose content is a plain (sync) iterator under ASGI by
reading all of it into a list first, with a warning ("StreamingHttpResponse must consume
synchronous iterators…"): a CSV export of years of history, or a static file, would sit
whole in memory. `served` hands such content over in batches instead, each read in the
thread Django runs sync code in (thread-sensitive: a database cursor stays on its
connection). Under WSGI (the test client, management commands) nothing changes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse
from whitenoise.middleware import WhiteNoiseMiddleware

BATCH_BYTES = 64 * 1024


def served(request: HttpRequest, response: StreamingHttpResponse) -> StreamingHttpResponse:
    """The response, its content made an async iterator of batches when served by ASGI."""
    if isinstance(request, ASGIRequest) and response.streaming and not response.is_async:
        response.streaming_content = _batches(response.streaming_content)
    return response


async def _batches(parts: Iterator[bytes]) -> AsyncIterator[bytes]:
    take = sync_to_async(_take, thread_sensitive=True)
    while (batch := await take(parts)) is not None:
        yield batch


def _take(parts: Iterator[bytes]) -> bytes | None:
    """The next parts, joined, up to about BATCH_BYTES; None when there are no more."""
    batch, size = [], 0
    for part in parts:
        batch.append(part)
        size += len(part)
        if size >= BATCH_BYTES:
            break
    return b"".join(batch) if batch else None


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """whitenoise, its files streamed in batches under ASGI (see `served`)."""

    @staticmethod
    def serve(static_file, request):
        return served(request, WhiteNoiseMiddleware.serve(static_file, request))
