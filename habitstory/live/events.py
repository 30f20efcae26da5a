from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

EVENTS = frozenset(
    {
        "habit_logged",
        "streak_update",
        "xp_gained",
        "level_up",
        "achievement_unlocked",
        "habit_at_risk",
        "goal_completed",
        "quest_completed",
        "quest_unlocked",
        "quest_reopened",
        "proof_approved",
        "proof_rejected",
        "nudge",
        "review_requested",
        "notification",
        "toast",
    }
)


def group_name(user_id: int) -> str:
    return f"user-{user_id}"


def publish(user_id: int, event: str, **data: Any) -> None:
    """Send `event` to every open tab of the user, once the current transaction commits.

    `data` must be plain values (str, int, float, bool, lists, dicts): it crosses Redis.
    Two keys are understood by the browser: `html` (a server-rendered fragment, usually
    with hx-swap-oob) and `message` (shown as a toast).
    """
    if event not in EVENTS:
        raise ValueError(f"Unknown live event {event!r}; add it to habitstory.live.EVENTS")
    message = {"type": "live.event", "event": event, "data": data}
    transaction.on_commit(lambda: _send(group_name(user_id), message))


def publish_many(user_id: int, events: list[tuple[str, dict[str, Any]]]) -> None:
    """Several events in one message (one round trip to the channel layer), in order,
    after the current transaction commits. The commit step uses it for a tick's row, XP
    bar, level-up, goal and achievement news."""
    for event, _ in events:
        if event not in EVENTS:
            raise ValueError(f"Unknown live event {event!r}; add it to habitstory.live.EVENTS")
    if not events:
        return
    message = {"type": "live.batch", "event": events[0][0], "events": [{"event": e, "data": d} for e, d in events]}
    transaction.on_commit(lambda: _send(group_name(user_id), message))


def request_resync(user_id: int) -> None:
    """After the current transaction commits, make every open tab of the user reconnect
    and re-render its live regions: for changes no event describes (a backfill, a bulk
    import, a deploy that changed pages)."""
    transaction.on_commit(lambda: _send(group_name(user_id), {"type": "live.reconnect", "event": "resync"}))


def session_group(session_key: str) -> str:
    """The group of the sockets one browser session opened, named by a hash of its key (the
    key is a credential, and a group name is a Redis key)."""
    return "session-" + hashlib.sha256(session_key.encode()).hexdigest()


def end_session(session_key: str, *, signed_out: bool) -> None:
    """After the current transaction commits, close the sockets opened with this session:
    for good after a logout (`signed_out`), otherwise (the session was deleted or given a
    new key) with the reconnect code, so a tab whose browser holds a valid session again
    reconnects and the others are refused. Called from habitstory.live.sessions."""
    message = {"type": "live.session_ended", "event": "session_ended", "signed_out": signed_out}
    transaction.on_commit(lambda: _send(session_group(session_key), message))


class _Publisher:
    """One event loop in a daemon thread, for sending to a shared (Redis) channel layer from
    synchronous code: views, jobs, commands. `async_to_sync` would start a new loop for
    every message, and channels_redis keeps its connections per loop, so every message
    would open a new Redis connection. (Recreated after a fork: a worker process gets its
    own.)"""

    TIMEOUT = 2.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._thread is None or not self._thread.is_alive():
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(target=self._loop.run_forever, name="live-publisher", daemon=True)
                self._thread.start()
            return self._loop

    def send(self, layer, group: str, message: dict[str, Any]) -> None:
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), self._running_loop())
        future.result(self.TIMEOUT)


_publisher = _Publisher()


def _send(group: str, message: dict[str, Any]) -> bool:
    try:
        layer = get_channel_layer()
        if layer is None:
            logger.warning("live: no channel layer configured; %s dropped", message["event"])
            return False
        if isinstance(layer, InMemoryChannelLayer):
            # In-process only: must run on the loop that serves the sockets (the ASGI
            # server's, which async_to_sync finds from a view's worker thread).
            async_to_sync(layer.group_send)(group, message)
        else:
            _publisher.send(layer, group, message)
        return True
    except Exception:
        logger.warning(
            "live: could not publish %s to %s; the push is lost",
            message["event"],
            group,
            exc_info=True,
        )
        return False
