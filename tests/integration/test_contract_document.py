"""The contract document (GET /contracts/{id}/document) and the hash each signature records, on moto."""

from __future__ import annotations

import hashlib
import json
import re
import zlib

import pytest

from chalicelib.adapters import audit_repo, contracts_repo, files, profiles_repo
from chalicelib.adapters.table import AmendmentItem
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain.errors import NotFound
from chalicelib.services import contracts, documents
from chalicelib.services.identity import Actor, authenticate
from tests.integration.conftest import Users
from tests.integration.market import ADMIN, open_task, person, place_bid, race


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stored(contract_id: str, version: int) -> bytes:
    found = files.get_bytes(documents.key_for(contract_id, version))
    assert found is not None, f"no document v{version}"
    assert found.content_type == "application/pdf"
    return found.body


def page_text(pdf: bytes) -> bytes:
    """The text shown on the PDF's pages, wrapped lines joined by a space (fpdf2 wraps at spaces)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL)
    content = b"\n".join(zlib.decompress(s) for s in streams if s[:1] == b"x")
    shown = re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", content)
    return b" ".join(re.sub(rb"\\(.)", rb"\1", s) for s in shown)


def awarded(customer: Actor | None = None) -> tuple[Actor, Actor, contracts_repo.Contract]:
    customer = customer or person("customer")
    provider = person("provider")
    contract, _ = contracts.award(customer, place_bid(provider, open_task(customer, 250000).id).id)
    return customer, provider, contract


def test_each_signature_records_the_hash_of_the_stored_document(aws: dict[str, str]) -> None:
    customer, provider, contract = awarded()

    first, _ = contracts.sign(customer, contract.id)
    signed, _ = contracts.sign(provider, contract.id)

    pdf = stored(contract.id, 1)
    assert pdf.startswith(b"%PDF-")
    for role, by in (("customer", customer), ("provider", provider)):
        signature = signed.signatures[role]
        assert signature["documentSha256"] == sha(pdf), role
        assert signature["version"] == 1
        assert (signature["termsVersion"], signature["ndaVersion"], signature["by"]) == (
            "2026-11-01",
            "2026-11-01",
            by.profile_id,
        )
        assert signature["at"]
    assert first.signatures["customer"] == signed.signatures["customer"]
    assert signed.status == "active"
    lines = [a.subject for a in audit_repo.contract_trail(contract.id) if a.action == "sign"]
    assert len(lines) == 2 and all(sha(pdf) in line for line in lines)

    issued = contracts.document(provider, contract.id)  # what GET answers: the bytes that were signed
    assert (issued.body, issued.sha256, issued.version) == (pdf, sha(pdf), 1)


def _with_token(users: Users, role: str) -> tuple[str, Actor]:
    """A verified person behind a real Cognito user (as market.person, with a real token)."""
    from chalicelib.domain.accounts import Kind, NewProfile, Role, VerificationRequest
    from chalicelib.services import profiles
    from tests.integration.market import put_file

    _, token = users.create()
    actor = authenticate(f"Bearer {token}")
    actor.profile = profiles.create_profile(actor, NewProfile(Role(role), f"Document {role}", Kind.COMPANY))
    document = put_file(actor, "verification")
    profiles.submit_verification(actor, VerificationRequest("D C", (document,)))
    actor.profile = profiles.decide_verification(ADMIN, actor.profile.id, "approve", None)
    return token, actor


def test_the_document_downloads_with_its_hash_for_parties_and_admins_not_strangers(
    aws: dict[str, str], users: Users
) -> None:
    from chalice.test import Client

    import app

    token, customer = _with_token(users, "customer")
    stranger_token, _ = _with_token(users, "provider")
    _, provider, contract = awarded(customer)
    contracts.sign(provider, contract.id)
    signature = contracts.load(provider, contract.id)[0].signatures["provider"]
    path = f"/contracts/{contract.id}/document"

    with Client(app.app, stage_name="local") as client:

        def get(bearer: str) -> tuple[int, dict[str, str], bytes]:
            headers = {"Authorization": f"Bearer {bearer}", "Accept": "application/pdf"}
            response = client.http.request("GET", path, headers=headers)
            return response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.body

        refused = get(stranger_token)
        status, headers, body = get(token)

    assert refused[0] == 404 and refused[1]["content-type"] == "application/problem+json"
    assert json.loads(refused[2])["detail"] == "no such contract"
    assert status == 200, body[:200]
    assert headers["content-type"] == "application/pdf"
    assert body.startswith(b"%PDF-") and headers["x-document-sha256"] == sha(body) == signature["documentSha256"]
    assert headers["x-document-version"] == "1"
    assert f'filename="contract-{contract.id}-v1.pdf"' in headers["content-disposition"]
    assert b"Document customer" in page_text(body)  # the customer's display name
    assert contracts.document(ADMIN, contract.id).sha256 == sha(body)  # admins read it too
    with pytest.raises(NotFound):
        contracts.document(person("customer"), contract.id)


def test_a_version_is_written_once_and_never_replaced(aws: dict[str, str]) -> None:
    customer, provider, contract = awarded()
    key = documents.key_for(contract.id, 1)

    results, errors = race(  # two first readers at once: one write wins, both answer with the stored bytes
        lambda: contracts.document(customer, contract.id),
        lambda: contracts.document(provider, contract.id),
    )
    assert not errors, errors
    assert results[0].sha256 == results[1].sha256 == sha(stored(contract.id, 1))
    etag = files.head(key)
    assert etag is not None

    profile = profiles_repo.get_by_sub(provider.sub)  # what the version said stays what it said: no re-render
    assert profile is not None
    profile.display_name = "Renamed Later"
    with unit_of_work("test: the profile changed") as uow:
        profiles_repo.save(uow, profile)
    again = contracts.document(customer, contract.id)
    assert again.sha256 == results[0].sha256
    assert files.head(key) == etag
    assert b"Renamed Later" not in page_text(again.body)
    assert files.put_once(key, b"%PDF- forged", "application/pdf", {}) is False
    assert stored(contract.id, 1) == again.body


def test_a_new_version_gets_its_own_document_and_earlier_signatures_carry_over(aws: dict[str, str]) -> None:
    customer, provider, contract = awarded()
    contracts.sign(customer, contract.id)
    contract, milestones = contracts.sign(provider, contract.id)
    v1 = stored(contract.id, 1)
    # what an accepted amendment leaves behind (services/amendments.py): the amendment, the contract at version 2
    AmendmentItem(
        contracts_repo.key(contract.id),
        "AMENDMENT#01TESTAMENDMENT0000000000",
        type="Amendment",
        id="01TESTAMENDMENT0000000000",
        contract_id=contract.id,
        status="accepted",
        proposed_by="customer",
        proposer_id=customer.profile_id,
        reason="one more report",
        changes=[{"op": "change", "milestoneId": milestones[0].id, "dueDate": "2027-03-01"}],
        terms_version=2,
        decided_by=provider.profile_id,
        decided_at="2026-12-01T09:00:00.000Z",
        created_at="2026-11-30T09:00:00.000Z",
    ).save()
    contract.terms_version = 2
    with unit_of_work("test: the contract changed") as uow:
        contracts_repo.save(uow, contract)

    v2 = contracts.document(customer, contract.id)

    assert v2.version == 2 and v2.body == stored(contract.id, 2) and v2.sha256 != sha(v1)
    assert stored(contract.id, 1) == v1  # version 1 stays as signed
    text = page_text(v2.body)
    assert b"Amendment 01TESTAMENDMENT0000000000: version 2" in text
    assert b"/CreationDate (D:20261201090000Z" in v2.body  # the acceptance's time, not the clock
    for role in ("customer", "provider"):
        signature = contract.signatures[role]
        assert signature["version"] == 1 and signature["documentSha256"] == sha(v1)  # unchanged by the amendment
        assert f"SHA-256 signed: {sha(v1)}".encode() in text
    assert text.count(b"carries over to this version") == 2
