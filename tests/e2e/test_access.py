"""Who may and who may not, beyond the route x caller matrix (test_access_matrix.py): forged tokens,
unverified and invited callers, drafts and bids in other states, and what each side sees."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.e2e.conftest import User, World, bid_body


@pytest.fixture(scope="module")
def cast(world: World) -> dict[str, User]:
    return {
        "customer": world.profile("customer"),
        "provider": world.profile("provider"),
        "other_provider": world.profile("provider"),
        "unverified_provider": world.profile("provider", verified=False),
        "no_profile": world.sign_up("bare"),
        "admin": world.admin(),
        "anonymous": world.anonymous(),
    }


def _problem(response: object, status: int) -> dict[str, object]:
    assert getattr(response, "status_code", None) == status, getattr(response, "text", "")
    assert response.headers["Content-Type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["title"] and body["detail"] and body["type"].startswith("https://")
    return dict(body)


def test_forged_and_expired_tokens_are_401(cast: dict[str, User], world: World) -> None:
    real = jwt.decode(cast["customer"].token or "", options={"verify_signature": False})
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(real, stranger, algorithm="RS256", headers={"kid": "dummy"})
    _problem(User(world.api, forged).get("/me"), 401)
    expired_claims = real | {"exp": int(time.time()) - 60}
    tampered = jwt.encode(expired_claims, stranger, algorithm="RS256", headers={"kid": "dummy"})
    _problem(User(world.api, tampered).get("/me"), 401)
    _problem(User(world.api, "not-a-jwt").get("/me"), 401)
    _problem(cast["customer"].get("/me", headers={"Authorization": "Basic abc"}), 401)


def test_who_may_call_is_decided_before_the_body_is_read(cast: dict[str, User]) -> None:
    _problem(cast["anonymous"].post("/tasks", raw="{not json"), 401)
    _problem(cast["no_profile"].post("/tasks", {"title": "x"}), 403)
    _problem(cast["provider"].post("/tasks", {"title": "x"}), 403)
    _problem(cast["customer"].post("/tasks", {"title": "x"}), 400)


def test_second_profile_is_409(cast: dict[str, User]) -> None:
    _problem(cast["customer"].post("/me", {"role": "provider", "displayName": "Again", "kind": "individual"}), 409)


def test_only_verified_providers_bid(cast: dict[str, User], world: World) -> None:
    task = world.open_task(cast["customer"])
    _problem(cast["unverified_provider"].post(f"/tasks/{task['id']}/bids", bid_body()), 403)


def test_a_draft_shows_to_its_owner_and_admins_and_takes_no_bids(cast: dict[str, User]) -> None:
    draft = cast["customer"].ok(
        "POST",
        "/tasks",
        {
            "title": "Secret draft",
            "description": "Not yet public.",
            "category": "web",
            "skills": ["react"],
            "budget": {"amount": 50000, "currency": "EUR"},
        },
        status=201,
    )
    assert cast["admin"].ok("GET", f"/tasks/{draft['id']}")["title"] == "Secret draft"
    assert cast["customer"].ok("GET", f"/tasks/{draft['id']}")["title"] == "Secret draft"
    _problem(cast["provider"].post(f"/tasks/{draft['id']}/bids", bid_body()), 404)


def test_an_open_task_cannot_be_edited_or_resubmitted(cast: dict[str, User], world: World) -> None:
    task = world.open_task(cast["customer"])
    _problem(cast["customer"].patch(f"/tasks/{task['id']}", {"title": "Changed"}), 409)
    _problem(cast["customer"].post(f"/tasks/{task['id']}/submit"), 409)
    _problem(cast["admin"].post(f"/admin/tasks/{task['id']}/approve", {}), 409)


def test_bids_are_private_to_owner_and_bidder(cast: dict[str, User], world: World) -> None:
    task = world.open_task(cast["customer"])
    mine = cast["provider"].ok("POST", f"/tasks/{task['id']}/bids", bid_body(200000), status=201)
    theirs = cast["other_provider"].ok("POST", f"/tasks/{task['id']}/bids", bid_body(180000), status=201)

    seen = cast["provider"].ok("GET", f"/tasks/{task['id']}/bids")["items"]
    assert [b["id"] for b in seen] == [mine["id"]]
    assert "remark" not in seen[0] and "matchScore" not in seen[0]

    by_price = cast["customer"].ok("GET", f"/tasks/{task['id']}/bids?order=price")["items"]
    assert [b["id"] for b in by_price] == [theirs["id"], mine["id"]]
    _problem(cast["customer"].get(f"/tasks/{task['id']}/bids?order=cheapest"), 400)

    # workbench moves are the customer's, withdrawing the provider's: the other side of the bid is refused
    _problem(cast["provider"].post(f"/bids/{mine['id']}/shortlist"), 403)
    _problem(cast["customer"].post(f"/bids/{mine['id']}/withdraw"), 403)

    # a second live bid by the same provider is refused; after withdrawing, a new one is fine
    _problem(cast["provider"].post(f"/tasks/{task['id']}/bids", bid_body(190000)), 409)
    assert cast["provider"].ok("POST", f"/bids/{mine['id']}/withdraw")["status"] == "withdrawn"
    _problem(cast["provider"].post(f"/bids/{mine['id']}/withdraw"), 409)
    _problem(cast["customer"].post(f"/bids/{mine['id']}/shortlist"), 409)
    cast["provider"].ok("POST", f"/tasks/{task['id']}/bids", bid_body(190000), status=201)

    assert cast["customer"].ok("POST", f"/bids/{theirs['id']}/reject")["status"] == "rejected"
    _problem(cast["customer"].post(f"/bids/{theirs['id']}/shortlist"), 409)


def test_invite_only_tasks(cast: dict[str, User], world: World) -> None:
    invited_id = cast["provider"].ok("GET", "/me")["id"]
    task = world.open_task(cast["customer"], visibility="invite_only", invitees=[invited_id])
    assert task["id"] not in [t["id"] for t in cast["anonymous"].ok("GET", "/tasks?limit=100")["items"]]
    _problem(cast["anonymous"].get(f"/tasks/{task['id']}"), 404)
    _problem(cast["other_provider"].get(f"/tasks/{task['id']}"), 404)
    _problem(cast["other_provider"].post(f"/tasks/{task['id']}/bids", bid_body()), 404)
    assert cast["provider"].ok("GET", f"/tasks/{task['id']}")["id"] == task["id"]
    cast["provider"].ok("POST", f"/tasks/{task['id']}/bids", bid_body(), status=201)


def test_provider_cards_are_public_only_once_verified(cast: dict[str, User]) -> None:
    unverified = cast["unverified_provider"].ok("GET", "/me")["id"]
    _problem(cast["anonymous"].get(f"/providers/{unverified}"), 404)
    customer = cast["customer"].ok("GET", "/me")["id"]
    _problem(cast["anonymous"].get(f"/providers/{customer}"), 404)
    verified = cast["provider"].ok("GET", "/me")["id"]
    card = cast["anonymous"].ok("GET", f"/providers/{verified}")
    assert card["id"] == verified and "email" not in card


def test_verification_decisions(cast: dict[str, User], world: World) -> None:
    applicant = world.profile("provider", verified=False)
    me = applicant.ok("GET", "/me")
    _problem(cast["admin"].post(f"/admin/verifications/{me['id']}/approve", {}), 409)  # nothing submitted
    applicant.ok("POST", "/me/verification", {"legalName": "A B", "documents": [world.upload(applicant)]})
    _problem(cast["admin"].post(f"/admin/verifications/{me['id']}/reject", {}), 400)  # a reason is required
    rejected = cast["admin"].ok("POST", f"/admin/verifications/{me['id']}/reject", {"reason": "Blurry scan"})
    assert rejected["verification"] == "rejected" and rejected["verificationNote"] == "Blurry scan"
    _problem(cast["admin"].post(f"/admin/verifications/{me['id']}/approve", {}), 409)
    # documents must be the applicant's own, made for verification
    someone_elses = world.upload(cast["customer"])
    _problem(applicant.post("/me/verification", {"legalName": "A B", "documents": [someone_elses]}), 422)
    again = applicant.ok("POST", "/me/verification", {"legalName": "A B", "documents": [world.upload(applicant)]})
    assert again["verification"] == "pending"
    _problem(cast["admin"].post("/admin/verifications/01J0000000000000000000000A/approve", {}), 404)


def test_commission_settings_are_versioned_and_audited(cast: dict[str, User]) -> None:
    """Saves that change nothing other tests rely on: the same rates, each with the version it read."""
    admin = cast["admin"]
    read = admin.ok("GET", "/admin/settings")
    current = read["commission"]
    same = {"defaultBps": current["defaultBps"], "overrides": current["overrides"]}
    _problem(admin.put("/admin/settings/commission", same), 400)  # the version is required
    saved = admin.ok("PUT", "/admin/settings/commission", same | {"version": current["version"]})
    assert saved["commission"] == same | {"version": current["version"] + 1}
    line = saved["history"][0]
    assert line["by"].startswith("admin:") and line["action"] == "set_commission"
    assert (line["fromVersion"], line["toVersion"]) == (current["version"], current["version"] + 1)
    assert line["before"] == same and line["after"] == same
    assert admin.ok("GET", "/admin/settings") == saved
    stale = _problem(admin.put("/admin/settings/commission", same | {"version": current["version"]}), 409)
    assert f"version {current['version'] + 1}" in str(stale["detail"])

    # two admins saving what they both read at once: one wins, the other is told to reload
    with ThreadPoolExecutor(2) as pool:
        body = same | {"version": saved["commission"]["version"]}
        answers = sorted(pool.map(lambda _: admin.put("/admin/settings/commission", body).status_code, range(2)))
    assert answers == [200, 409]
    assert admin.ok("GET", "/admin/settings")["commission"]["version"] == current["version"] + 2
