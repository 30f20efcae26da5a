from __future__ import annotations

import logging

from channels.generic.websocket import AsyncWebsocketConsumer
from django.template.loader import render_to_string

from .events import group_name

logger = logging.getLogger(__name__)

# Close code for "not signed in" (4000-4999 are the application's own).
CLOSE_UNAUTHENTICATED = 4401
CLOSE_RESYNC = 1012


class LiveConsumer(AsyncWebsocketConsumer):
    """One socket per tab. Joins the user's group and forwards events as HTML that the
    htmx ws extension swaps in out-of-band."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = group_name(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        group = getattr(self, "group", None)
        if group:
            try:
                await self.channel_layer.group_discard(group, self.channel_name)
            except Exception:
                logger.warning("live: could not leave %s", group, exc_info=True)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """The browser only listens; anything it sends is ignored."""

    async def live_event(self, message: dict) -> None:
        await self.send(text_data=_render(message["event"], message.get("data", {})))

    async def live_reconnect(self, message: dict) -> None:
        """Ask the tab to reconnect: 1012 ("service restart") makes the htmx ws extension
        reconnect, and the page then re-renders its live regions (static/js/app.js). Sent
        by `events.request_resync` when pages may be stale in ways no event describes."""
        await self.close(code=CLOSE_RESYNC)

    async def live_batch(self, message: dict) -> None:
        html = "".join(_render(item["event"], item.get("data", {})) for item in message["events"])
        await self.send(text_data=html)


def _render(event: str, data: dict) -> str:
    return render_to_string("live/event.html", {"event": event, **data})
