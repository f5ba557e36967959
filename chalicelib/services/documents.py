"""The contract document: one PDF per contract version, rendered once, kept in S3 and served from there.

The object `documents/<contractId>/v<version>.pdf` is written with a conditional put (never over an existing
one), so a version's bytes, and the SHA-256 its signatures record, can never change afterwards. When two
requests render the same version at once, one write wins and both answer with the stored bytes.

Callers check access first (services/contracts.py `document` and `sign`): this module trusts the contract
and milestones it is given.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from chalicelib.adapters import amendments_repo, contracts_repo, files, pdf, profiles_repo, tasks_repo
from chalicelib.domain import contract_document as doc
from chalicelib.domain.contract_terms import current_versions

CONTENT_TYPE = "application/pdf"


@dataclass(frozen=True)
class Issued:
    """One version's document as stored (or, for a signature, only what it records: `body` is then empty)."""

    contract_id: str
    version: int
    sha256: str
    terms_version: str
    nda_version: str
    body: bytes = b""

    @property
    def filename(self) -> str:
        return f"contract-{self.contract_id}-v{self.version}.pdf"


def key_for(contract_id: str, version: int) -> str:
    return f"documents/{contract_id}/v{version}.pdf"


def version_of(contract: contracts_repo.Contract) -> int:
    return int(contract.terms_version or 1)


def issue(
    contract: contracts_repo.Contract, milestones: list[contracts_repo.Milestone], *, new_version: bool = False
) -> Issued:
    """The document of the contract's current version: the stored one, else rendered now and stored once.

    AWS calls: one S3 GetObject when it exists; otherwise GetObject, BatchGetItem (both profiles), GetItem
    (task), a Query of the amendments from version 2 on, and one conditional PutObject. `new_version`: the
    version was committed a moment ago (an amendment's accept), so the first GetObject is skipped; a
    concurrent first download that stored it already makes the conditional put fail, and its bytes count.
    """
    version = version_of(contract)
    key = key_for(contract.id, version)
    stored = None if new_version else files.get_bytes(key)
    if stored is None:
        facts = facts_of(contract, milestones)
        body = pdf.render(doc.build(facts))
        sha = hashlib.sha256(body).hexdigest()
        metadata = {"sha256": sha, "terms-version": facts.terms_version, "nda-version": facts.nda_version}
        if files.put_once(key, body, CONTENT_TYPE, metadata):
            return Issued(contract.id, version, sha, facts.terms_version, facts.nda_version, body)
        stored = files.get_bytes(key)  # a concurrent request stored this version first: its bytes count
        if stored is None:
            raise RuntimeError(f"{key} was taken but cannot be read")
    terms, nda = current_versions()
    return Issued(
        contract.id,
        version,
        hashlib.sha256(stored.body).hexdigest(),  # the bytes served are the bytes hashed, whatever the metadata says
        stored.metadata.get("terms-version", terms),
        stored.metadata.get("nda-version", nda),
        stored.body,
    )


def to_sign(contract: contracts_repo.Contract, milestones: list[contracts_repo.Milestone]) -> Issued:
    """What a signature of the current version records. When the other party has already signed this version,
    its signature holds the same stored document's hash and versions, so no S3 call is needed."""
    version = version_of(contract)
    for record in (contract.signatures or {}).values():
        if int(record.get("version") or 0) == version and record.get("documentSha256"):
            return Issued(
                contract.id,
                version,
                str(record["documentSha256"]),
                str(record.get("termsVersion", "")),
                str(record.get("ndaVersion", "")),
            )
    return issue(contract, milestones)


def facts_of(contract: contracts_repo.Contract, milestones: list[contracts_repo.Milestone]) -> doc.Facts:
    """What the current version says, read from the contract, its task, the parties' profiles and amendments.

    Only what is fixed for the version goes in (its own time, not the clock; signatures of earlier versions
    only), so rendering it again gives the same bytes.
    """
    version = version_of(contract)
    profiles = profiles_repo.batch_by_sub([contract.customer_sub, contract.provider_sub])
    customer = profiles.get(contract.customer_sub)
    provider = profiles.get(contract.provider_sub)
    task = tasks_repo.get(contract.task_id)
    accepted = [
        a
        for a in (amendments_repo.for_contract(contract.id) if version > 1 else [])
        if a.status == "accepted" and a.terms_version is not None and int(a.terms_version) <= version
    ]
    issued_at = next((a.decided_at for a in accepted if int(a.terms_version or 0) == version), None)
    hub = bool(contract.hub)
    masked = None
    if doc.provider_stays_anonymous(hub):  # a hub contract names the hub; the expert is the task's alias
        from chalicelib.services.moderation import alias_for

        masked = alias_for(contract.provider_id, contract.task_id)
    signatures = [doc.signature_from_record(role, record) for role, record in (contract.signatures or {}).items()]
    terms_version, nda_version = doc.versions_in_force(signatures)
    return doc.Facts(
        contract_id=contract.id,
        version=version,
        issued_at=issued_at or contract.created_at,
        title=contract.title,
        category=contract.category,
        task_id=contract.task_id,
        task_description=task.description if task is not None else "",
        currency=contract.currency,
        total=int(contract.total_amount),
        commission_bps=int(contract.commission_bps),
        customer=doc.Party(
            "customer", customer.display_name if customer else "(profile removed)", contract.customer_id
        ),
        provider=doc.shown_provider(
            contract.provider_id, provider.display_name if provider else "(profile removed)", masked
        ),
        milestones=tuple(
            doc.MilestoneTerms(
                milestone_id=m.id,
                position=int(m.position),
                title=m.title,
                amount=int(m.amount),
                due_date=m.due_date,
                acceptance_criteria=m.acceptance_criteria,
                status=m.status,
            )
            for m in milestones
        ),
        terms_version=terms_version,
        nda_version=nda_version,
        amendments=tuple(
            doc.AmendmentTerms(
                amendment_id=a.id,
                version=int(a.terms_version or 0),
                proposed_by=a.proposed_by,
                reason=a.reason,
                decided_at=a.decided_at or "",
                changes=tuple(a.changes or ()),
            )
            for a in accepted
        ),
        signatures=tuple(s for s in signatures if s.version < version),
        hub=hub,
    )
