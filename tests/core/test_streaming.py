"""Streamed responses under ASGI: the CSV export and static files reach the server as an
async iterator of batches, so Django neither reads them whole into memory first nor warns
("StreamingHttpResponse must consume synchronous iterators")."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest
from asgiref.sync import async_to_sync
from django.test import AsyncClient

from habits.models import Habit
from habitstory.core import streaming

pytestmark = pytest.mark.django_db


async def _get(client: AsyncClient, url: str):
    """The response and its body, read as Django's ASGI handler reads it (__aiter__)."""
    response = await client.get(url)
    body = b"".join([part async for part in response])
    return response, body


def test_the_csv_export_streams_under_asgi(owner):
    Habit.objects.create(user=owner, name="Read", start_date=dt.date.today() - dt.timedelta(days=400))

    async def scenario():
        client = AsyncClient()
        await client.aforce_login(owner)
        return await _get(client, "/habits/export.csv")

    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="StreamingHttpResponse")
        response, body = async_to_sync(scenario)()
    assert response.status_code == 200 and response.is_async
    lines = body.decode().splitlines()
    assert lines[0] == "habit,pillar,date,status,value,unit,note"
    assert len(lines) == 1 + 401


def test_static_files_stream_under_asgi():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="StreamingHttpResponse")
        response, body = async_to_sync(_get)(AsyncClient(), "/static/css/app.css")
    assert response.status_code == 200 and response.is_async
    assert body.startswith(b"/* HabitStory")


def test_wsgi_keeps_a_plain_iterator(owner_client):
    response = owner_client.get("/habits/export.csv")
    assert not response.is_async
    assert b"".join(response.streaming_content).startswith(b"habit,pillar")


def test_batches_join_parts_up_to_a_size(monkeypatch):
    monkeypatch.setattr(streaming, "BATCH_BYTES", 10)

    async def scenario():
        return [batch async for batch in streaming._batches(iter([b"abcd", b"efgh", b"ijkl", b"m", b""]))]

    assert async_to_sync(scenario)() == [b"abcdefghijkl", b"m"]


def test_the_api_docs_assets_stream_under_asgi():
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="StreamingHttpResponse")
        response, body = async_to_sync(_get)(AsyncClient(), "/api/v1/docs/assets/swagger-ui.css")
    assert response.status_code == 200 and response.is_async
    assert len(body) > 10_000
