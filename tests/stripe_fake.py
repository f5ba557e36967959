"""A Stripe-shaped fake for tests: an `HTTPClient` plugged into the real `stripe.StripeClient`.

The SDK's own code runs unchanged: parameter encoding, the Idempotency-Key header (reused on its
retries), Stripe-Account for Connect, response parsing and error mapping. The fake decodes the
form-encoded requests, keeps objects, balance transactions and idempotency keys like Stripe does,
records every request, and answers with Stripe-shaped JSON. Tests can script failures
(`fail_next`: a declined card 402, a rate limit 429, a 500, a timeout) and make Stripe-side things
happen (a customer confirms a card, a dashboard refund, a dispute, a payout paid or failed), each
returning the event Stripe would send. `signed()` signs an event body the way Stripe does
(`Stripe-Signature: t=<unix>,v1=<HMAC-SHA256 of "<t>.<body>">`), computed here independently.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from requests.structures import CaseInsensitiveDict
from stripe import APIConnectionError, StripeClient
from stripe._http_client import HTTPClient

if TYPE_CHECKING:
    from chalicelib.adapters.payment_port import PaymentGateway

API_VERSION = "2026-10-28.endive"
TEST_SECRET = "whsec_test_tasklane_fake_0123456789"
_serial = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_fake{next(_serial):08d}{int(time.time() * 1000) % 100000:05d}"


def nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`metadata[a]=1&expand[0]=x` → {"metadata": {"a": "1"}, "expand": ["x"]} (Stripe's form encoding)."""
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        parts = re.findall(r"[^\[\]]+", raw_key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        if node and all(k.isdigit() for k in node):
            return [_listify(node[k]) for k in sorted(node, key=int)]
        return {k: _listify(v) for k, v in node.items()}
    return node


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("Idempotency-Key")

    @property
    def account(self) -> str | None:
        return self.headers.get("Stripe-Account")


@dataclass
class Failure:
    path: str  # a substring of "<METHOD> <path>"
    kind: str  # card_declined | rate_limit | server_error | timeout | balance_insufficient


@dataclass
class FakeStripe(HTTPClient):
    name = "fake-stripe"

    requests: list[Request] = field(default_factory=list)
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    transactions: list[dict[str, Any]] = field(default_factory=list)
    connected_balance: dict[str, int] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    refund_status: str = "succeeded"  # what a new refund answers; "pending" until `settle_refund`
    _keys: dict[tuple[str | None, str], tuple[str, int, str]] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    now: int = field(default_factory=lambda: int(time.time()))

    def __post_init__(self) -> None:
        super().__init__()

    def __hash__(self) -> int:
        return id(self)

    # --- the HTTPClient interface --------------------------------------------------------------

    def _sleep_time_seconds(self, num_retries: int) -> float:
        return 0.0  # the SDK's retries without the wait

    def request(
        self, method: str, url: str, headers: Any, post_data: Any = None, *, _usage: Any = None
    ) -> tuple[str, int, CaseInsensitiveDict[str]]:
        body, status, headers = self._answer(method, url, headers, post_data)
        return body, status, CaseInsensitiveDict(headers)  # as `requests` gives them: the SDK looks up lower-case

    def _answer(self, method: str, url: str, headers: Any, post_data: Any) -> tuple[str, int, dict[str, str]]:
        parts = urlsplit(url)
        body = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
        params = nest(parse_qsl(parts.query if method.lower() == "get" else body, keep_blank_values=True))
        request = Request(method.upper(), parts.path, params, dict(headers or {}))
        with self._lock:
            self.requests.append(request)
            failure = self._failure(request)
            if failure is not None:
                return self._fail(failure)
            key = (request.account, request.idempotency_key) if request.idempotency_key else None
            fingerprint = json.dumps([request.method, request.path, request.params], sort_keys=True)
            if key is not None and request.method == "POST" and key in self._keys:
                first, status, response = self._keys[key]
                if first != fingerprint:
                    return self._error(
                        400,
                        "idempotency_error",
                        None,
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        "used with.",
                    )
                return response, status, {"Request-Id": _id("req"), "Idempotent-Replayed": "true"}
            status, payload = self._route(request)
            response = json.dumps(payload)
            if key is not None and request.method == "POST":
                self._keys[key] = (fingerprint, status, response)
            return response, status, {"Request-Id": _id("req"), "Stripe-Version": API_VERSION}

    def request_stream(self, method: str, url: str, headers: Any, post_data: Any = None, *, _usage: Any = None) -> Any:
        raise NotImplementedError("the fake does not stream")

    def close(self) -> None:
        return None

    # --- failures -------------------------------------------------------------------------------

    def fail_next(self, path: str, kind: str, times: int = 1) -> None:
        for _ in range(times):
            self.failures.append(Failure(path, kind))

    def _failure(self, request: Request) -> Failure | None:
        target = f"{request.method} {request.path}"
        for failure in self.failures:
            if failure.path in target:
                self.failures.remove(failure)
                return failure
        return None

    def _fail(self, failure: Failure) -> tuple[str, int, dict[str, str]]:
        if failure.kind == "timeout":
            raise APIConnectionError("Request timed out (fake)", should_retry=True)
        if failure.kind == "card_declined":
            return self._error(
                402, "card_error", "card_declined", "Your card was declined.", decline="insufficient_funds"
            )
        if failure.kind == "rate_limit":
            return self._error(429, "invalid_request_error", "rate_limit", "Too many requests hit the API too quickly.")
        if failure.kind == "balance_insufficient":
            return self._error(400, "invalid_request_error", "balance_insufficient", "Insufficient funds.")
        return self._error(500, "api_error", None, "An unknown error occurred", retry="false")

    def _error(
        self,
        status: int,
        kind: str,
        code: str | None,
        message: str,
        decline: str | None = None,
        retry: str | None = None,
    ) -> tuple[str, int, dict[str, str]]:
        error: dict[str, Any] = {"type": kind, "message": message}
        if code:
            error["code"] = code
        if decline:
            error["decline_code"] = decline
        headers = {"Request-Id": _id("req")}
        if retry:
            headers["Stripe-Should-Retry"] = retry
        return json.dumps({"error": error}), status, headers

    # --- the API --------------------------------------------------------------------------------

    def _route(self, r: Request) -> tuple[int, dict[str, Any]]:
        p = r.params
        if r.method == "POST" and r.path == "/v1/payment_intents":
            return 200, self._create_intent(p)
        if m := re.fullmatch(r"/v1/payment_intents/(pi_\w+)", r.path):
            return self._get(m.group(1))
        if r.method == "POST" and r.path == "/v1/refunds":
            return self._refund(p)
        if r.method == "POST" and r.path == "/v1/accounts":
            return 200, self._create_account(p)
        if r.method == "POST" and r.path == "/v1/account_links":
            return 200, {
                "object": "account_link",
                "created": self.now,
                "expires_at": self.now + 300,
                "url": f"https://connect.stripe.com/setup/e/{p['account']}/{_id('link')}",
            }
        if r.method == "POST" and r.path == "/v1/transfers":
            return self._transfer(p)
        if m := re.fullmatch(r"/v1/transfers/(tr_\w+)/reversals", r.path):
            return self._reverse(m.group(1), p)
        if r.method == "POST" and r.path == "/v1/payouts":
            return self._payout(p, r.account)
        if r.method == "GET" and r.path == "/v1/balance_transactions":
            return 200, self._balance_transactions(p)
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL ({r.path})"}}

    def _get(self, object_id: str) -> tuple[int, dict[str, Any]]:
        if object_id not in self.objects:
            return 404, {
                "error": {"type": "invalid_request_error", "code": "resource_missing", "message": "No such object"}
            }
        return 200, copy.deepcopy(self.objects[object_id])

    def _create_intent(self, p: dict[str, Any]) -> dict[str, Any]:
        intent_id = _id("pi")
        intent = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(p["amount"]),
            "amount_capturable": 0,
            "amount_received": 0,
            "automatic_payment_methods": {"enabled": p.get("automatic_payment_methods", {}).get("enabled") == "true"},
            "capture_method": "automatic",
            "client_secret": f"{intent_id}_secret_{_id('cs')}",
            "created": self.now,
            "currency": p["currency"],
            "description": p.get("description"),
            "last_payment_error": None,
            "latest_charge": None,
            "livemode": False,
            "metadata": p.get("metadata", {}),
            "status": "requires_payment_method",
            "transfer_group": p.get("transfer_group"),
        }
        self.objects[intent_id] = intent
        return copy.deepcopy(intent)

    def _refund(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        intent = self.objects.get(p["payment_intent"])
        if intent is None or intent["status"] != "succeeded":
            return 400, {
                "error": {"type": "invalid_request_error", "code": "charge_not_refundable", "message": "Not paid."}
            }
        charge = self.objects[intent["latest_charge"]]
        amount = int(p.get("amount") or charge["amount"] - charge["amount_refunded"])
        if amount > charge["amount"] - charge["amount_refunded"]:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "amount_too_large",
                    "param": "amount",
                    "message": "Refund amount is greater than unrefunded amount on charge",
                }
            }
        return 200, self._make_refund(intent, charge, amount, p.get("metadata", {}))

    def _make_refund(
        self, intent: dict[str, Any], charge: dict[str, Any], amount: int, metadata: dict[str, Any]
    ) -> dict[str, Any]:
        refund = {
            "id": _id("re"),
            "object": "refund",
            "amount": amount,
            "charge": charge["id"],
            "created": self.now,
            "currency": charge["currency"],
            "metadata": metadata,
            "payment_intent": intent["id"],
            "status": self.refund_status if metadata else "succeeded",
        }
        self.objects[refund["id"]] = refund
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] == charge["amount"]
        self._txn("refund", -amount, charge["currency"], refund)
        return copy.deepcopy(refund)

    def _create_account(self, p: dict[str, Any]) -> dict[str, Any]:
        account = {
            "id": _id("acct"),
            "object": "account",
            "type": p.get("type", "express"),
            "country": p.get("country"),
            "email": p.get("email"),
            "capabilities": {"transfers": "inactive"},
            "charges_enabled": False,
            "payouts_enabled": False,
            "details_submitted": False,
            "metadata": p.get("metadata", {}),
            "created": self.now,
        }
        self.objects[account["id"]] = account
        self.connected_balance[account["id"]] = 0
        return copy.deepcopy(account)

    def platform_balance(self, currency: str = "eur") -> int:
        return sum(t["net"] for t in self.transactions if t["currency"] == currency)

    def _transfer(self, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        amount, currency, destination = int(p["amount"]), p["currency"], p["destination"]
        if destination not in self.objects:
            return 400, {
                "error": {"type": "invalid_request_error", "code": "account_invalid", "message": "No such destination"}
            }
        if self.platform_balance(currency) < amount:
            return self._balance_error()
        transfer = {
            "id": _id("tr"),
            "object": "transfer",
            "amount": amount,
            "amount_reversed": 0,
            "created": self.now,
            "currency": currency,
            "destination": destination,
            "metadata": p.get("metadata", {}),
            "reversals": {"object": "list", "data": [], "has_more": False, "url": ""},
            "reversed": False,
            "transfer_group": p.get("transfer_group"),
        }
        self.objects[transfer["id"]] = transfer
        self.connected_balance[destination] = self.connected_balance.get(destination, 0) + amount
        self._txn("transfer", -amount, currency, transfer)
        return 200, copy.deepcopy(transfer)

    def _balance_error(self) -> tuple[int, dict[str, Any]]:
        return 400, {
            "error": {
                "type": "invalid_request_error",
                "code": "balance_insufficient",
                "message": "You have insufficient available funds in your Stripe account.",
            }
        }

    def _reverse(self, transfer_id: str, p: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        transfer = self.objects.get(transfer_id)
        if transfer is None:
            return self._get(transfer_id)
        amount = int(p.get("amount") or transfer["amount"] - transfer["amount_reversed"])
        if amount > transfer["amount"] - transfer["amount_reversed"]:
            return 400, {
                "error": {
                    "type": "invalid_request_error",
                    "code": "transfer_already_reversed",
                    "message": "The transfer has already been fully reversed.",
                }
            }
        if self.connected_balance.get(transfer["destination"], 0) < amount:
            return self._balance_error()
        reversal = {
            "id": _id("trr"),
            "object": "transfer_reversal",
            "amount": amount,
            "created": self.now,
            "currency": transfer["currency"],
            "metadata": p.get("metadata", {}),
            "transfer": transfer_id,
        }
        self.objects[reversal["id"]] = reversal
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
        transfer["reversals"]["data"].append(copy.deepcopy(reversal))
        self.connected_balance[transfer["destination"]] -= amount
        self._txn("transfer_refund", amount, transfer["currency"], reversal)
        return 200, copy.deepcopy(reversal)

    def _payout(self, p: dict[str, Any], account: str | None) -> tuple[int, dict[str, Any]]:
        amount, currency = int(p["amount"]), p["currency"]
        if account is not None and self.connected_balance.get(account, 0) < amount:
            return self._balance_error()
        payout = {
            "id": _id("po"),
            "object": "payout",
            "amount": amount,
            "arrival_date": self.now + 2 * 86400,
            "created": self.now,
            "currency": currency,
            "destination": _id("ba"),
            "failure_code": None,
            "failure_message": None,
            "metadata": p.get("metadata", {}),
            "status": "pending",
            "account": account,
        }
        self.objects[payout["id"]] = payout
        if account is not None:
            self.connected_balance[account] -= amount
        else:
            self._txn("payout", -amount, currency, payout)
        return 200, copy.deepcopy(payout)

    def _txn(self, kind: str, amount: int, currency: str, source: dict[str, Any], fee: int = 0) -> dict[str, Any]:
        txn = {
            "id": _id("txn"),
            "object": "balance_transaction",
            "amount": amount,
            "created": self.now,
            "currency": currency,
            "fee": fee,
            "net": amount - fee,
            "reporting_category": kind,
            "source": source["id"],
            "status": "available",
            "type": kind,
        }
        self.transactions.append(txn)
        return txn

    def _balance_transactions(self, p: dict[str, Any]) -> dict[str, Any]:
        created = p.get("created", {})
        low, high = int(created.get("gte", 0)), int(created.get("lt", 2**62))
        rows = [t for t in reversed(self.transactions) if low <= t["created"] < high]  # newest first, as Stripe lists
        if "starting_after" in p:
            ids = [t["id"] for t in rows]
            rows = rows[ids.index(p["starting_after"]) + 1 :]
        limit = int(p.get("limit", 10))
        page = rows[:limit]
        expand = "data.source" in (p.get("expand") or [])
        data = []
        for txn in page:
            item = copy.deepcopy(txn)
            if expand:
                item["source"] = copy.deepcopy(self.objects[txn["source"]])
            data.append(item)
        return {"object": "list", "data": data, "has_more": len(rows) > limit, "url": "/v1/balance_transactions"}

    # --- things that happen at Stripe, and the events they send ------------------------------------

    def event(self, kind: str, obj: dict[str, Any], account: str | None = None) -> dict[str, Any]:
        event: dict[str, Any] = {
            "id": _id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now,
            "data": {"object": copy.deepcopy(obj)},
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "type": kind,
        }
        if account is not None:
            event["account"] = account
        return event

    def intents(self) -> Iterator[dict[str, Any]]:
        return (o for o in self.objects.values() if o["object"] == "payment_intent")

    def confirm(self, intent_id: str) -> dict[str, Any]:
        """The customer confirms the card and it is charged: `payment_intent.succeeded`."""
        with self._lock:
            intent = self.objects[intent_id]
            amount = intent["amount"]
            charge = {
                "id": _id("ch"),
                "object": "charge",
                "amount": amount,
                "amount_captured": amount,
                "amount_refunded": 0,
                "captured": True,
                "created": self.now,
                "currency": intent["currency"],
                "metadata": intent["metadata"],
                "paid": True,
                "payment_intent": intent_id,
                "refunded": False,
                "status": "succeeded",
                "transfer_group": intent["transfer_group"],
            }
            self.objects[charge["id"]] = charge
            fee = round(amount * 0.015) + 25
            self._txn("charge", amount, intent["currency"], charge, fee)
            intent.update(status="succeeded", amount_received=amount, latest_charge=charge["id"])
            return self.event("payment_intent.succeeded", intent)

    def processing(self, intent_id: str) -> dict[str, Any]:
        with self._lock:
            intent = self.objects[intent_id]
            intent["status"] = "processing"
            return self.event("payment_intent.processing", intent)

    def decline(self, intent_id: str, decline_code: str = "insufficient_funds") -> dict[str, Any]:
        """The customer's card is declined: `payment_intent.payment_failed`; the intent can be tried again."""
        with self._lock:
            intent = self.objects[intent_id]
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {
                "type": "card_error",
                "code": "card_declined",
                "decline_code": decline_code,
                "message": "Your card was declined.",
            }
            return self.event("payment_intent.payment_failed", intent)

    def dashboard_refund(self, intent_id: str, amount: int | None = None) -> dict[str, Any]:
        """Someone refunds from the Stripe dashboard: `charge.refunded` with the cumulative amount_refunded."""
        with self._lock:
            intent = self.objects[intent_id]
            charge = self.objects[intent["latest_charge"]]
            self._make_refund(intent, charge, amount or charge["amount"] - charge["amount_refunded"], {})
            return self.refunded_event(intent_id)

    def settle_refund(self, refund_id: str, status: str) -> dict[str, Any]:
        """A refund moves on (pending → succeeded, or → failed at the bank): `refund.updated`, or `refund.failed`.
        A failed refund gives the money back to the platform balance and off the charge's amount_refunded."""
        with self._lock:
            refund = self.objects[refund_id]
            refund["status"] = status
            if status == "failed":
                charge = self.objects[refund["charge"]]
                charge["amount_refunded"] -= refund["amount"]
                charge["refunded"] = False
                self._txn("refund_failure", refund["amount"], charge["currency"], refund)
                return self.event("refund.failed", refund)
            return self.event("refund.updated", refund)

    def refunded_event(self, intent_id: str) -> dict[str, Any]:
        charge = self.objects[self.objects[intent_id]["latest_charge"]]
        return self.event("charge.refunded", charge)

    def dispute(self, intent_id: str, reason: str = "fraudulent") -> dict[str, Any]:
        with self._lock:
            intent = self.objects[intent_id]
            charge = self.objects[intent["latest_charge"]]
            dispute = {
                "id": _id("dp"),
                "object": "dispute",
                "amount": charge["amount"],
                "charge": charge["id"],
                "created": self.now,
                "currency": charge["currency"],
                "payment_intent": intent_id,
                "reason": reason,
                "status": "needs_response",
            }
            self.objects[dispute["id"]] = dispute
            self._txn("adjustment", -charge["amount"], charge["currency"], dispute, fee=1500)
            return self.event("charge.dispute.created", dispute)

    def update_account(self, account_id: str, **changes: Any) -> dict[str, Any]:
        with self._lock:
            account = self.objects[account_id]
            account.update(changes)
            return self.event("account.updated", account, account=account_id)

    def object_event(self, kind: str, object_id: str, account: str | None = None) -> dict[str, Any]:
        return self.event(kind, self.objects[object_id], account=account)

    def pay_out(self, payout_id: str) -> dict[str, Any]:
        with self._lock:
            payout = self.objects[payout_id]
            payout["status"] = "paid"
            return self.event("payout.paid", payout, account=payout["account"])

    def fail_payout(self, payout_id: str, code: str = "account_closed") -> dict[str, Any]:
        """The bank returns the payout: the money is back in the connected account's balance."""
        with self._lock:
            payout = self.objects[payout_id]
            payout.update(status="failed", failure_code=code, failure_message="The bank account has been closed.")
            self.connected_balance[payout["account"]] += payout["amount"]
            return self.event("payout.failed", payout, account=payout["account"])

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects.values() if o["object"] == kind]

    def posts(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.method == "POST" and r.path == path]


def client(fake: FakeStripe, retries: int = 2) -> StripeClient:
    return StripeClient("sk_test_tasklane_fake", http_client=fake, max_network_retries=retries)


def signed(event: dict[str, Any], secret: str = TEST_SECRET, timestamp: int | None = None) -> tuple[bytes, str]:
    """The body Stripe would POST and its `Stripe-Signature` header (t=…,v1=HMAC-SHA256(secret, "t.body"))."""
    body = json.dumps(event, indent=2)
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()
    return body.encode(), f"t={t},v1={mac}"


# --- integration tests: the fake behind the payment port, webhooks over the app's HTTP route ----------------


@dataclass
class Delivery:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class StripeWorld:
    """PAYMENTS=stripe for one test: the real StripeClient on a FakeStripe, and Stripe's deliveries to our route."""

    fake: FakeStripe
    port: Any
    http: Any

    def deliver(self, event: dict[str, Any], secret: str = TEST_SECRET, timestamp: int | None = None) -> Delivery:
        body, header = signed(event, secret, timestamp)
        return self.post(body, header)

    def post(self, body: bytes, signature: str | None) -> Delivery:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if signature is not None:
            headers["Stripe-Signature"] = signature
        response = self.http.post("/webhooks/stripe", headers=headers, body=body)
        parsed = json.loads(response.body) if response.body else {}
        return Delivery(response.status_code, parsed, dict(response.headers))

    def ok(self, event: dict[str, Any]) -> str:
        delivery = self.deliver(event)
        assert delivery.status == 200, delivery
        return str(delivery.body["outcome"])

    def intent_for(self, milestone_id: str) -> dict[str, Any]:
        (intent,) = [i for i in self.fake.intents() if i["metadata"].get("milestoneId") == milestone_id]
        return intent


@contextmanager
def using(port: PaymentGateway) -> Iterator[PaymentGateway]:
    """Every `gateway()` call answers with `port` inside the block (e.g. the sandbox inside a Stripe world)."""
    from chalicelib.adapters import gateways

    before = gateways.install(port)
    try:
        yield port
    finally:
        gateways.install(before)


def stripe_world(monkeypatch: Any) -> Iterator[StripeWorld]:
    """Use as a fixture body (the `aws` fixture must be up): installs the Stripe gateway on a fresh fake."""
    from chalice.test import Client

    import app
    from chalicelib.adapters import stripe_gateway
    from chalicelib.settings import get_settings

    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", TEST_SECRET)
    get_settings.cache_clear()  # the webhook secret is a setting, read once
    stripe_gateway.config.cache_clear()
    fake = FakeStripe()
    port = stripe_gateway.StripeGateway(client(fake))
    try:
        with using(port), Client(app.app, stage_name="local") as test_client:
            yield StripeWorld(fake, port, test_client.http)
    finally:
        get_settings.cache_clear()
        stripe_gateway.config.cache_clear()
