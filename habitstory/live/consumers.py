from __future__ import annotations

import logging

from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string

from .events import group_name, session_group

logger = logging.getLogger(__name__)

# Close code for "not signed in" (4000-4999 are the application's own).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_RESYNC = 1012


class LiveConsumer(AsyncWebsocketConsumer):
    """One socket per tab. Joins the user's group and its session's, and forwards events as
    HTML that the htmx ws extension swaps in out-of-band."""

    joined: tuple[str, ...] = ()
    closing = False

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        session_key = self.scope["session"].session_key
        self.joined = (group_name(user.pk), session_group(session_key))
        for group in self.joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in self.joined:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                logger.warning("live: could not leave %s", group, exc_info=True)

    async def _close_once(self, code: int) -> None:
        """Messages can still arrive between our close and the server's disconnect (a
        logout sends two); a socket is closed once."""
        if not self.closing:
            self.closing = True
            await self.close(code=code)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """The browser only listens; anything it sends is ignored."""

    async def live_event(self, message: dict) -> None:
        await self.send(text_data=_render(message["event"], message.get("data", {})))

    async def live_reconnect(self, message: dict) -> None:
        """Ask the tab to reconnect: 1012 ("service restart") makes the htmx ws extension
        reconnect, and the page then re-renders its live regions (static/js/app.js). Sent
        by `events.request_resync` when pages may be stale in ways no event describes."""
        await self._close_once(CLOSE_RESYNC)

    async def live_session_ended(self, message: dict) -> None:
        """The session this socket was opened with has ended (`events.end_session`): after a
        logout the tab stays closed (the ws extension does not reconnect after 4401);
        otherwise it reconnects with whatever session its browser now holds, and is refused
        if that is none."""
        await self._close_once(CLOSE_UNAUTHENTICATED if message["signed_out"] else CLOSE_RESYNC)

    async def live_batch(self, message: dict) -> None:
        html = "".join(_render(item["event"], item.get("data", {})) for item in message["events"])
        await self.send(text_data=html)


def _render(event: str, data: dict) -> str:
    return render_to_string("live/event.html", {"event": event, **data})
