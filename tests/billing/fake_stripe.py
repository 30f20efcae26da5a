"""A small local fake of Stripe's API for the real `stripe` library (docs/billing.md, "Tests").

An HTTP server in the test process, on 127.0.0.1 and a free port: customers (with
idempotency keys, as Stripe honours them), Checkout and Portal sessions (their `url` is a page
on this server: "Fake Checkout" links to the session's success URL), and subscriptions to
read back (`sync_subscriptions`). Point the app at it with `settings.STRIPE_API_BASE = fake.url`.
Also: `sign()` makes a `Stripe-Signature` header with Stripe's scheme, `event()` and
`subscription()` build the objects webhooks carry."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class FakeStripe:
    def __init__(self, *, customer_delay: float = 0.0) -> None:
        self.customers: dict[str, dict] = {}
        self.checkout_sessions: dict[str, dict] = {}
        self.portal_sessions: dict[str, dict] = {}
        self.subscriptions: dict[str, dict] = {}  # tests put Stripe's truth here
        self.requests: list[tuple[str, str, dict]] = []  # (method, path, form)
        self.customer_delay = customer_delay
        self._idempotent: dict[str, dict] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeStripe:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def next_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}_fake{next(self._ids)}"

    # --- the API ---------------------------------------------------------------------

    def answer(self, method: str, path: str, form: dict, idempotency_key: str | None) -> tuple[int, dict | str]:
        self.requests.append((method, path, form))
        if method == "POST" and idempotency_key:
            with self._lock:
                if (path, idempotency_key) in self._idempotent:
                    return 200, self._idempotent[(path, idempotency_key)]
        status, body = self._route(method, path, form)
        if method == "POST" and idempotency_key and status == 200:
            with self._lock:
                self._idempotent.setdefault((path, idempotency_key), body)
                body = self._idempotent[(path, idempotency_key)]
        return status, body

    def _route(self, method: str, path: str, form: dict) -> tuple[int, dict | str]:
        parts = [part for part in path.split("/") if part]
        if method == "POST" and parts == ["v1", "customers"]:
            time.sleep(self.customer_delay)
            customer = {"id": self.next_id("cus"), "object": "customer", "email": form.get("email"),
                        "metadata": _nested(form, "metadata"), "created": int(time.time())}
            self.customers[customer["id"]] = customer
            return 200, customer
        if method == "POST" and parts == ["v1", "checkout", "sessions"]:
            session_id = self.next_id("cs_test")
            session = {"id": session_id, "object": "checkout.session", "mode": form.get("mode"),
                       "customer": form.get("customer"), "client_reference_id": form.get("client_reference_id"),
                       "success_url": form.get("success_url"), "cancel_url": form.get("cancel_url"),
                       "price": form.get("line_items[0][price]"), "metadata": _nested(form, "metadata"),
                       "url": f"{self.url}/pay/{session_id}", "status": "open"}
            self.checkout_sessions[session_id] = session
            return 200, session
        if method == "POST" and parts == ["v1", "billing_portal", "sessions"]:
            portal = {"id": self.next_id("bps"), "object": "billing_portal.session",
                      "customer": form.get("customer"), "return_url": form.get("return_url")}
            portal["url"] = f"{self.url}/portal/{portal['id']}"
            self.portal_sessions[portal["id"]] = portal
            return 200, portal
        if method == "GET" and parts[:2] == ["v1", "subscriptions"] and len(parts) == 3:
            if parts[2] in self.subscriptions:
                return 200, self.subscriptions[parts[2]]
            return 404, _error(f"No such subscription: '{parts[2]}'")
        if method == "GET" and parts == ["v1", "subscriptions"]:
            found = [sub for sub in self.subscriptions.values()
                     if not form.get("customer") or sub["customer"] == form["customer"]]
            return 200, {"object": "list", "data": found, "has_more": False, "url": "/v1/subscriptions"}
        if method == "GET" and parts[:1] == ["pay"] and len(parts) == 2 and parts[1] in self.checkout_sessions:
            session = self.checkout_sessions[parts[1]]
            back = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session["id"])
            return 200, (f"<!doctype html><title>Fake Checkout</title><h1>Fake Checkout</h1>"
                         f"<p>{session['price']}</p><a href=\"{back}\">Pay</a>"
                         f"<a href=\"{session['cancel_url']}\">Back</a>")
        if method == "GET" and parts[:1] == ["portal"] and len(parts) == 2 and parts[1] in self.portal_sessions:
            back = self.portal_sessions[parts[1]]["return_url"]
            return 200, f"<!doctype html><title>Fake Portal</title><h1>Fake Portal</h1><a href=\"{back}\">Return</a>"
        return 404, _error(f"Unrecognized request URL ({method}: {path}).")


def _handler(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

        def _answer(self, method: str) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else split.query
            form = dict(parse_qsl(body, keep_blank_values=True))
            status, answer = fake.answer(method, split.path, form, self.headers.get("Idempotency-Key"))
            data = answer.encode() if isinstance(answer, str) else json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html" if isinstance(answer, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Request-Id", "req_fake")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            """No request log: the tests' output is not the place for one."""

    return Handler


def _nested(form: dict, name: str) -> dict:
    prefix = f"{name}["
    return {key[len(prefix):-1]: value for key, value in form.items() if key.startswith(prefix)}


def _error(message: str) -> dict:
    return {"error": {"type": "invalid_request_error", "message": message}}


# --- webhooks ------------------------------------------------------------------------------


def sign(payload: bytes | str, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header: t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")."""
    payload = payload.encode() if isinstance(payload, str) else payload
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


_event_ids = itertools.count(1)


def event(type_: str, obj: dict, *, created: int, event_id: str | None = None) -> dict:
    """A webhook event as Stripe sends it (API version 2025 and later)."""
    return {"id": event_id or f"evt_fake{next(_event_ids)}", "object": "event", "type": type_,
            "created": created, "livemode": False, "api_version": "2025-09-30.clover",
            "data": {"object": obj}, "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None}}


def subscription(sub_id: str, customer: str, status: str, *, created: int, period_end: int,
                 cancel_at_period_end: bool = False, price: str = "price_monthly", interval: str = "month",
                 canceled_at: int | None = None) -> dict:
    """A subscription object; since API version 2025-03-31 its period is on its items."""
    return {"id": sub_id, "object": "subscription", "customer": customer, "status": status, "created": created,
            "cancel_at_period_end": cancel_at_period_end, "canceled_at": canceled_at,
            "ended_at": canceled_at if status == "canceled" else None, "metadata": {},
            "items": {"object": "list", "data": [{
                "id": f"si_{sub_id}", "object": "subscription_item", "current_period_start": created,
                "current_period_end": period_end,
                "price": {"id": price, "object": "price", "recurring": {"interval": interval}},
            }]}}


def invoice(invoice_id: str, customer: str, sub_id: str, status: str, *, created: int) -> dict:
    """An invoice (2025 API: its subscription is under parent.subscription_details)."""
    return {"id": invoice_id, "object": "invoice", "customer": customer, "status": status, "created": created,
            "subscription": sub_id,
            "parent": {"type": "subscription_details", "subscription_details": {"subscription": sub_id}}}
