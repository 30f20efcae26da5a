from __future__ import annotations

import logging

import pytest
from django.db import transaction

from habitstory import live
from habitstory.live import events as publish_module

# Real commits: publish() runs on commit, which a test wrapped in a transaction never reaches.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent(monkeypatch):
    calls = []
    monkeypatch.setattr(publish_module, "_send", lambda group, message: calls.append((group, message)))
    return calls


def test_it_sends_to_the_users_group(sent):
    live.publish(7, "toast", message="Hello")
    assert sent == [("user-7", {"type": "live.event", "event": "toast", "data": {"message": "Hello"}})]


def test_it_waits_for_the_transaction_to_commit(sent):
    with transaction.atomic():
        live.publish(7, "habit_logged", html="<div></div>")
        assert sent == []
    assert len(sent) == 1


def test_nothing_is_sent_when_the_transaction_rolls_back(sent):
    with pytest.raises(RuntimeError), transaction.atomic():
        live.publish(7, "habit_logged")
        raise RuntimeError("the tick failed")
    assert sent == []


def test_unknown_events_are_a_programming_error():
    with pytest.raises(ValueError, match="Unknown live event"):
        live.publish(7, "habit_logd")


def test_a_dead_channel_layer_does_not_raise(settings, caplog):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    caplog.set_level(logging.WARNING, logger="habitstory.live.events")
    live.publish(7, "toast", message="lost")  # must return normally
    assert "could not publish toast to user-7" in caplog.text


def test_a_broken_layer_object_does_not_raise(monkeypatch, caplog):
    class Broken:
        async def group_send(self, group, message):
            raise OSError("connection reset")

    monkeypatch.setattr(publish_module, "get_channel_layer", lambda: Broken())
    assert publish_module._send("user-1", {"event": "toast"}) is False
    assert "the push is lost" in caplog.text
