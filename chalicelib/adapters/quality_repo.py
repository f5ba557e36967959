"""Quality control's listing items in the contract's partition, and the gate queues on the milestones.

- pk CONTRACT#<id>, sk QC; gsi1 QC#unassigned / <at>#<contractId>: a contract whose task asked for quality
  control and has no reviewer yet (written at award, deleted when an admin assigns one).
- pk CONTRACT#<id>, sk REVIEWING; gsi2 PARTY#<reviewerId> / <contract createdAt>#<contractId>: the contract as
  its reviewer lists it. It shares the provider side of `GET /me/contracts` (gsi2 PARTY#<profileId>, where the
  contract item lists its provider), so "my contracts" of a provider who also reviews is one Query, one cursor.
- milestone gsi1 HUBREVIEW#open while a submission waits in `hub_review`; QC#overdue once its QC review ran past
  the reviewer's time (the milestone's gsi1 is otherwise used only while disputed: never at the same time).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import UnicodeAttribute

from chalicelib.adapters import contracts_repo, paging
from chalicelib.adapters.table import ContractItem, Item, MilestoneItem, _Meta
from chalicelib.adapters.unit_of_work import Writes

UNASSIGNED = "QC#unassigned"
OVERDUE = "QC#overdue"
HUB_REVIEW = "HUBREVIEW#open"
QC_SK = "QC"
REVIEWING_SK = "REVIEWING"


class QcWantedItem(Item):
    """pk CONTRACT#<id>, sk QC; gsi1 QC#unassigned: the task asked for quality control, no reviewer yet."""

    Meta = _Meta
    contract_id = UnicodeAttribute()
    task_id = UnicodeAttribute()
    title = UnicodeAttribute()
    category = UnicodeAttribute()
    at = UnicodeAttribute()


class ReviewingItem(Item):
    """pk CONTRACT#<id>, sk REVIEWING; gsi2 PARTY#<reviewerId>: the contract in its reviewer's list.

    `id` is the contract's id, under the contract item's attribute name: the provider-side Query reads
    both kinds as contract items and tells them apart by sort key.
    """

    Meta = _Meta
    id = UnicodeAttribute()
    reviewer_id = UnicodeAttribute()
    at = UnicodeAttribute()


def want_reviewer(uow: Writes, contract: ContractItem, at: str) -> None:
    """List the contract in the admins' QC queue (the award of a task that asked for quality control)."""
    uow.save(
        QcWantedItem(
            pk=contract.pk,
            sk=QC_SK,
            type="QcWanted",
            gsi1pk=UNASSIGNED,
            gsi1sk=f"{at}#{contract.id}",
            contract_id=contract.id,
            task_id=contract.task_id,
            title=contract.title,
            category=contract.category,
            at=at,
        )
    )


def list_reviewer(uow: Writes, contract: ContractItem, reviewer_id: str, at: str) -> None:
    """The reviewer lists the contract among theirs; out of the unassigned queue (absent is fine)."""
    uow.save(
        ReviewingItem(
            pk=contract.pk,
            sk=REVIEWING_SK,
            type="Reviewing",
            gsi2pk=contracts_repo.party_key(reviewer_id),
            gsi2sk=f"{contract.created_at}#{contract.id}",
            id=contract.id,
            reviewer_id=reviewer_id,
            at=at,
        )
    )
    uow.delete(QcWantedItem(contract.pk, QC_SK))


def unassigned(limit: int, cursor: str | None) -> paging.Page[Any]:
    """Contracts waiting for a reviewer, oldest award first (gsi1 QC#unassigned)."""
    return paging.collect(
        lambda start: QcWantedItem.gsi1.query(
            UNASSIGNED, scan_index_forward=True, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi1pk", UNASSIGNED),
    )


def resolve_reviewing(items: list[ContractItem]) -> list[ContractItem]:
    """The provider side of "my contracts": each REVIEWING entry replaced by its contract (one BatchGetItem)."""
    wanted = [item.id for item in items if item.sk == REVIEWING_SK]
    found = contracts_repo.get_many(wanted) if wanted else {}
    resolved = []
    for item in items:
        if item.sk != REVIEWING_SK:
            resolved.append(item)
        elif item.id in found:
            resolved.append(found[item.id])
    return resolved


def _queue(milestone: MilestoneItem, partition: str | None, at: str | None) -> None:
    milestone.gsi1pk = partition
    milestone.gsi1sk = f"{at}#{milestone.id}" if partition else None


def list_hub_review(milestone: MilestoneItem, at: str) -> None:
    """Into the hub admins' submissions queue, oldest first (call before saving the milestone)."""
    _queue(milestone, HUB_REVIEW, at)


def list_qc_overdue(milestone: MilestoneItem, at: str) -> None:
    """Into the admins' overdue QC reviews (call before saving the milestone)."""
    _queue(milestone, OVERDUE, at)


def unlist(milestone: MilestoneItem) -> None:
    """Out of a gate queue (forwarded, returned, decided); a disputed milestone keeps its dispute listing."""
    if milestone.gsi1pk in (HUB_REVIEW, OVERDUE):
        _queue(milestone, None, None)


def _milestones(partition: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    return paging.collect(
        lambda start: MilestoneItem.gsi1.query(
            partition, scan_index_forward=True, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi1pk", partition),
    )


def hub_submissions(limit: int, cursor: str | None) -> paging.Page[Any]:
    """Milestones waiting in `hub_review`, oldest submission first."""
    return _milestones(HUB_REVIEW, limit, cursor)


def overdue_reviews(limit: int, cursor: str | None) -> paging.Page[Any]:
    """Milestones whose QC review is overdue, oldest escalation first."""
    return _milestones(OVERDUE, limit, cursor)
