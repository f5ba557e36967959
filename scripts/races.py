"""`make races`: the money races of the refund work, over HTTP against a running `make run`.

Each race sends its requests at the same moment (one thread each, released by a barrier) and is
tried `--tries` times (default 20). After every try the books must conserve every cent the
person paid in by card:

    refunded to the card + wallet available + pending (payouts and refunds in flight)
        + the contract's escrow + released = deposited

read back through the API only (GET /payments/{id}, /me/wallet, /contracts/{id}), and the
platform's `losses:platform` account must not move (read from the local table when the stack's
settings are known: .local/stack.json). Exits 1 on the first broken try. Each try deposits, so
start the stack with a deposit quota to match: `QUOTA_DEPOSITS=1000/60 make run`.

Races: a refund and two wallet fundings of two milestones for the same money; a refund and two
withdrawals for the same money; eight partial refunds of one payment; two fundings of two
milestones for the money of one.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import boto3
import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib.adapters import ledger_repo  # noqa: E402
from chalicelib.domain import ledger  # noqa: E402
from scripts.demo import Client, Demo, DemoError, api_url_from_stack, eur  # noqa: E402
from scripts.seed import ADMIN, PASSWORD  # noqa: E402

MILESTONES = 20  # a bid's most
Send = Callable[[], requests.Response]


class RaceBroken(Exception):
    """A try created or lost money, or more than one racer won."""


def _send(user: Client, method: str, path: str, body: Any = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {user.token}", "Idempotency-Key": secrets.token_hex(12)}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return requests.request(
        method, user.api + path, data=json.dumps(body) if body is not None else None, headers=headers, timeout=60
    )


def at_once(sends: list[Send]) -> list[requests.Response]:
    barrier = threading.Barrier(len(sends))

    def run(send: Send) -> requests.Response:
        barrier.wait()
        return send()

    with ThreadPoolExecutor(len(sends)) as pool:
        return list(pool.map(run, sends))


def _losses_reader(aws_env: dict[str, str] | None) -> Callable[[], int] | None:
    if not aws_env or not aws_env.get("AWS_ENDPOINT_URL"):
        return None
    table = boto3.client(
        "dynamodb",
        endpoint_url=aws_env["AWS_ENDPOINT_URL"],
        region_name=aws_env.get("AWS_DEFAULT_REGION") or aws_env.get("AWS_REGION") or "eu-central-1",
        aws_access_key_id=aws_env.get("AWS_ACCESS_KEY_ID", "local"),
        aws_secret_access_key=aws_env.get("AWS_SECRET_ACCESS_KEY", "local"),
    )

    keys = [{"pk": {"S": p}, "sk": {"S": "BALANCE#EUR"}} for p in ledger_repo.partitions(ledger.LOSSES)]

    def read() -> int:
        """The platform's losses: the sum of the account's shards."""
        found = table.batch_get_item(RequestItems={aws_env["TABLE_NAME"]: {"Keys": keys, "ConsistentRead": True}})[
            "Responses"
        ][aws_env["TABLE_NAME"]]
        return sum(int(item["balance"]["N"]) for item in found)

    return read


@dataclass
class Party:
    user: Client
    deposits: list[str] = field(default_factory=list)
    deposited: int = 0


@dataclass
class Races:
    api: str
    aws_env: dict[str, str] | None = None
    out: Callable[..., object] = print
    tried: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.demo = Demo(self.api, lambda *_: None)
        self.losses = _losses_reader(self.aws_env)
        self.admin = self.demo.sign_in("admin", ADMIN, PASSWORD)
        self.customer = Party(self.demo.sign_up("customer"))
        self.provider = Party(self.demo.sign_up("provider"))
        self.demo.verified_profile(
            self.customer.user, self.admin, {"role": "customer", "displayName": "Race Customer", "kind": "company"}
        )
        self.demo.verified_profile(
            self.provider.user,
            self.admin,
            {"role": "provider", "displayName": "Race Provider", "kind": "individual", "skills": ["python"]},
        )
        self.provider.user.post("/me/payouts/onboarding")
        self.contracts: list[str] = []
        self.free: list[tuple[str, str]] = []  # (contract id, milestone id) still pending

    # --- building -----------------------------------------------------------------------------

    def _contract(self) -> None:
        customer, provider = self.customer.user, self.provider.user
        due = (date.today() + timedelta(days=30)).isoformat()
        task = customer.post(
            "/tasks",
            {
                "title": "Race track",
                "description": "Many small milestones.",
                "category": "data-engineering",
                "skills": ["python"],
                "budget": eur(10000 * MILESTONES),
            },
            expect=201,
        )
        customer.post(f"/tasks/{task['id']}/submit")
        self.admin.post(f"/admin/tasks/{task['id']}/approve", {})
        bid = provider.post(
            f"/tasks/{task['id']}/bids",
            {
                "price": eur(10000 * MILESTONES),
                "proposal": "Fast.",
                "durationDays": 30,
                "milestones": [
                    {"title": f"Part {n}", "amount": eur(10000), "dueDate": due} for n in range(1, MILESTONES + 1)
                ],
            },
            expect=201,
        )
        contract = customer.post(f"/bids/{bid['id']}/award", expect=201)
        customer.post(f"/contracts/{contract['id']}/sign")
        provider.post(f"/contracts/{contract['id']}/sign")
        self.contracts.append(contract["id"])
        self.free += [(contract["id"], m["id"]) for m in contract["milestones"]]

    def _milestones(self, n: int) -> list[tuple[str, str]]:
        while len(self.free) < n:
            self._contract()
        taken, self.free = self.free[:n], self.free[n:]
        return taken

    def _deposit(self, party: Party, amount: int) -> str:
        response = _send(party.user, "POST", "/me/deposits", {"amount": eur(amount)})
        if response.status_code == 429:
            raise DemoError(
                "the deposit quota is used up (QUOTA_DEPOSITS, 10 an hour by default): start the stack with "
                "`QUOTA_DEPOSITS=1000/60 make run` for the races"
            )
        if response.status_code != 201:
            raise DemoError(f"POST /me/deposits → {response.status_code}: {response.text}")
        paid = response.json()
        party.deposits.append(paid["id"])
        party.deposited += amount
        return str(paid["id"])

    # --- checking ------------------------------------------------------------------------------

    def holds(self, party: Party) -> dict[str, int]:
        user = party.user
        refunded = sum(int(user.get(f"/payments/{p}")["refunded"]["amount"]) for p in party.deposits)
        balances = {b["currency"]: b for b in user.get("/me/wallet")["balances"]}
        eur_balance = balances.get("EUR", {"available": {"amount": 0}, "pending": {"amount": 0}})
        held = {
            "refunded to the card": refunded,
            "wallet": int(eur_balance["available"]["amount"]),
            "pending": int(eur_balance["pending"]["amount"]),
        }
        if party is self.customer:
            for contract_id in self.contracts:
                contract = user.get(f"/contracts/{contract_id}")
                held["escrow"] = held.get("escrow", 0) + int(contract["escrow"]["held"]["amount"])
                held["released"] = held.get("released", 0) + int(contract["escrow"]["released"]["amount"])
        return held

    def check(self, race: str, attempt: int, party: Party, responses: list[requests.Response], winners: int) -> None:
        statuses = [r.status_code for r in responses]
        won = sum(1 for s in statuses if s < 300)
        if any(s >= 500 or (s >= 300 and s not in (409, 422)) for s in statuses) or won != winners:
            details = [f"{r.status_code} {r.text[:160]}" for r in responses]
            raise RaceBroken(f"{race} try {attempt}: expected {winners} winner(s), got {statuses}: {details}")
        held = self.holds(party)
        if sum(held.values()) != party.deposited:
            raise RaceBroken(f"{race} try {attempt}: deposited {party.deposited}, the books hold {held}")
        if self.losses is not None and self.losses() != self.losses_before:
            raise RaceBroken(f"{race} try {attempt}: losses:platform moved to {self.losses()}")

    # --- the races ------------------------------------------------------------------------------

    def refund_and_two_fundings(self, attempt: int) -> None:
        user = self.customer.user
        payment = self._deposit(self.customer, 10000)
        (c1, m1), (c2, m2) = self._milestones(2)
        responses = at_once(
            [
                lambda: _send(user, "POST", f"/payments/{payment}/refund", {"amount": eur(10000)}),
                lambda: _send(user, "POST", f"/contracts/{c1}/milestones/{m1}/fund", {"source": "wallet"}),
                lambda: _send(user, "POST", f"/contracts/{c2}/milestones/{m2}/fund", {"source": "wallet"}),
            ]
        )
        self.check("refund x funding x funding", attempt, self.customer, responses, winners=1)

    def refund_and_two_withdrawals(self, attempt: int) -> None:
        user = self.provider.user
        payment = self._deposit(self.provider, 7000)
        responses = at_once(
            [
                lambda: _send(user, "POST", f"/payments/{payment}/refund", {"amount": eur(7000)}),
                lambda: _send(user, "POST", "/me/withdrawals", {"amount": eur(7000)}),
                lambda: _send(user, "POST", "/me/withdrawals", {"amount": eur(7000)}),
            ]
        )
        self.check("refund x withdrawal x withdrawal", attempt, self.provider, responses, winners=1)

    def partial_refunds(self, attempt: int) -> None:
        user = self.customer.user
        payment = self._deposit(self.customer, 10000)
        responses = at_once([lambda: _send(user, "POST", f"/payments/{payment}/refund", {"amount": eur(3000)})] * 8)
        won = sum(1 for r in responses if r.status_code < 300)
        refunds = user.get(f"/payments/{payment}")["refunds"]
        if (
            len({r["id"] for r in refunds}) != len(refunds)
            or int(user.get(f"/payments/{payment}")["refunded"]["amount"]) != 3000 * won
        ):
            raise RaceBroken(f"refund x 8 try {attempt}: {won} won but the payment shows {refunds}")
        self.check("refund x 8", attempt, self.customer, responses, winners=won if 1 <= won <= 3 else -1)

    def two_fundings(self, attempt: int) -> None:
        user = self.customer.user
        self._deposit(self.customer, 10000)
        (c1, m1), (c2, m2) = self._milestones(2)
        responses = at_once(
            [
                lambda: _send(user, "POST", f"/contracts/{c1}/milestones/{m1}/fund", {"source": "wallet"}),
                lambda: _send(user, "POST", f"/contracts/{c2}/milestones/{m2}/fund", {"source": "wallet"}),
            ]
        )
        self.check("funding x funding", attempt, self.customer, responses, winners=1)

    def run(self, tries: int) -> dict[str, int]:
        self.losses_before = self.losses() if self.losses is not None else 0
        races = {
            "refund x funding x funding": self.refund_and_two_fundings,
            "refund x withdrawal x withdrawal": self.refund_and_two_withdrawals,
            "refund x 8 partial refunds": self.partial_refunds,
            "funding x funding": self.two_fundings,
        }
        for name, race in races.items():
            for attempt in range(1, tries + 1):
                race(attempt)
                self.tried[name] = attempt
            self.out(f"  {name:<34} {tries} tries: every cent conserved, one winner each")
        return self.tried


def stack_env() -> dict[str, str] | None:
    state = ROOT / ".local" / "stack.json"
    if not state.exists():
        return None
    try:
        return {str(k): str(v) for k, v in json.loads(state.read_text()).items()}
    except ValueError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--api-url", default=api_url_from_stack())
    parser.add_argument("--tries", type=int, default=20)
    args = parser.parse_args()
    env = stack_env()
    print(
        f"money races against {args.api_url}" + ("" if env else " (losses:platform not checked: no .local/stack.json)")
    )
    try:
        Races(args.api_url, env).run(args.tries)
    except (RaceBroken, DemoError) as error:
        print(f"\nrace failed: {error}", file=sys.stderr)
        sys.exit(1)
    print("done: no cent created or lost")


if __name__ == "__main__":
    main()
