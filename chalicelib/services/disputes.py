"""Disputes beyond the review: non-delivery, and the evidence both sides bring to the admin who splits.

A customer may dispute a milestone that was funded (or sent back for revision) but never delivered: the
escrow would otherwise wait forever for work that is not coming. The provider still disputes only work
under review (there is nothing of theirs to dispute before). Which kind a dispute is, `quality` or
`non_delivery`, is kept on the milestone's dispute record: it tells the workflow's late submission wait
that the milestone went to a resolution, not to a review (`escrow.park_token`).

Evidence files are copied like deliverables, under `evidence/<contractId>/<milestoneId>/`, a prefix no
upload policy ever grants, so what an admin decides on cannot be replaced afterwards. Each addition is
one entry on the milestone (`evidence`), written with its audit line and the `EvidenceAdded` event for
the other party in one unit of work. The opening of a dispute is `escrow.dispute`; it uses the rule
and the file copies from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from chalicelib.adapters import audit_repo, contracts_repo
from chalicelib.adapters import files as file_store
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain.clock import iso
from chalicelib.domain.contracts import ContractRole
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, Forbidden, NotFound
from chalicelib.domain.milestones import MilestoneStatus
from chalicelib.domain.uploads import Purpose
from chalicelib.services import text_safety, uploads
from chalicelib.services.contracts import load
from chalicelib.services.identity import Actor

QUALITY, NON_DELIVERY = "quality", "non_delivery"
# Entries per milestone: notes of up to 2000 characters keep the milestone item far below DynamoDB's 400 KB.
MAX_ENTRIES = 30
MAX_FILES = 10
_RETRIES = 3


def kind_of(role: ContractRole, status: MilestoneStatus) -> str:
    """Which dispute `role` opens on a milestone in `status` (the lifecycle has allowed the move already).

    Work under review: either party, about its quality. Funded or sent back and not delivered: the
    customer only; the provider's dispute waits for the work to be under review (409: the state, not the
    caller, is what refuses it, as it was before non-delivery disputes).
    """
    if status in (MilestoneStatus.FUNDED, MilestoneStatus.REVISION_REQUESTED):
        if role != "customer":
            raise Conflict(f"the provider disputes a milestone once its work is under review (this one is {status})")
        return NON_DELIVERY
    return QUALITY


def is_non_delivery(milestone: contracts_repo.Milestone) -> bool:
    """The milestone was disputed while the workflow waited for a submission."""
    return bool(milestone.dispute) and (milestone.dispute or {}).get("kind") == NON_DELIVERY


def copy_evidence(
    actor: Actor, contract_id: str, milestone: contracts_repo.Milestone, upload_ids: Sequence[str]
) -> list[dict[str, Any]]:
    """Check every upload first (the caller's, purpose `evidence`, not evidence here already), then copy them.

    Checking all before copying any: a refused call leaves nothing behind under `evidence/`.
    """
    used = {f["uploadId"] for item in milestone.evidence or [] for f in item["files"]}
    wanted = list(dict.fromkeys(upload_ids))
    if len(wanted) > MAX_FILES:
        raise BusinessRuleViolated(
            f"at most {MAX_FILES} files at a time", [{"field": "uploads", "message": "too many"}]
        )
    claimed = []
    for upload_id in wanted:
        if upload_id in used:
            raise BusinessRuleViolated(
                f"upload {upload_id} is already evidence on this milestone",
                [{"field": "uploads", "message": upload_id}],
            )
        claimed.append(uploads.claim_file(actor, upload_id, Purpose.EVIDENCE)[0])
    files = []
    for upload in claimed:
        files.append(uploads.freeze(upload, f"evidence/{contract_id}/{milestone.id}/{upload.id}/{upload.filename}"))
    return files


def entry(role: str, by_id: str | None, note: str | None, files: list[dict[str, Any]], at: str) -> dict[str, Any]:
    """One addition to a milestone's evidence: who (side and profile), what they say, which files, when."""
    return {"by": role, "byId": by_id, "note": note, "files": files, "at": at}


def _milestone(milestones: list[contracts_repo.Milestone], milestone_id: str) -> contracts_repo.Milestone:
    found = next((m for m in milestones if m.id == milestone_id), None)
    if found is None:
        raise NotFound("no such milestone")
    return found


def _require_open(milestone: contracts_repo.Milestone) -> None:
    if milestone.status != MilestoneStatus.DISPUTED.value:
        raise Conflict(f"evidence is added while a milestone is disputed (this one is {milestone.status})")
    if len(milestone.evidence or []) >= MAX_ENTRIES:
        raise BusinessRuleViolated(f"a dispute holds at most {MAX_ENTRIES} evidence entries")


def add_evidence(
    actor: Actor, contract_id: str, milestone_id: str, note: str, upload_ids: Sequence[str]
) -> contracts_repo.Milestone:
    """A party adds a note and files to a disputed milestone; the other party is told (`EvidenceAdded`).

    The milestone's version guards the write: a concurrent addition by the other side makes it reload and
    append again (the copied files stay as they are), rather than answer a 409 for someone else's write.
    """
    actor.require_writable()
    contract, milestones, role = load(actor, contract_id)
    if role not in ("customer", "provider"):
        raise Forbidden("only the parties add evidence")
    milestone = _milestone(milestones, milestone_id)
    _require_open(milestone)
    files = copy_evidence(actor, contract.id, milestone, upload_ids)
    other = contract.provider_id if role == "customer" else contract.customer_id
    shown, screened = text_safety.for_milestone_text(
        "milestone.evidence.note", note, actor.require_profile(), contract.id, milestone.id
    )
    note = shown or note
    for _ in range(_RETRIES):
        at = iso()
        milestone.evidence = [*(milestone.evidence or []), entry(role, actor.profile_id, note, files, at)]
        milestone.updated_at = at
        line = audit_repo.Line(
            str(actor.profile_id),
            "evidence",
            f"milestone {milestone.id}",
            at,
            from_status=milestone.status,
            to_status=milestone.status,
        )
        try:
            with unit_of_work("the milestone changed meanwhile; reload and retry") as uow:
                contracts_repo.save_milestone(uow, milestone)
                audit_repo.add_for_contract(uow, contract.id, line)
                screened.stage(uow, at)
                uow.emit(
                    "EvidenceAdded",
                    {
                        "contractId": contract.id,
                        "milestoneId": milestone.id,
                        "by": role,
                        "actor": actor.profile_id,
                        "files": len(files),
                        "recipients": [other],
                        "category": contract.category,
                    },
                    at,
                )
            return milestone
        except Conflict:
            found = contracts_repo.partition(contract.id)
            if found is None:
                raise NotFound("no such contract") from None
            milestone = _milestone(found.milestones, milestone_id)
            _require_open(milestone)  # resolved meanwhile: too late for evidence
    raise Conflict("the milestone changed meanwhile; reload and retry")


def evidence_url(actor: Actor, contract_id: str, milestone_id: str, upload_id: str) -> dict[str, Any]:
    """A short-lived download link for an evidence file (parties and admins; the QC reviewer and others 404)."""
    _, milestones, role = load(actor, contract_id)
    if role == "reviewer":  # the reviewer reads the deliverables and the thread, not the parties' dispute
        raise NotFound("no such evidence file")
    milestone = _milestone(milestones, milestone_id)
    for item in milestone.evidence or []:
        for file in item["files"]:
            if file["uploadId"] == upload_id:
                public = {k: v for k, v in file.items() if k != "key"}
                return public | {"by": item["by"], "url": file_store.presigned_get(file["key"], file["filename"])}
    raise NotFound("no such evidence file")
