"""Web Push: subscriptions per device, sending through a real (local) push service that
decrypts what it receives, 404/410 removal, the buttons' action tokens, the keys."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse
from py_vapid import Vapid

from habits.models import Habit, Occurrence
from habits.services import save_habit
from habitstory.notifications import push
from habitstory.notifications.models import Notification, PushSubscription
from habitstory.notifications.services import notify
from habitstory.story.prompts import send_prompts

pytestmark = pytest.mark.django_db

CHROME_ANDROID = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Browser:
    """What a browser holds for one subscription: its key pair and auth secret."""

    def __init__(self, endpoint: str):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.endpoint = endpoint

    def subscription(self) -> dict:
        public = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": {"p256dh": b64(public), "auth": b64(self.auth)}}

    def decrypt(self, body: bytes) -> dict:
        return json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))


class PushService:
    """A push service on 127.0.0.1 that answers each path with a chosen status and keeps
    what it received."""

    def __init__(self):
        self.received: list[dict] = []
        self.status: dict[str, int] = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                service.received.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                self.send_response(service.status.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def service():
    svc = PushService()
    yield svc
    svc.close()


@pytest.fixture
def vapid(settings):
    keys = push.generate_keys()
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = keys["public_key"], keys["private_key"]
    settings.VAPID_SUBJECT = "mailto:ops@example.com"
    return keys


def _push_prefs(user, *kinds):
    profile = user.profile
    profile.notification_preferences = {kind: ["in_app", "push"] for kind in kinds}
    profile.save()


def _subscribe(user, browser: Browser) -> PushSubscription:
    return push.subscribe(user, browser.subscription(), device="Chrome on Linux")[0]


# --- Subscriptions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"endpoint": ""}, "endpoint"),
        ({"endpoint": "http://push.example.com/x"}, "endpoint"),  # plain http off the loopback
        ({"endpoint": "ftp://push.example.com/x"}, "endpoint"),
        ({"endpoint": "https://" + "a" * 1000}, "endpoint"),
        ({"keys": {"p256dh": "not-a-key", "auth": b64(b"x" * 16)}}, "keys.p256dh"),
        ({"keys": {"p256dh": b64(b"\x05" + b"x" * 64), "auth": b64(b"x" * 16)}}, "keys.p256dh"),
        ({"keys": {"auth": b64(b"x" * 16)}}, "keys.p256dh"),
        ({"keys": "nope"}, "keys.auth"),
    ],
)
def test_a_bad_subscription_names_the_field(change, field):
    data = {**Browser("https://push.example.com/abc").subscription(), **change}
    with pytest.raises(push.SubscriptionError) as error:
        push.parse_subscription(data)
    assert field in error.value.details


def test_subscribing_stores_one_row_per_browser_and_a_browser_belongs_to_one_user(owner, stranger):
    browser = Browser("https://push.example.com/abc")
    first, created = push.subscribe(owner, browser.subscription(), device="Chrome on Android")
    again, created_again = push.subscribe(owner, browser.subscription(), device="Chrome on Android")
    assert created and not created_again and first.pk == again.pk
    moved, _ = push.subscribe(stranger, browser.subscription())
    assert moved.pk == first.pk and moved.user == stranger
    assert PushSubscription.objects.count() == 1


def test_the_subscribe_endpoint_stores_the_device(client, owner, vapid):
    client.force_login(owner)
    browser = Browser("https://fcm.googleapis.com/fcm/send/abc")
    response = client.post(
        reverse("notifications:push-subscribe"),
        json.dumps(browser.subscription()),
        content_type="application/json",
        headers={"User-Agent": CHROME_ANDROID},
    )
    assert response.status_code == 201
    row = PushSubscription.objects.get()
    assert (row.user, row.device, row.endpoint) == (owner, "Chrome on Android", browser.endpoint)
    assert response.json() == {"id": row.pk, "device": "Chrome on Android"}


def test_the_subscribe_endpoint_answers_400_with_details(client, owner, vapid):
    client.force_login(owner)
    url = reverse("notifications:push-subscribe")
    assert client.post(url, "{not json", content_type="application/json").status_code == 400
    response = client.post(url, json.dumps({"endpoint": "http://evil.example/x"}), content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"endpoint", "keys.p256dh", "keys.auth"}
    assert not PushSubscription.objects.exists()


def test_subscribing_without_vapid_keys_is_refused(client, owner):
    client.force_login(owner)
    browser = Browser("https://push.example.com/abc")
    response = client.post(
        reverse("notifications:push-subscribe"), json.dumps(browser.subscription()), content_type="application/json"
    )
    assert response.status_code == 409 and "not set up" in response.json()["errors"]["push"]


def test_the_push_endpoints_need_a_login_and_csrf(client, owner, vapid):
    url = reverse("notifications:push-subscribe")
    assert client.post(url, "{}", content_type="application/json").status_code == 302
    strict = type(client)(enforce_csrf_checks=True)
    strict.force_login(owner)
    browser = Browser("https://push.example.com/abc")
    assert strict.post(url, json.dumps(browser.subscription()), content_type="application/json").status_code == 403


def test_unsubscribing_and_removing_a_device(client, owner, stranger, vapid):
    mine = _subscribe(owner, Browser("https://push.example.com/mine"))
    other = _subscribe(owner, Browser("https://push.example.com/other"))
    theirs = _subscribe(stranger, Browser("https://push.example.com/theirs"))
    client.force_login(owner)
    url = reverse("notifications:push-unsubscribe")
    assert client.post(url, json.dumps({"endpoint": mine.endpoint}), content_type="application/json").json() == {
        "removed": True
    }
    # Someone else's endpoint is not removed by this user.
    assert client.post(url, json.dumps({"endpoint": theirs.endpoint}), content_type="application/json").json() == {
        "removed": False
    }
    assert client.post(url, "[]", content_type="application/json").status_code == 400
    assert client.post(reverse("notifications:push-remove", args=[theirs.pk])).status_code == 404
    response = client.post(reverse("notifications:push-remove", args=[other.pk]))
    assert response.status_code == 302 and response["Location"].endswith("#push-devices")
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [theirs.endpoint]


def test_the_profile_page_shows_the_push_card(client, owner, vapid):
    _subscribe(owner, Browser("https://push.example.com/mine"))
    client.force_login(owner)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'id="push-devices"' in page and f'data-public-key="{vapid["public_key"]}"' in page
    assert "Turn on push on this device" in page and "Chrome on Linux" in page


def test_without_keys_the_card_says_push_is_not_set_up(client, owner):
    client.force_login(owner)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "not set up on this server" in page and "Turn on push" not in page


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        (CHROME_ANDROID, "Chrome on Android"),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox on Windows"),
        ("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 Edg/126.0", "Edge on Windows"),
        ("", "Browser"),
    ],
)
def test_device_labels(agent, label):
    assert push.device_label(agent) == label


# --- Sending ------------------------------------------------------------------------------------


def test_a_notification_is_encrypted_for_each_device_and_signed_with_vapid(owner, vapid, service):
    _push_prefs(owner, "prompts")
    phone, laptop = Browser(service.url("/sub/phone")), Browser(service.url("/sub/laptop"))
    _subscribe(owner, phone)
    _subscribe(owner, laptop)
    n = notify(owner, "prompts", "Time for Stretch", "Tick it off", url="/habits/1/", key="prompt:1")

    delivery = n.deliveries.get(channel="push")
    assert (delivery.status, delivery.detail) == ("sent", "sent to 2 of 2 devices")
    by_path = {r["path"]: r for r in service.received}
    assert set(by_path) == {"/sub/phone", "/sub/laptop"}
    for browser, path in ((phone, "/sub/phone"), (laptop, "/sub/laptop")):
        request = by_path[path]
        assert request["headers"]["content-encoding"] == "aes128gcm"
        assert request["headers"]["ttl"] == str(push.TTL_SECONDS["prompts"])
        # The VAPID signature verifies with the site's public key, for this push service.
        scheme, _, credentials = request["headers"]["authorization"].partition(" ")
        assert scheme == "vapid"
        params = dict(part.strip().split("=", 1) for part in credentials.split(","))
        assert params["k"] == vapid["public_key"]
        assert Vapid.from_raw_public(params["k"].encode()).verify_token(
            params["t"].rsplit(".", 1)[0].encode(), params["t"].rsplit(".", 1)[1]
        )
        claims = json.loads(base64.urlsafe_b64decode(params["t"].split(".")[1] + "=="))
        assert claims["aud"] == service.url("") and claims["sub"] == "mailto:ops@example.com"
        message = browser.decrypt(request["body"])
        assert message == {
            "title": "Time for Stretch",
            "body": "Tick it off",
            "url": "/habits/1/",
            "tag": "prompt:1",
            "kind": "prompts",
            "actions": [],
            "calls": {},
        }
    assert PushSubscription.objects.filter(last_sent_at__isnull=False).count() == 2


def test_a_subscription_the_service_says_is_gone_is_removed(owner, vapid, service):
    _push_prefs(owner, "prompts")
    _subscribe(owner, Browser(service.url("/sub/ok")))
    _subscribe(owner, Browser(service.url("/sub/expired")))
    _subscribe(owner, Browser(service.url("/sub/unknown")))
    service.status.update({"/sub/expired": 410, "/sub/unknown": 404})
    n = notify(owner, "prompts", "Time for Stretch")
    delivery = n.deliveries.get(channel="push")
    assert (delivery.status, delivery.detail) == ("sent", "sent to 1 of 3 devices; 2 gone (removed)")
    assert list(PushSubscription.objects.values_list("endpoint", flat=True)) == [service.url("/sub/ok")]


def test_a_failing_push_service_keeps_the_subscription_and_counts(owner, vapid, service):
    _push_prefs(owner, "prompts")
    sub = _subscribe(owner, Browser(service.url("/sub/busy")))
    service.status["/sub/busy"] = 503
    n = notify(owner, "prompts", "Time for Stretch")
    delivery = n.deliveries.get(channel="push")
    assert (delivery.status, delivery.detail) == ("failed", "sent to 0 of 1 device; 1 failed")
    sub.refresh_from_db()
    assert sub.failures == 1
    assert n.deliveries.get(channel="in_app").status == "sent"


def test_an_unreachable_push_service_is_a_failure_not_an_error(owner, vapid, service):
    _push_prefs(owner, "prompts")
    url = service.url("/sub/x")
    service.close()
    _subscribe(owner, Browser(url))
    n = notify(owner, "prompts", "Time for Stretch")
    assert n.deliveries.get(channel="push").status == "failed"


def test_push_is_skipped_without_devices_keys_or_preference(owner, vapid, service, settings):
    _push_prefs(owner, "prompts")
    n = notify(owner, "prompts", "One")
    assert n.deliveries.get(channel="push").detail == "no device subscribed"
    _subscribe(owner, Browser(service.url("/sub/a")))
    settings.VAPID_PRIVATE_KEY = ""
    n = notify(owner, "prompts", "Two")
    assert (n.deliveries.get(channel="push").status, n.deliveries.get(channel="push").detail) == (
        "skipped_unavailable",
        "web push not configured",
    )
    settings.VAPID_PRIVATE_KEY = vapid["private_key"]
    owner.profile.notification_preferences = {"prompts": ["in_app"]}
    owner.profile.save()
    n = notify(owner, "prompts", "Three")
    assert n.deliveries.get(channel="push").status == "skipped_pref"
    assert service.received == []


def test_quiet_hours_hold_push_back(owner, vapid, service, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 23, 30, tzinfo=dt.UTC), tick=False)
    _push_prefs(owner, "prompts")
    owner.profile.timezone = "Europe/London"
    owner.profile.quiet_hours_start, owner.profile.quiet_hours_end = dt.time(22), dt.time(7)
    owner.profile.save()
    _subscribe(owner, Browser(service.url("/sub/a")))
    n = notify(owner, "prompts", "Late")
    assert n.deliveries.get(channel="push").status == "skipped_quiet"
    assert service.received == []


# --- Prompts carry their buttons -------------------------------------------------------------------


def _prompted_habit(user, time_machine, **fields) -> Habit:
    user.profile.timezone = "Europe/London"
    user.profile.save()
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 1, tzinfo=dt.UTC), tick=False)
    habit = save_habit(
        Habit(user=user, name="Stretch", start_date=dt.date(2026, 1, 1), reminder_time=dt.time(9, 0), **fields)
    )
    assert send_prompts()["sent"] == 1
    return habit


def test_a_prompt_push_has_done_and_snooze_that_work_without_the_app(client, owner, vapid, service, time_machine):
    _push_prefs(owner, "prompts")
    browser = Browser(service.url("/sub/phone"))
    _subscribe(owner, browser)
    habit = _prompted_habit(owner, time_machine)

    [request] = service.received
    message = browser.decrypt(request["body"])
    assert [a["action"] for a in message["actions"]] == ["done", "snooze"]
    done, snooze = message["calls"]["done"], message["calls"]["snooze"]
    assert (done["method"], done["path"], done["body"]) == ("PUT", f"/api/v1/habits/{habit.pk}/log/2026-03-10", {"status": "done"})
    assert (snooze["method"], snooze["path"]) == ("POST", f"/api/v1/habits/{habit.pk}/log/2026-03-10/snooze")

    # The service worker's calls: no session cookie, no CSRF token, just the action token.
    anonymous = type(client)(enforce_csrf_checks=True)
    snoozed = anonymous.post(snooze["path"], headers={"Authorization": f"Bearer {snooze['token']}"})
    assert snoozed.status_code == 200, snoozed.content
    assert Occurrence.objects.get(habit=habit).status == "scheduled"
    ticked = anonymous.put(
        done["path"], json.dumps(done["body"]), content_type="application/json",
        headers={"Authorization": f"Bearer {done['token']}"},
    )
    assert ticked.status_code == 200, ticked.content
    assert Occurrence.objects.get(habit=habit).status == "done"


def test_a_measurable_prompt_offers_only_snooze(owner, vapid, service, time_machine):
    _push_prefs(owner, "prompts")
    _subscribe(owner, Browser(service.url("/sub/phone")))
    _prompted_habit(owner, time_machine, kind="at_least", target_value=8, unit="glasses")
    notification = Notification.objects.get(kind="prompts")
    assert [a["action"] for a in notification.actions] == ["snooze"]


# --- Action tokens ----------------------------------------------------------------------------------


def test_an_action_token_is_good_only_for_its_call_user_and_two_days(client, owner, stranger, time_machine):
    time_machine.move_to(dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC), tick=False)
    mine = save_habit(Habit(user=owner, name="Read", start_date=dt.date(2026, 1, 1)))
    theirs = save_habit(Habit(user=stranger, name="Run", start_date=dt.date(2026, 1, 1)))
    path = f"/api/v1/habits/{mine.pk}/log/2026-03-10"
    token = push.action_token(owner.pk, "PUT", path)
    body = json.dumps({"status": "done"})

    def put(url, tok=token):
        return client.put(url, body, content_type="application/json", headers={"Authorization": f"Bearer {tok}"})

    assert put(f"/api/v1/habits/{mine.pk}/log/2026-03-09").status_code == 401  # another day
    assert client.delete(path, headers={"Authorization": f"Bearer {token}"}).status_code == 401  # another method
    assert put(f"/api/v1/habits/{theirs.pk}/log/2026-03-10", push.action_token(owner.pk, "PUT", f"/api/v1/habits/{theirs.pk}/log/2026-03-10")).status_code == 404
    assert put(path, token[:-2] + ("AA" if not token.endswith("AA") else "BB")).status_code == 401  # tampered
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    time_machine.move_to(dt.datetime(2026, 3, 12, 9, 1, tzinfo=dt.UTC), tick=False)
    assert put(path).status_code == 401  # older than two days
    time_machine.move_to(dt.datetime(2026, 3, 11, 9, 0, tzinfo=dt.UTC), tick=False)
    assert put(path).status_code == 200
    owner.is_active = False
    owner.save()
    assert put(path).status_code == 401


# --- Keys ----------------------------------------------------------------------------------------------


def test_settings_accept_a_matching_pair_and_refuse_others(monkeypatch, tmp_path):
    from habitstory.core.vapid import keys_from_environment as _vapid_keys

    keys, other = push.generate_keys(), push.generate_keys()
    monkeypatch.setenv("VAPID_KEYS_FILE", "")
    monkeypatch.setenv("VAPID_PUBLIC_KEY", keys["public_key"])
    monkeypatch.setenv("VAPID_PRIVATE_KEY", keys["private_key"])
    assert _vapid_keys() == (keys["public_key"], keys["private_key"])
    monkeypatch.setenv("VAPID_PRIVATE_KEY", other["private_key"])
    with pytest.raises(ImproperlyConfigured, match="matching P-256 pair"):
        _vapid_keys()
    monkeypatch.setenv("VAPID_PRIVATE_KEY", "")
    with pytest.raises(ImproperlyConfigured, match="set together"):
        _vapid_keys()
    monkeypatch.delenv("VAPID_PUBLIC_KEY")
    monkeypatch.delenv("VAPID_PRIVATE_KEY")
    assert _vapid_keys() == ("", "")
    stored = tmp_path / "vapid.json"
    stored.write_text(json.dumps(keys))
    monkeypatch.setenv("VAPID_KEYS_FILE", str(stored))
    assert _vapid_keys() == (keys["public_key"], keys["private_key"])
    stored.write_text("{}")
    with pytest.raises(ImproperlyConfigured, match="VAPID_KEYS_FILE"):
        _vapid_keys()


def test_vapid_keys_ensure_writes_a_private_local_pair_once(monkeypatch, tmp_path, capsys):
    from habitstory.core.vapid import keys_from_environment as _vapid_keys

    target = tmp_path / "var" / "vapid.json"
    monkeypatch.delenv("VAPID_PUBLIC_KEY", raising=False)
    monkeypatch.delenv("VAPID_PRIVATE_KEY", raising=False)
    monkeypatch.setenv("VAPID_KEYS_FILE", str(target))
    call_command("vapid_keys", "--ensure")
    first = target.read_text()
    assert oct(target.stat().st_mode & 0o777) == "0o600"
    call_command("vapid_keys", "--ensure")
    assert target.read_text() == first
    assert _vapid_keys() == tuple(json.loads(first)[k] for k in ("public_key", "private_key"))
    monkeypatch.setenv("VAPID_PUBLIC_KEY", "set")
    call_command("vapid_keys", "--ensure")
    assert "from the environment" in capsys.readouterr().out


def test_vapid_keys_prints_a_new_pair(capsys):
    call_command("vapid_keys")
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    assert set(lines) == {"VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY"}
    assert len(base64.urlsafe_b64decode(lines["VAPID_PUBLIC_KEY"] + "=")) == 65


def test_the_service_worker_handles_push_and_clicks(client):
    script = client.get("/sw.js").content.decode()
    for needle in ('addEventListener("push"', 'addEventListener("notificationclick"', "Authorization: `Bearer ${call.token}`"):
        assert needle in script
