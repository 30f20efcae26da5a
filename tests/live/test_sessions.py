"""A session that ends takes its sockets with it: logging out, a deleted session row (a
revocation) and a password change elsewhere close them; the user's other sessions keep
theirs."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from habitstory import live
from habitstory.asgi import application
from habitstory.live.consumers import CLOSE_RESYNC, CLOSE_UNAUTHENTICATED
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

CLOSED = {"type": "websocket.close"}


def socket_for(client: Client) -> WebsocketCommunicator:
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    headers = [(b"origin", b"http://localhost"), (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session}".encode())]
    return WebsocketCommunicator(application, "/ws/live/", headers=headers)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


async def open_socket(client: Client) -> WebsocketCommunicator:
    socket = socket_for(client)
    connected, _ = await socket.connect()
    assert connected
    return socket


async def closed_with(socket: WebsocketCommunicator, code: int) -> None:
    assert await socket.receive_output(timeout=3) == {**CLOSED, "code": code}
    assert await socket.receive_nothing(timeout=0.2)  # closed once, nothing after


async def still_live(socket: WebsocketCommunicator, user) -> None:
    await sync_to_async(live.publish)(user.pk, "toast", message="still here")
    assert "still here" in await socket.receive_from(timeout=3)


def test_logging_out_closes_that_sessions_sockets(owner):
    laptop, phone = signed_in(owner), signed_in(owner)

    async def scenario():
        first_tab, second_tab, phone_tab = await open_socket(laptop), await open_socket(laptop), await open_socket(phone)
        response = await sync_to_async(laptop.post)(reverse("account_logout"))
        assert response.status_code == 302
        for tab in (first_tab, second_tab):
            await closed_with(tab, CLOSE_UNAUTHENTICATED)  # not a code the browser reconnects after
        await still_live(phone_tab, owner)
        await phone_tab.disconnect()

    async_to_sync(scenario)()


def test_a_deleted_session_closes_its_sockets(owner):
    laptop, phone = signed_in(owner), signed_in(owner)
    key = laptop.session.session_key

    async def scenario():
        laptop_tab, phone_tab = await open_socket(laptop), await open_socket(phone)
        await sync_to_async(Session.objects.filter(session_key=key).delete)()
        # 1012: the tab reconnects with whatever session its browser now has ...
        await closed_with(laptop_tab, CLOSE_RESYNC)
        # ... and this one is gone.
        connected, code = await socket_for(laptop).connect()
        assert (connected, code) == (False, CLOSE_UNAUTHENTICATED)
        await still_live(phone_tab, owner)
        await phone_tab.disconnect()

    async_to_sync(scenario)()


def test_a_password_change_closes_the_sockets_of_the_other_sessions(owner):
    laptop, phone = signed_in(owner), signed_in(owner)
    form = {"oldpassword": PASSWORD, "password1": "a-new-horse-battery-2026", "password2": "a-new-horse-battery-2026"}

    async def scenario():
        laptop_tab, phone_tab = await open_socket(laptop), await open_socket(phone)
        response = await sync_to_async(laptop.post)(reverse("account_change_password"), form)
        assert response.status_code == 302, response.content
        for tab in (laptop_tab, phone_tab):
            await closed_with(tab, CLOSE_RESYNC)
        # The laptop stays signed in (its session carries the new password's hash) and
        # reconnects; the phone's session no longer verifies.
        laptop_again = await open_socket(laptop)
        await still_live(laptop_again, owner)
        await laptop_again.disconnect()
        connected, code = await socket_for(phone).connect()
        assert (connected, code) == (False, CLOSE_UNAUTHENTICATED)

    async_to_sync(scenario)()


def test_clearing_expired_sessions_sends_nothing(owner, monkeypatch):
    client = signed_in(owner)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(days=1)
    )
    sent = []
    monkeypatch.setattr("habitstory.live.events._send", lambda group, message: sent.append(group))
    call_command("clearsessions")
    assert not Session.objects.exists()
    assert sent == []  # an expired session's cookie is dead already: no message per row
