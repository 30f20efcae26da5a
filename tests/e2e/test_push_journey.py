"""Web Push in Chromium: turning push on from the profile page stores the subscription
(permission granted by the test), and the service worker shows a pushed message and runs
its "Done" button against the API without opening the app.

Chromium's own push service (Google's FCM) is out of reach here, so the page gets a
stand-in `PushManager.subscribe` that answers what a browser would (an endpoint and keys);
the push message is delivered to the service worker through the DevTools protocol
(`ServiceWorker.deliverPushMessage`), which is how Chromium's push tests do it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.sync_api import BrowserContext, Page, expect

from habits.models import Habit, Occurrence
from habits.services import save_habit
from habitstory.notifications import push
from habitstory.notifications.models import Notification, PushSubscription
from tests.e2e import journeys

pytestmark = pytest.mark.e2e

PASSWORD = "a-long-pass-phrase-91"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _fake_subscription() -> dict:
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
    return {
        "endpoint": "https://fcm.googleapis.com/fcm/send/e2e-device-1",
        "expirationTime": None,
        "keys": {"p256dh": _b64(public), "auth": _b64(os.urandom(16))},
    }


# Answers like Chromium's PushManager once its push service has registered the browser.
FAKE_PUSH_MANAGER = """
(subscription) => {
  let current = null;
  const make = () => ({
    endpoint: subscription.endpoint,
    options: { userVisibleOnly: true },
    toJSON: () => subscription,
    unsubscribe: async () => { current = null; return true; },
  });
  PushManager.prototype.subscribe = async function (options) {
    if (!options || !options.userVisibleOnly || !options.applicationServerKey) throw new Error("bad options");
    window.__pushKey = Array.from(new Uint8Array(options.applicationServerKey));
    current = make();
    return current;
  };
  PushManager.prototype.getSubscription = async function () { return current; };
}
"""


@pytest.fixture
def vapid(settings):
    keys = push.generate_keys()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = keys["public_key"], keys["private_key"]
    return keys


def log_in(page: Page, base: str, email: str) -> None:
    journeys.log_in(page, base, email, PASSWORD)


def _service_worker(context: BrowserContext, page: Page):
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    deadline = dt.datetime.now() + dt.timedelta(seconds=10)
    while not context.service_workers:
        if dt.datetime.now() > deadline:
            raise AssertionError("no service worker started")
        page.wait_for_timeout(100)
    return context.service_workers[0]


def test_turning_push_on_stores_this_device_and_off_removes_it(server, page: Page, context, make_user, vapid):
    user = make_user("push@example.com", PASSWORD)
    context.grant_permissions(["notifications"], origin=server.url)
    subscription = _fake_subscription()
    page.add_init_script(f"({FAKE_PUSH_MANAGER})({json.dumps(subscription)})")
    log_in(page, server.url, user.email)

    page.goto(f"{server.url}/profile/")
    card = page.locator("#push-devices")
    expect(card.get_by_role("status")).to_have_text("Push is off for this device.")
    card.get_by_role("button", name="Turn on push on this device").click()
    expect(page.locator("#push-devices").get_by_role("status")).to_have_text("Push is on for this device.")
    expect(page.locator("#push-devices .device-list")).to_contain_text("Chrome on Linux")

    stored = PushSubscription.objects.get(user=user)
    assert stored.endpoint == subscription["endpoint"]
    assert (stored.p256dh, stored.auth) == (subscription["keys"]["p256dh"], subscription["keys"]["auth"])
    # The page subscribed with the site's VAPID public key.
    assert _b64(bytes(page.evaluate("window.__pushKey"))) == vapid["public_key"]

    page.locator("#push-devices").get_by_role("button", name="Turn off push on this device").click()
    expect(page.locator("#push-devices").get_by_role("status")).to_have_text("Push is off for this device.")
    assert not PushSubscription.objects.exists()


def test_a_blocked_permission_is_explained(server, page: Page, context, make_user, vapid):
    user = make_user("blocked@example.com", PASSWORD)
    page.add_init_script(f"({FAKE_PUSH_MANAGER})({json.dumps(_fake_subscription())})")
    page.add_init_script("Notification.requestPermission = async () => 'denied';")
    log_in(page, server.url, user.email)
    page.goto(f"{server.url}/profile/")
    page.locator("#push-devices").get_by_role("button", name="Turn on push on this device").click()
    expect(page.locator("#push-devices").get_by_role("status")).to_contain_text("Push is off for this device.")
    assert not PushSubscription.objects.exists()


def test_the_service_worker_shows_a_push_and_its_done_button_ticks_the_habit(
    server, page: Page, context, make_user, vapid
):
    user = make_user("worker@example.com", PASSWORD)
    user.profile.timezone = "Pacific/Auckland"
    user.profile.save()
    today = user.profile.local_today()
    habit = save_habit(Habit(user=user, name="Stretch", start_date=today - dt.timedelta(days=3)))
    Occurrence.objects.create(habit=habit, on=today, status="prompted")
    notification = Notification.objects.create(
        user=user,
        kind="prompts",
        title="Time for Stretch",
        body="Tick it off when it's done.",
        url="/",
        key="prompt:e2e",
        actions=push.prompt_actions(habit, today),
    )
    message = push.message(notification)

    context.grant_permissions(["notifications"], origin=server.url)
    log_in(page, server.url, user.email)
    worker = _service_worker(context, page)

    # Deliver the push as the browser's push service would, through the DevTools protocol.
    cdp = context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated", lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    for _ in range(50):
        if any(r["scopeURL"] == scope for r in registrations):
            break
        page.wait_for_timeout(100)
    # The browser is shared by the whole run: earlier tests' contexts (same origin, same
    # scope) may be reported too, and the first such registration need not be this page's.
    # Deliver to each live one; only this context's worker can show it here.
    live = {r["registrationId"] for r in registrations if r["scopeURL"] == scope and not r.get("isDeleted")}
    assert live
    for registration_id in sorted(live):
        try:
            cdp.send(
                "ServiceWorker.deliverPushMessage",
                {"origin": server.url, "registrationId": registration_id, "data": json.dumps(message)},
            )
        except Exception:  # noqa: BLE001 - a registration of a context already closed
            continue

    shown = None
    for _ in range(150):  # up to 15 s: a loaded machine starts the worker slowly
        shown = worker.evaluate(
            """() => self.registration.getNotifications().then(list => list.map(n => ({
                title: n.title, body: n.body, tag: n.tag,
                actions: n.actions.map(a => a.action), data: n.data })))"""
        )
        if shown:
            break
        page.wait_for_timeout(100)
    assert shown and shown[0]["title"] == "Time for Stretch"
    assert shown[0]["tag"] == "prompt:e2e" and shown[0]["actions"] == ["done", "snooze"]
    assert shown[0]["data"]["url"] == "/"

    # The "Done" button: the worker calls the API with the action token, no page involved.
    status = worker.evaluate(
        """async () => {
            const [n] = await self.registration.getNotifications();
            const response = await runAction(n.data.calls.done, n.data);
            return response && response.status;
        }"""
    )
    assert status == 200
    assert Occurrence.objects.get(habit=habit, on=today).status == "done"

    # A button whose call fails tells the person instead of failing silently.
    worker.evaluate(
        """async () => {
            const [n] = await self.registration.getNotifications();
            await runAction(n.data.calls.snooze, n.data);
        }"""
    )
    titles = worker.evaluate("() => self.registration.getNotifications().then(l => l.map(n => n.body))")
    assert any("that didn't work (Only a day that was just prompted can be snoozed.)" in body for body in titles)
