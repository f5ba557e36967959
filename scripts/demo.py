"""`make demo`: the whole escrow lifecycle over HTTP, against a running `make run` stack.

A client that knows only docs/api.md: it finds Cognito through GET /config, signs a fresh
customer and provider up, lets the demo admin verify them, and walks a task from draft
to a completed contract with two milestones (one released after a revision, one
disputed and split by the admin), then prints the wallets, the ledgers and the
provider's card. A second deal then changes and ends: a counter-offer accepted, the signed
PDF's hash, an amendment adding a milestone that is funded and released, a non-delivery
dispute refunded, a bonus, and a termination that returns the undelivered escrow.

The API URL comes from `--api-url`, else `$API_URL`, else `.local/stack.json` (written
by `make run`), else http://127.0.0.1:8000.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import secrets
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import boto3
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.seed import ADMIN, PASSWORD  # noqa: E402

DEFAULT_API_URL = "http://127.0.0.1:8000"
CURRENCY = "EUR"
Out = Callable[..., object]


class DemoError(Exception):
    """A step did not answer as the contract says; the message holds the request and response."""


def eur(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": CURRENCY}


def fmt(money: dict[str, Any] | None) -> str:
    """{"amount": 250000, "currency": "EUR"} → "2,500.00 EUR"."""
    if money is None:
        return "-"
    amount = int(money["amount"])
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100:,}.{abs(amount) % 100:02d} {money['currency']}"


def _describe(response: requests.Response) -> str:
    try:
        return json.dumps(response.json(), indent=2)
    except ValueError:
        return response.text or "(empty body)"


@dataclass
class Client:
    """One signed-in party (or anonymous) talking to the API."""

    api: str
    who: str
    token: str | None = None
    email: str = ""

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        expect: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Any:
        sent = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        sent.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body)
            sent["Content-Type"] = "application/json"
        response = requests.request(method, self.api + path, data=data, headers=sent, timeout=30)
        if response.status_code != expect:
            request = f"{method} {path}" + (f" {data}" if data else "")
            raise DemoError(
                f"{self.who}: {request}\n  → HTTP {response.status_code} "
                f"({response.headers.get('Content-Type', '?')}), expected {expect}:\n{_describe(response)}"
            )
        return response.json() if response.content else None

    def get(self, path: str) -> Any:
        return self.call("GET", path)

    def post(self, path: str, body: Any = None, *, expect: int = 200, headers: dict[str, str] | None = None) -> Any:
        return self.call("POST", path, body, expect=expect, headers=headers)


def _expect(what: str, value: object, *wanted: object) -> None:
    if value not in wanted:
        shown = " or ".join(repr(w) for w in wanted)
        raise DemoError(f"{what}: got {value!r}, expected {shown}")


class Demo:
    def __init__(self, api_url: str, out: Out) -> None:
        self.api = api_url.rstrip("/")
        self.out = out
        try:
            config = requests.get(self.api + "/config", timeout=10)
        except requests.RequestException as exc:
            raise DemoError(f"the API at {self.api} does not answer ({exc}); is `make run` running?") from None
        if config.status_code != 200:
            raise DemoError(f"GET /config → HTTP {config.status_code}:\n{_describe(config)}")
        self.config: dict[str, Any] = config.json()
        self.cognito = boto3.client(
            "cognito-idp",
            region_name=self.config["region"],
            endpoint_url=self.config["cognitoEndpoint"],
            aws_access_key_id="demo",
            aws_secret_access_key="demo",  # the local Cognito takes any credentials
        )
        self.stamp = f"{time.strftime('%Y%m%d%H%M%S')}-{secrets.token_hex(2)}"

    def step(self, who: str, what: str, result: object) -> None:
        self.out(f"  {who:<8} → {what:<58} → {result}")

    def section(self, title: str) -> None:
        self.out(f"\n== {title}")

    # --- identity ---------------------------------------------------------------------

    def sign_in(self, who: str, email: str, password: str) -> Client:
        try:
            result = self.cognito.initiate_auth(
                ClientId=self.config["userPoolClientId"],
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": password},
            )
        except Exception as exc:
            raise DemoError(f"{who}: signing in as {email} failed: {exc}") from None
        return Client(self.api, who, result["AuthenticationResult"]["IdToken"], email)

    def sign_up(self, who: str) -> Client:
        email = f"demo-{who}-{self.stamp}@example.com"
        client_id = self.config["userPoolClientId"]
        try:
            self.cognito.sign_up(ClientId=client_id, Username=email, Password=PASSWORD)
            self.cognito.confirm_sign_up(ClientId=client_id, Username=email, ConfirmationCode="123456")
        except Exception as exc:
            raise DemoError(f"{who}: signing up {email} failed: {exc}") from None
        user = self.sign_in(who, email, PASSWORD)
        self.step(who, f"sign up {email}", "confirmed, signed in")
        return user

    def upload(self, user: Client, purpose: str, filename: str, content_type: str, content: bytes) -> str:
        grant = user.post(
            "/uploads",
            {"purpose": purpose, "filename": filename, "contentType": content_type, "size": len(content)},
            expect=201,
        )
        response = requests.post(
            grant["url"], data=grant["fields"], files={"file": (filename, content, content_type)}, timeout=30
        )
        if response.status_code not in (200, 201, 204):
            raise DemoError(
                f"{user.who}: presigned POST of {filename} to {grant['url']} → HTTP {response.status_code}:\n"
                f"{response.text}"
            )
        self.step(user.who, f"upload {filename} ({purpose}, {len(content)} bytes)", f"upload {grant['uploadId']}")
        return str(grant["uploadId"])

    def verified_profile(self, user: Client, admin: Client, body: dict[str, Any]) -> dict[str, Any]:
        me = user.post("/me", body, expect=201)
        self.step(user.who, f'POST /me ({body["role"]}, {body["kind"]}) "{body["displayName"]}"', me["verification"])
        document = self.upload(user, "verification", "registration.pdf", "application/pdf", b"%PDF-1.7 demo\n%%EOF")
        me = user.post("/me/verification", {"legalName": body["displayName"], "documents": [document]})
        _expect("verification after POST /me/verification", me["verification"], "pending")
        self.step(user.who, "POST /me/verification", me["verification"])
        me = admin.post(f"/admin/verifications/{me['id']}/approve", {})
        _expect("verification after approval", me["verification"], "verified")
        self.step("admin", f"approve the {body['role']}'s verification", me["verification"])
        return dict(me)

    # --- the journey ------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        self.out(f"Tasklane demo against {self.api} (run {self.stamp})")
        self.section("accounts")
        admin = self.sign_in("admin", ADMIN, PASSWORD)
        self.step("admin", f"sign in {ADMIN}", "signed in (group admin)")
        customer = self.sign_up("customer")
        provider = self.sign_up("provider")
        customer_me = self.verified_profile(
            customer, admin, {"role": "customer", "displayName": "Demo Robotics GmbH", "kind": "company"}
        )
        provider_me = self.verified_profile(
            provider,
            admin,
            {
                "role": "provider",
                "displayName": "Demo Data Studio",
                "kind": "individual",
                "skills": ["python", "aws", "data-engineering"],
                "languages": ["en", "de"],
                "hourlyRate": eur(9000),
            },
        )

        self.section("task and bid")
        start = date.today() + timedelta(days=7)
        task = customer.post(
            "/tasks",
            {
                "title": "Migrate the nightly ETL to AWS Glue",
                "description": "Forty jobs from cron + pandas to Glue, with tests and a runbook.",
                "category": "data-engineering",
                "skills": ["python", "aws"],
                "budget": eur(250000),
                "mode": "bidding",
                "visibility": "public",
                "startDate": start.isoformat(),
                "dueDate": (start + timedelta(days=60)).isoformat(),
            },
            expect=201,
        )
        _expect("task status after POST /tasks", task["status"], "draft")
        self.step("customer", f'POST /tasks "{task["title"]}" budget {fmt(task["budget"])}', task["status"])
        task = customer.post(f"/tasks/{task['id']}/submit")
        _expect("task status after submit", task["status"], "in_review")
        self.step("customer", "submit the task for review", task["status"])
        task = admin.post(f"/admin/tasks/{task['id']}/approve", {})
        _expect("task status after approval", task["status"], "open")
        self.step("admin", "approve the task", task["status"])

        bid = provider.post(
            f"/tasks/{task['id']}/bids",
            {
                "price": eur(250000),
                "proposal": "Done this for three logistics companies; fixed price, two milestones.",
                "durationDays": 45,
                "milestones": [
                    {
                        "title": "Glue jobs and tests",
                        "amount": eur(100000),
                        "dueDate": (start + timedelta(days=20)).isoformat(),
                    },
                    {
                        "title": "Cut-over and runbook",
                        "amount": eur(150000),
                        "dueDate": (start + timedelta(days=45)).isoformat(),
                    },
                ],
            },
            expect=201,
        )
        _expect("bid status", bid["status"], "submitted")
        self.step("provider", f"bid {fmt(bid['price'])} (1,000.00 + 1,500.00 EUR)", bid["status"])
        bid = customer.post(f"/bids/{bid['id']}/shortlist")
        _expect("bid status after shortlist", bid["status"], "shortlisted")
        self.step("customer", "shortlist the bid", bid["status"])

        self.section("contract")
        contract = customer.post(f"/bids/{bid['id']}/award", expect=201)
        _expect("contract status after award", contract["status"], "draft")
        cid = contract["id"]
        milestones = contract["milestones"]
        _expect("milestone amounts", [m["amount"]["amount"] for m in milestones], [100000, 150000])
        m1, m2 = milestones[0]["id"], milestones[1]["id"]
        self.step("customer", f"award the bid → contract {cid}", contract["status"])
        contract = customer.post(f"/contracts/{cid}/sign")
        self.step("customer", "sign the contract", contract["status"])
        contract = provider.post(f"/contracts/{cid}/sign")
        _expect("contract status after both signed", contract["status"], "active")
        self.step("provider", "sign the contract", contract["status"])

        self.section("escrow")
        deposit_key = f"demo-deposit-{self.stamp}"
        deposit = customer.post(
            "/me/deposits", {"amount": eur(400000)}, expect=201, headers={"Idempotency-Key": deposit_key}
        )
        _expect("deposit status", deposit["status"], "succeeded")
        self.step("customer", f"deposit {fmt(deposit['amount'])} (Idempotency-Key {deposit_key})", deposit["status"])
        for mid, label in ((m1, "milestone 1"), (m2, "milestone 2")):
            funded = customer.post(f"/contracts/{cid}/milestones/{mid}/fund", {"source": "wallet"})
            _expect(f"{label} after funding", funded["status"], "funded")
            self.step("customer", f"fund {label} ({fmt(funded['amount'])}) from the wallet", funded["status"])

        self.section("milestone 1: revision, then acceptance")
        base = f"/contracts/{cid}/milestones"
        first = self.upload(provider, "deliverable", "glue-jobs-v1.zip", "application/zip", _zip("v1"))
        milestone = provider.post(f"{base}/{m1}/submit", {"uploads": [first], "note": "Jobs and tests, first cut."})
        _expect("milestone 1 after submit", milestone["status"], "submitted", "under_review")
        self.step("provider", "submit milestone 1", milestone["status"])
        milestone = customer.post(f"{base}/{m1}/request-revision", {"reason": "Two jobs lack tests."})
        _expect("milestone 1 after request-revision", milestone["status"], "revision_requested")
        self.step("customer", "request a revision of milestone 1", milestone["status"])
        second = self.upload(provider, "deliverable", "glue-jobs-v2.zip", "application/zip", _zip("v2"))
        milestone = provider.post(f"{base}/{m1}/submit", {"uploads": [second], "note": "Tests added for all jobs."})
        _expect("milestone 1 after resubmit", milestone["status"], "submitted", "under_review")
        self.step("provider", "resubmit milestone 1", milestone["status"])
        milestone = customer.post(f"{base}/{m1}/accept")
        _expect("milestone 1 after accept", milestone["status"], "released")
        self.step("customer", "accept milestone 1", milestone["status"])

        self.section("milestone 2: dispute, split by the admin")
        report = self.upload(provider, "deliverable", "runbook.pdf", "application/pdf", b"%PDF-1.7 runbook\n%%EOF")
        milestone = provider.post(f"{base}/{m2}/submit", {"uploads": [report], "note": "Cut-over done."})
        _expect("milestone 2 after submit", milestone["status"], "submitted", "under_review")
        self.step("provider", "submit milestone 2", milestone["status"])
        milestone = customer.post(f"{base}/{m2}/dispute", {"reason": "The cut-over missed two jobs."})
        _expect("milestone 2 after dispute", milestone["status"], "disputed")
        self.step("customer", "dispute milestone 2", milestone["status"])
        milestone = admin.post(
            f"/admin/disputes/{cid}/{m2}/resolve",
            {"releaseAmount": eur(100000), "refundAmount": eur(50000)},
        )
        _expect("milestone 2 after resolve", milestone["status"], "resolved")
        self.step("admin", "resolve: release 1,000.00, refund 500.00 EUR", milestone["status"])

        contract = self._await_completed(customer, cid)
        self.step("customer", f"GET /contracts/{cid}", contract["status"])

        self.section("reviews")
        review = customer.post(
            f"/contracts/{cid}/reviews", {"rating": 5, "text": "Solid work, fair dispute."}, expect=201
        )
        self.step("customer", "review the provider", f"{review['rating']}/5")
        review = provider.post(
            f"/contracts/{cid}/reviews", {"rating": 5, "text": "Clear brief, quick feedback."}, expect=201
        )
        self.step("provider", "review the customer", f"{review['rating']}/5")

        self.section("money")
        customer_available = self._wallet(customer)
        provider_available = self._wallet(provider)
        self._ledger(customer)
        self._ledger(provider)
        escrow = contract["escrow"]
        self.out(
            f"\n  escrow: funded {fmt(escrow['funded'])}, released {fmt(escrow['released'])}, "
            f"refunded {fmt(escrow['refunded'])}, held {fmt(escrow['held'])} "
            f"(commission {int(contract['commissionBps']) / 100:g} %)"
        )

        self.section("provider card")
        card = Client(self.api, "anyone").get(f"/providers/{provider_me['id']}")
        self.out(
            f"  {card['displayName']}: rating {card['rating']} from {card['reviewCount']} review(s), "
            f"{card.get('completedContracts', '?')} completed contract(s), skills {', '.join(card['skills'])}"
        )
        deals = self.deals(admin, customer, provider)
        self.out(f"\nDemo users (password {PASSWORD}): {customer.email}, {provider.email}")

        return {
            "contractId": cid,
            "contractStatus": contract["status"],
            "milestones": [m["status"] for m in contract["milestones"]],
            "currency": CURRENCY,
            "customerAvailable": customer_available,
            "providerAvailable": provider_available,
            "customerId": customer_me["id"],
            "providerId": provider_me["id"],
            "providerRating": card["rating"],
            "providerCompletedContracts": card["completedContracts"],
            "deals": deals,
        }

    def deals(self, admin: Client, customer: Client, provider: Client) -> dict[str, Any]:
        """A second deal that changes and ends: a counter-offer, the signed document, an amendment, a
        non-delivery dispute, a bonus and a termination, each checked to the minor unit."""
        self.section("a deal that changes and ends")
        start = date.today() + timedelta(days=7)
        task = customer.post(
            "/tasks",
            {
                "title": "Tune the warehouse's slowest queries",
                "description": "Ten reports time out; we need them under five seconds.",
                "category": "data-engineering",
                "skills": ["python", "aws"],
                "budget": eur(120000),
                "mode": "bidding",
                "visibility": "public",
                "startDate": start.isoformat(),
                "dueDate": (start + timedelta(days=30)).isoformat(),
            },
            expect=201,
        )
        customer.post(f"/tasks/{task['id']}/submit")
        admin.post(f"/admin/tasks/{task['id']}/approve")
        due = (start + timedelta(days=14)).isoformat()
        bid = provider.post(
            f"/tasks/{task['id']}/bids",
            {
                "price": eur(100000),
                "proposal": "Indexes first, then the three worst reports rewritten.",
                "durationDays": 20,
                "milestones": [
                    {"title": "Indexes", "amount": eur(60000), "dueDate": due},
                    {"title": "Report rewrites", "amount": eur(40000), "dueDate": due},
                ],
            },
            expect=201,
        )
        self.step("provider", f"bid {fmt(bid['price'])} (600.00 + 400.00 EUR)", bid["status"])
        bid = customer.post(f"/bids/{bid['id']}/counter", {"price": eur(90000), "note": "Could you do 900?"})
        self.step("customer", f"counter-offer {fmt(bid['counterOffer']['price'])}", bid["counterOffer"]["status"])
        bid = provider.post(f"/bids/{bid['id']}/counter/accept")
        _expect("bid price after the accepted counter", bid["price"]["amount"], 90000)
        self.step("provider", "accept the counter-offer", fmt(bid["price"]))
        contract = customer.post(f"/bids/{bid['id']}/award", expect=201)
        cid = contract["id"]
        _expect("contract total at the countered price", contract["total"]["amount"], 90000)
        _expect("countered milestones", [m["amount"]["amount"] for m in contract["milestones"]], [60000, 30000])
        indexes, rewrites = (m["id"] for m in contract["milestones"])
        self.step("customer", f"award → contract {cid}", fmt(contract["total"]))
        customer.post(f"/contracts/{cid}/sign")
        contract = provider.post(f"/contracts/{cid}/sign")
        _expect("contract after both signed", contract["status"], "active")
        document = self.document(customer, cid)
        signed = {role: s["documentSha256"] for role, s in contract["signatures"].items()}
        _expect("the hash each party signed", set(signed.values()), {document})
        self.step("both", f"sign version 1 (SHA-256 {document[:12]}…)", contract["status"])

        amendment = provider.post(
            f"/contracts/{cid}/amendments",
            {
                "reason": "The nightly load needs a runbook too.",
                "changes": [{"op": "add", "title": "Runbook", "amount": eur(20000), "dueDate": due}],
            },
            expect=201,
        )
        self.step("provider", "propose an amendment: add a 200.00 EUR milestone", amendment["status"])
        amendment = customer.post(f"/contracts/{cid}/amendments/{amendment['id']}/accept")
        contract = customer.get(f"/contracts/{cid}")
        _expect("contract version after the amendment", contract["version"], 2)
        runbook = contract["milestones"][-1]["id"]
        self.step("customer", "accept the amendment", f"version {contract['version']}, {fmt(contract['total'])}")
        version2 = self.document(provider, cid)
        self.step("provider", f"download version 2 (SHA-256 {version2[:12]}…)", "application/pdf")

        bps = int(contract["commissionBps"])
        customer.post(
            "/me/deposits", {"amount": eur(130000)}, expect=201, headers={"Idempotency-Key": f"deals-{self.stamp}"}
        )
        before = {"customer": self._available(customer), "provider": self._available(provider)}
        base = f"/contracts/{cid}/milestones"
        for mid in (indexes, rewrites, runbook):
            customer.post(f"{base}/{mid}/fund", {"source": "wallet"})
        self.step("customer", "fund all three milestones from the wallet", "funded")
        upload = self.upload(provider, "deliverable", "runbook.pdf", "application/pdf", b"%PDF-1.7 runbook\n%%EOF")
        provider.post(f"{base}/{runbook}/submit", {"uploads": [upload], "note": "Runbook attached."})
        released = customer.post(f"{base}/{runbook}/accept")
        self.step("customer", "accept the added milestone", released["status"])

        disputed = customer.post(f"{base}/{rewrites}/dispute", {"reason": "Nothing delivered after the due week."})
        _expect("the undelivered milestone", disputed["status"], "disputed")
        self.step("customer", "dispute the undelivered rewrites (non-delivery)", disputed["dispute"]["kind"])
        admin.post(f"/admin/disputes/{cid}/{rewrites}/resolve", {"releaseAmount": eur(0), "refundAmount": eur(30000)})
        self.step("admin", "resolve: refund all 300.00 EUR", "resolved")

        customer.post(
            f"/contracts/{cid}/bonus",
            {"amount": eur(5000), "note": "Thanks for the runbook."},
            expect=201,
            headers={"Idempotency-Key": f"bonus-{self.stamp}"},
        )
        self.step("customer", "pay a 50.00 EUR bonus", "paid")

        contract = customer.post(f"/contracts/{cid}/terminate", {"reason": "We stop after the runbook."})
        _expect("termination after the proposal", contract["termination"]["status"], "proposed")
        self.step("customer", "propose to terminate", contract["termination"]["status"])
        contract = provider.post(f"/contracts/{cid}/terminate", {})
        _expect("contract after the agreement", contract["status"], "terminated")
        statuses = [m["status"] for m in contract["milestones"]]
        _expect("milestones after termination", statuses, ["refunded", "resolved", "released"])
        self.step("provider", "agree: the funded, undelivered indexes come back", contract["status"])

        after = {"customer": self._available(customer), "provider": self._available(provider)}
        paid = 20000 - _commission(20000, bps) + 5000 - _commission(5000, bps)
        _expect("the provider's earnings", after["provider"] - before["provider"], paid)
        _expect("what the customer paid", before["customer"] - after["customer"], 20000 + 5000)
        self.out(
            f"  deal {cid}: provider +{fmt(eur(paid))} (runbook and bonus, less commission); customer paid "
            f"{fmt(eur(25000))}; 900.00 EUR of escrow came back through the dispute and the termination"
        )
        return {"contractId": cid, "status": contract["status"], "milestones": statuses, "providerEarned": paid}

    def document(self, user: Client, cid: str) -> str:
        """Download the contract's PDF and check the header's SHA-256 against the bytes."""
        response = requests.get(
            f"{self.api}/contracts/{cid}/document",
            headers={"Authorization": f"Bearer {user.token}", "Accept": "application/pdf"},
            timeout=30,
        )
        if response.status_code != 200 or not response.content.startswith(b"%PDF"):
            raise DemoError(f"GET /contracts/{cid}/document → HTTP {response.status_code}:\n{_describe(response)}")
        sha = hashlib.sha256(response.content).hexdigest()
        _expect("X-Document-SHA256", response.headers.get("X-Document-SHA256"), sha)
        return sha

    def _available(self, user: Client) -> int:
        balances = user.get("/me/wallet")["balances"]
        mine = next((b for b in balances if b["currency"] == CURRENCY), None)
        return int(mine["available"]["amount"]) if mine else 0

    def _await_completed(self, user: Client, cid: str, timeout: float = 10) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            contract: dict[str, Any] = user.get(f"/contracts/{cid}")
            if contract["status"] == "completed" or time.monotonic() > deadline:
                break
            time.sleep(0.25)
        _expect(f"contract status {timeout:g}s after the last milestone settled", contract["status"], "completed")
        return contract

    def _wallet(self, user: Client) -> int:
        balances = user.get("/me/wallet")["balances"]
        mine = next((b for b in balances if b["currency"] == CURRENCY), None)
        available = int(mine["available"]["amount"]) if mine else 0
        pending = int(mine["pending"]["amount"]) if mine else 0
        self.out(f"  {user.who:<8} wallet: available {fmt(eur(available)):>14}   pending {fmt(eur(pending)):>12}")
        return available

    def _ledger(self, user: Client) -> None:
        items = user.get("/me/ledger?limit=100")["items"]
        self.out(f"\n  {user.who} ledger (newest first)")
        self.out(f"    {'at':<20}  {'kind':<14}  {'amount':>14}  contract / milestone")
        for entry in items:
            where = "/".join(x for x in (entry.get("contractId"), entry.get("milestoneId")) if x) or "-"
            self.out(f"    {str(entry['at'])[:19]:<20}  {entry['kind']:<14}  {fmt(entry['amount']):>14}  {where}")


def _commission(amount: int, bps: int) -> int:
    """The platform's cut, rounded half up to the minor unit (as docs/ledger.md says)."""
    return (amount * bps + 5000) // 10000


def _zip(version: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", f"Glue jobs, {version}\n")
        archive.writestr("jobs/orders.py", "def main() -> None:\n    print('orders')\n")
    return buffer.getvalue()


def run(api_url: str, out: Out = print) -> dict[str, Any]:
    """Walk the lifecycle against the API at `api_url`; return the final figures. Raises DemoError."""
    return Demo(api_url, out).run()


def api_url_from_stack() -> str:
    state = ROOT / ".local" / "stack.json"
    if state.exists():
        try:
            return str(json.loads(state.read_text()).get("API_URL") or DEFAULT_API_URL)
        except ValueError:
            pass
    return DEFAULT_API_URL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api-url", default=os.environ.get("API_URL") or api_url_from_stack())
    args = parser.parse_args()
    try:
        figures = run(args.api_url)
    except DemoError as error:
        print(f"\ndemo failed: {error}", file=sys.stderr)
        sys.exit(1)
    except requests.RequestException as error:
        print(f"\ndemo failed: the API at {args.api_url} stopped answering: {error}", file=sys.stderr)
        sys.exit(1)
    print(
        f"\ndone: contract {figures['contractId']} {figures['contractStatus']}, "
        f"milestones {', '.join(figures['milestones'])}; customer {fmt(eur(figures['customerAvailable']))}, "
        f"provider {fmt(eur(figures['providerAvailable']))} available"
    )


if __name__ == "__main__":
    main()
