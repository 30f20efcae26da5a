"""The live socket, through the real ASGI application (session auth, origin check)."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings

from habitstory import live
from habitstory.asgi import application
from habitstory.live.consumers import CLOSE_UNAUTHENTICATED

pytestmark = pytest.mark.django_db(transaction=True)

ORIGIN = (b"origin", b"http://localhost")


def communicator(client=None, origin=ORIGIN):
    headers = [origin]
    if client is not None:
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode()))
    return WebsocketCommunicator(application, "/ws/live/", headers=headers)


def test_a_signed_in_user_connects_and_receives_published_events(owner_client, owner):
    async def scenario():
        socket = communicator(owner_client)
        connected, _ = await socket.connect()
        assert connected
        await sync_to_async(live.publish)(owner.pk, "toast", message="Level up!", tone="success")
        html = await socket.receive_from(timeout=3)
        assert 'id="toasts" hx-swap-oob="beforeend"' in html
        assert "Level up!" in html and "toast-success" in html
        assert 'data-event="toast"' in html
        await socket.disconnect()

    async_to_sync(scenario)()


def test_every_tab_of_the_user_receives_the_event(owner_client, owner):
    async def scenario():
        first, second = communicator(owner_client), communicator(owner_client)
        assert (await first.connect())[0] and (await second.connect())[0]
        await sync_to_async(live.publish)(owner.pk, "habit_logged", html='<li id="habit-1" hx-swap-oob="true">done</li>')
        for socket in (first, second):
            assert '<li id="habit-1" hx-swap-oob="true">done</li>' in await socket.receive_from(timeout=3)
            await socket.disconnect()

    async_to_sync(scenario)()


def test_events_do_not_leak_to_other_users(owner, stranger):
    from django.test import Client

    stranger_client = Client()
    stranger_client.force_login(stranger)

    async def scenario():
        theirs = communicator(stranger_client)
        assert (await theirs.connect())[0]
        await sync_to_async(live.publish)(owner.pk, "toast", message="private")
        assert await theirs.receive_nothing(timeout=0.3)
        await theirs.disconnect()

    async_to_sync(scenario)()


def test_an_anonymous_socket_is_refused():
    async def scenario():
        socket = communicator()
        connected, code = await socket.connect()
        assert not connected
        assert code == CLOSE_UNAUTHENTICATED

    async_to_sync(scenario)()


def test_a_foreign_origin_is_refused(owner_client):
    async def scenario():
        socket = communicator(owner_client, origin=(b"origin", b"https://evil.example"))
        connected, _ = await socket.connect()
        assert not connected

    async_to_sync(scenario)()


@pytest.mark.parametrize("event", sorted(live.EVENTS))
def test_every_event_reaches_the_socket_as_swappable_html(owner_client, owner, event):
    async def scenario():
        socket = communicator(owner_client)
        assert (await socket.connect())[0]
        fragment = f'<span id="probe-{event}" hx-swap-oob="true">{event}</span>'
        await sync_to_async(live.publish)(owner.pk, event, html=fragment, message=f"news: {event}")
        html = await socket.receive_from(timeout=3)
        assert fragment in html
        assert f"news: {event}" in html and f'data-event="{event}"' in html
        await socket.disconnect()

    async_to_sync(scenario)()


def test_a_batch_arrives_as_one_message_in_order(owner_client, owner):
    async def scenario():
        socket = communicator(owner_client)
        assert (await socket.connect())[0]
        await sync_to_async(live.publish_many)(
            owner.pk, [("habit_logged", {"html": "<li id='row-1'>1</li>"}), ("xp_gained", {"html": "<div id='xp-bar'>2</div>"})]
        )
        html = await socket.receive_from(timeout=3)
        assert html.index("row-1") < html.index("xp-bar")
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()

    async_to_sync(scenario)()


def test_a_resync_request_closes_every_tab_with_the_reconnect_code(owner_client, owner, stranger):
    from habitstory.live.consumers import CLOSE_RESYNC

    async def scenario():
        first, second = communicator(owner_client), communicator(owner_client)
        assert (await first.connect())[0] and (await second.connect())[0]
        await sync_to_async(live.request_resync)(owner.pk)
        for socket in (first, second):
            output = await socket.receive_output(timeout=3)
            assert output == {"type": "websocket.close", "code": CLOSE_RESYNC}

    async_to_sync(scenario)()
    assert CLOSE_RESYNC == 1012  # one of the codes the htmx ws extension reconnects after


def test_the_marker_names_the_habit_so_pages_can_tell_whose_news_it_is(owner_client, owner):
    async def scenario():
        socket = communicator(owner_client)
        assert (await socket.connect())[0]
        await sync_to_async(live.publish)(owner.pk, "habit_logged", habit_id=7, html="<li id='habit-row-7'></li>")
        html = await socket.receive_from(timeout=3)
        assert 'id="live-last-event" hx-swap-oob="true" data-event="habit_logged" data-habit-id="7"' in html
        await socket.disconnect()

    async_to_sync(scenario)()
