"""Issue 17's acceptance over HTTP: a hub task from posting to release, through the hub and quality control.

The company's client records every response it gets (JSON, CSV, the contract document's headers and the text of
its pages) and the test fails if any of them holds the expert's profile id, Cognito sub, display name or email.
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
import zlib
from dataclasses import dataclass, field
from typing import Any

import requests

from tests.e2e.conftest import User, World, eventually

EUR = "EUR"


def eur(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": EUR}


@dataclass
class Watched(User):
    """A client whose every response is kept as the text a user could read in it (headers included)."""

    seen: list[tuple[str, str]] = field(default_factory=list)

    def call(self, method: str, path: str, body: Any = None, raw: str | None = None, **kw: Any) -> requests.Response:
        response = super().call(method, path, body, raw, **kw)
        headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
        if response.headers.get("Content-Type", "").startswith("application/pdf"):
            text = pdf_text(response.content)
        else:
            text = response.text
        self.seen.append((f"{method} {path} → {response.status_code}", headers + "\n" + text))
        return response

    def leaks(self, secrets: list[str]) -> list[tuple[str, str]]:
        return [(request, secret) for request, text in self.seen for secret in secrets if secret in text]


def pdf_text(pdf: bytes) -> str:
    """The PDF's uncompressed parts (metadata) and the text its pages show (inflated, `\\(` unescaped), as
    Latin-1; lines wrapped on a page are joined by a space."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL)
    content = b"\n".join(zlib.decompress(stream) for stream in streams if stream[:1] == b"x")
    shown = [re.sub(rb"\\(.)", rb"\1", s) for s in re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", content)]
    return b"\n".join([pdf, b" ".join(shown)]).decode("latin-1")


def sub_of(user: User) -> str:
    """The Cognito sub in the user's ID token (the claims part is unpadded base64url)."""
    claims = str(user.token).split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))["sub"])


def available(user: User) -> dict[str, int]:
    return {b["currency"]: b["available"]["amount"] for b in user.ok("GET", "/me/wallet")["balances"]}


def verified(world: World, user: User, role: str, name: str) -> dict[str, Any]:
    me = user.ok("POST", "/me", {"role": role, "displayName": name, "kind": "individual", "skills": ["python"]}, 201)
    document = world.upload(user)
    user.ok("POST", "/me/verification", {"legalName": name, "documents": [document]})
    return dict(world.admin().ok("POST", f"/admin/verifications/{me['id']}/approve", {}))


def test_a_hub_task_runs_to_release_through_qc_without_the_company_seeing_the_expert(world: World) -> None:
    tag = "".join(random.choices(string.ascii_lowercase, k=8))  # letters only: digits could read as a phone number
    admin = world.admin()

    signed_in = world.sign_up(f"company.{tag}.")
    company = Watched(signed_in.api, signed_in.token, signed_in.email)
    verified(world, company, "customer", f"Hubco {tag.title()} GmbH")
    expert = world.sign_up(f"heidi.{tag}.")
    expert_me = verified(world, expert, "provider", f"Heidi Hubexpert {tag.title()}")
    reviewer = world.sign_up(f"qc{tag}")
    reviewer_me = verified(world, reviewer, "provider", f"Quinn Checker {tag.title()}")
    secrets = [expert_me["id"], sub_of(expert), expert.email, expert_me["displayName"]]
    assert expert_me["anonymous"] is False  # the hub hides even an expert who did not ask to be anonymous

    # posting: hub mode and quality control asked for; the company talks to the hub, not to bidders
    task = world.open_task(company, hub=True, qualityReview=True, title="Gearbox FEA check")
    assert task["hub"] is True and task["status"] == "open"
    hub_thread = company.ok("POST", f"/tasks/{task['id']}/threads", {}, status=201)
    company.ok("POST", f"/threads/{hub_thread['id']}/messages", {"text": "Can it start in January?"}, status=201)
    admin.ok("POST", f"/threads/{hub_thread['id']}/messages", {"text": "Yes, the hub confirms."}, status=201)

    # the bid waits for the hub; the admin counters (the company may not) and forwards it
    milestone = {"title": "FEA report", "amount": eur(100000), "dueDate": "2027-02-20"}
    body = {
        "price": eur(100000),
        "proposal": "Twenty years of gearboxes.",
        "durationDays": 30,
        "milestones": [milestone],
    }
    bid = expert.ok("POST", f"/tasks/{task['id']}/bids", body, status=201)
    assert company.ok("GET", f"/tasks/{task['id']}/bids")["items"] == []
    assert company.get(f"/bids/{bid['id']}").status_code == 404
    counter = {"price": eur(90000), "note": "The hub proposes 900.00."}
    assert company.post(f"/bids/{bid['id']}/counter", counter).status_code == 404  # not theirs to see yet
    admin.ok("POST", f"/bids/{bid['id']}/counter", counter)
    assert expert.ok("POST", f"/bids/{bid['id']}/counter/accept")["price"] == eur(90000)
    assert admin.ok("POST", f"/admin/bids/{bid['id']}/forward")["status"] == "forwarded"
    assert company.post(f"/bids/{bid['id']}/counter", counter).status_code == 403  # forwarded: the hub counters

    (listed,) = company.ok("GET", f"/tasks/{task['id']}/bids")["items"]
    alias_id, alias_name = listed["providerId"], listed["provider"]["displayName"]
    assert alias_id.startswith("anon-") and alias_name.startswith("Expert #")
    company.ok("GET", f"/bids/{bid['id']}")

    # award, sign, fund
    contract = company.ok("POST", f"/bids/{bid['id']}/award", status=201)
    cid, (milestone_view,) = contract["id"], contract["milestones"]
    base = f"/contracts/{cid}/milestones/{milestone_view['id']}"
    assert (contract["hub"], contract["providerId"], contract["total"]) == (True, alias_id, eur(90000))
    assert expert.ok("GET", f"/contracts/{cid}")["providerId"] == expert_me["id"]  # the expert is not masked
    expert.ok("POST", f"/contracts/{cid}/sign")
    assert company.ok("POST", f"/contracts/{cid}/sign")["status"] == "active"
    document = company.get(f"/contracts/{cid}/document", headers={"Accept": "application/pdf"})
    assert document.status_code == 200 and document.headers["X-Document-Version"] == "1"
    shown = pdf_text(document.content)
    assert "Counterparty: Tasklane hub (on behalf of the expert)" in shown
    assert f"{alias_name} (id {alias_id})" in shown  # the pages are read: the alias is where a name would be
    company.ok("POST", "/me/deposits", {"amount": eur(90000)}, status=201)
    assert company.ok("POST", f"{base}/fund", {"source": "wallet"})["status"] == "funded"

    # the admin finds a reviewer among the candidates and assigns them
    candidates = admin.ok("GET", f"/admin/contracts/{cid}/reviewer-candidates?q=qc{tag}")["items"]
    assert [c["providerId"] for c in candidates] == [reviewer_me["id"]]
    assert admin.ok("POST", f"/admin/contracts/{cid}/reviewer", {"providerId": reviewer_me["id"]})["reviewerId"]

    # the expert writes in the contract thread; the company reads them by the alias
    thread = company.ok("GET", f"/contracts/{cid}/thread")
    expert.ok("POST", f"/threads/{thread['id']}/messages", {"text": "Starting on the mesh today."}, status=201)
    messages = company.ok("GET", f"/threads/{thread['id']}/messages")["items"]
    assert [message["senderId"] for message in messages] == [alias_id]

    # first submission: the hub forwards it to QC, the reviewer sends it back
    def submit(note: str) -> None:
        upload = world.upload(expert, "deliverable", content=f"%PDF-1.7 {note}".encode())
        sent = expert.ok("POST", f"{base}/submit", {"uploads": [upload], "note": note})
        assert (sent["status"], sent["reviewDeadline"]) == ("hub_review", None)

    submit("first cut")
    assert company.ok("GET", f"/contracts/{cid}")["milestones"][0]["status"] == "hub_review"
    assert admin.ok("POST", f"{base}/forward")["status"] == "qc_review"
    rejected = reviewer.ok("POST", f"{base}/qc-reject", {"reason": "The load cases are missing."})
    assert rejected["status"] == "revision_requested"

    # second submission: forwarded, approved; the company's review window starts only now
    submit("with load cases")
    assert admin.ok("POST", f"{base}/forward")["status"] == "qc_review"
    waiting = company.ok("GET", f"/contracts/{cid}")["milestones"][0]
    assert (waiting["status"], waiting["reviewDeadline"]) == ("qc_review", None)
    approved = reviewer.ok("POST", f"{base}/qc-approve")
    assert approved["status"] == "under_review" and approved["reviewDeadline"]
    assert company.ok("GET", f"/contracts/{cid}")["milestones"][0]["reviewDeadline"] == approved["reviewDeadline"]

    # the company accepts: the expert gets the amount less commission, the QC fee is the platform's
    assert company.ok("POST", f"{base}/accept")["status"] == "released"
    net = 90000 - 90000 * int(contract["commissionBps"]) // 10000  # 9 * bps: exact, no rounding
    assert available(expert) == {EUR: net}
    assert available(company) == {EUR: 0}  # the deposit went into escrow, nothing more for quality control
    assert available(reviewer) == {EUR: 2 * 90000 * 300 // 10000}  # a 3 % fee per decision (QC_FEE_BPS default)
    done = company.ok("GET", f"/contracts/{cid}")
    assert done["status"] == "completed" and done["milestones"][0]["status"] == "released"

    # everything else the company reads about the contract, once its notifications have arrived
    wanted = {"BidForwarded", "MessagePosted", "QcRejected", "QcApproved", "MilestoneReleased"}
    eventually(
        lambda: wanted <= {n["type"] for n in company.ok("GET", "/me/notifications?limit=100")["items"]},
        "the company's notifications",
    )
    company.ok("GET", "/me/threads")
    assert alias_id in {line["actor"] for line in company.ok("GET", f"/contracts/{cid}/audit")["items"]}
    assert company.get(f"/contracts/{cid}/audit?format=csv").status_code == 200
    assert {c["providerId"] for c in company.ok("GET", "/me/contracts")["items"]} == {alias_id}
    company.ok("GET", f"/tasks/{task['id']}/bids")
    company.ok("GET", f"/threads/{hub_thread['id']}/messages")

    assert company.leaks(secrets) == []
    assert len(company.seen) >= 30
