"""The AWS calls a careful design needs per request of the bench walk: `make bench` prints them beside
what it measures, and the ratio over the whole walk (issue 14, item 3; target at most 1.2x).

Keyed by the bench's row label (method, route, query, variant as `bench/run.py` prints them). The rules
each number follows:

- Authentication costs nothing: the JWKS is cached, the token is verified in process.
- The caller: a non-admin's profile is one GetItem (id, role, verification and suspension all come from
  it). An admin: none; the token's `admin` group authorizes, and an admin's own suspension (admins may
  hold a marketplace profile) only guards a write, which a ConditionCheck in its transaction can carry.
- One call per thing the route must read to decide or to answer: an item (GetItem), a partition or an
  index page (Query; one per shard of a list sharded for write throughput), a set of keys known at once
  (BatchGetItem). A contract with its milestones is one Query of its partition. A read whose only use
  is to guard a write the write's own condition can carry (a balance a debit is conditional on, "no
  profile yet") is not counted.
- The change: one TransactWriteItems (several items, their outbox event included), or one single-item
  write.
- What the route must do besides: a quota charge (UpdateItem), an Idempotency-Key (claim + record),
  an S3 check or copy, a workflow start, a workflow answer (take the parked token: one conditional
  DeleteItem returning it; SendTaskSuccess).
- Consumers (the pump's messages) are metered apart and not in the walk.
"""

from __future__ import annotations

from typing import NamedTuple


class Minimum(NamedTuple):
    calls: int
    reason: str


P = "profile GetItem"  # the caller's profile (a non-admin)
TWI = "TransactWriteItems"
ANSWER = "token DeleteItem (ALL_OLD) + SendTaskSuccess"
# A status listing (open tasks, the review queue) is written twice per award: one partition would cap the
# platform near 500 contracts/s, so it is spread over chalicelib.adapters.tasks_repo.STATUS_SHARDS (4)
# partitions and a page reads each shard once (in parallel). Not imported: bench/run.py imports this
# module before the stack's settings exist.
STATUS_SHARDS = 4

MINIMUM: dict[str, Minimum] = {
    # --- meta and accounts
    "GET /health": Minimum(0, "nothing to read"),
    "GET /config": Minimum(0, "settings in process"),
    "GET /openapi.json": Minimum(0, "built in process"),
    "POST /me": Minimum(1, f"{TWI} (profile attribute_not_exists: the 'no profile yet' check, search index, event)"),
    "GET /me": Minimum(1, P),
    "POST /uploads": Minimum(3, f"{P} + quota UpdateItem + PutItem upload record (the URL is presigned in process)"),
    "POST /me/verification": Minimum(4, f"{P} + GetItem document's upload + S3 HeadObject + PutItem profile"),
    "POST /me/verification  (resubmitted)": Minimum(4, f"{P} + GetItem upload + S3 HeadObject + PutItem profile"),
    "GET /admin/verifications": Minimum(2, "Query pending queue (gsi2) + BatchGetItem the page's documents"),
    "POST /admin/verifications/{user_id}/approve": Minimum(
        3, "Query gsi1 (profile id -> sub) + GetItem profile (strong: the index lags) + PutItem profile"
    ),
    "POST /admin/verifications/{user_id}/approve  (customer, resubmitted)": Minimum(
        3, "Query gsi1 + GetItem profile (strong) + PutItem profile"
    ),
    "POST /admin/verifications/{user_id}/reject": Minimum(3, "Query gsi1 + GetItem profile (strong) + PutItem profile"),
    "GET /providers/{provider_id}": Minimum(2, "quota UpdateItem + Query gsi1 (a public card: the index is enough)"),
    # --- tasks
    "POST /tasks": Minimum(3, f"{P} + GetItem hub categories (hub mode is settled on write) + {TWI} (task, event)"),
    "PATCH /tasks/{task_id}": Minimum(3, f"{P} + GetItem task (owner, status, fields to merge) + PutItem task"),
    "PATCH /tasks/{task_id}  (+1 attachment)": Minimum(
        5, f"{P} + GetItem task + GetItem upload + S3 HeadObject + PutItem task"
    ),
    "POST /tasks/{task_id}/submit": Minimum(3, f"{P} + GetItem task + {TWI} (task, event)"),
    "GET /admin/tasks": Minimum(STATUS_SHARDS, f"Query x{STATUS_SHARDS}: the review queue's shards"),
    "POST /admin/tasks/{task_id}/request-changes": Minimum(2, f"GetItem task + {TWI} (task, event)"),
    "POST /admin/tasks/{task_id}/approve": Minimum(2, f"GetItem task + {TWI} (task, skill index, event)"),
    "GET /tasks": Minimum(1 + STATUS_SHARDS, f"quota UpdateItem + Query x{STATUS_SHARDS}: the open listing's shards"),
    "GET /tasks?skill=python": Minimum(2, "quota UpdateItem + Query skill index page (tasks projected)"),
    "GET /tasks?category=data-engineering": Minimum(2, "quota UpdateItem + Query category page"),
    "GET /tasks?category=data-engineering&skill=aws": Minimum(2, "quota UpdateItem + Query skill+category index page"),
    "GET /tasks/{task_id}  (anonymous)": Minimum(2, "quota UpdateItem + GetItem task"),
    "GET /tasks/{task_id}  (owner)": Minimum(3, f"{P} (the owner's view) + quota UpdateItem + GetItem task"),
    "GET /me/tasks": Minimum(2, f"{P} + Query my tasks"),
    # --- bids
    "POST /tasks/{task_id}/bids": Minimum(3, f"{P} + GetItem task + {TWI} (bid, one-bid guard, event)"),
    "GET /tasks/{task_id}/bids?order=match  (owner, 3 bids)": Minimum(
        4, f"{P} + GetItem task + Query bids + BatchGetItem bidders' profiles (match score)"
    ),
    "GET /tasks/{task_id}/bids  (provider: own bid)": Minimum(
        3, f"{P} + GetItem task (visibility) + Query bids (own bid; own profile already read)"
    ),
    "GET /me/bids": Minimum(2, f"{P} + Query my bids"),
    "GET /bids/{bid_id}": Minimum(2, f"{P} + GetItem bid (names its provider and task owner)"),
    "POST /bids/{bid_id}/shortlist": Minimum(
        4, f"{P} + GetItem bid + GetItem bidder's profile (alias in the answer) + {TWI} (bid, decision)"
    ),
    "PUT /bids/{bid_id}/remark": Minimum(4, f"{P} + GetItem bid + GetItem bidder's profile + {TWI}"),
    "POST /bids/{bid_id}/reject": Minimum(4, f"{P} + GetItem bid + GetItem bidder's profile + {TWI}"),
    "POST /bids/{bid_id}/withdraw": Minimum(3, f"{P} + GetItem bid + {TWI} (bid, guard release, decision)"),
    # --- settings
    "GET /admin/settings": Minimum(2, "GetItem commission settings + Query change history"),
    "PUT /admin/settings/commission  (unchanged values)": Minimum(
        3, f"GetItem settings + {TWI} (settings version, audit) + Query history for the answer"
    ),
    # --- the contract
    "POST /bids/{bid_id}/award": Minimum(
        5,
        f"{P} + GetItem bid + BatchGetItem (task, provider profile, commission, pre-award thread) "
        f"+ Query task's bids + {TWI}",
    ),
    "POST /contracts/{contract_id}/sign  (customer)": Minimum(
        7,
        f"{P} + Query contract partition + the contract document (S3 GetObject; absent: BatchGetItem both "
        f"profiles + GetItem task + S3 conditional PutObject) + {TWI}",
    ),
    "POST /contracts/{contract_id}/sign  (provider: activates)": Minimum(
        4,
        f"{P} + Query contract partition + GetItem task (it starts with the contract) + {TWI} (the document's "
        "hash is read from the first signature)",
    ),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/fund": Minimum(
        4, f"{P} + Query contract partition + {TWI} (wallet debit conditional on its balance) + StartExecution"
    ),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/submit": Minimum(
        8, f"{P} + Query partition + GetItem upload + S3 HeadObject + S3 CopyObject + {TWI} + {ANSWER}"
    ),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/submit  (resubmit)": Minimum(
        8, f"{P} + Query partition + GetItem upload + S3 HeadObject + S3 CopyObject + {TWI} + {ANSWER}"
    ),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/request-revision": Minimum(
        5, f"{P} + Query partition + {TWI} + {ANSWER}"
    ),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/accept": Minimum(
        5, f"{P} + Query partition + {TWI} (release posting) + {ANSWER}"
    ),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/dispute": Minimum(
        5, f"{P} + Query partition + {TWI} + {ANSWER}"
    ),
    "GET /admin/disputes": Minimum(1, "Query open disputes (gsi1)"),
    "POST /admin/disputes/{contract_id}/{milestone_id}/resolve": Minimum(
        5, f"Query partition + GetItem task (completes with the contract) + {TWI} + {ANSWER}"
    ),
    "POST /contracts/{contract_id}/reviews  (customer)": Minimum(
        3, f"{P} + Query partition + {TWI} (review attribute_not_exists, rating ADD on the reviewee)"
    ),
    "POST /contracts/{contract_id}/reviews  (provider)": Minimum(3, f"{P} + Query partition + {TWI}"),
    "GET /contracts/{contract_id}": Minimum(2, f"{P} + Query contract partition"),
    "GET /me/contracts": Minimum(2, f"{P} + Query my contracts (gsi)"),
    "GET /contracts/{contract_id}/milestones/{milestone_id}/deliverables/{upload_id}": Minimum(
        2, f"{P} + Query contract partition (the link is presigned in process)"
    ),
    # --- money
    "POST /me/deposits": Minimum(
        5, f"{P} + quota UpdateItem + idempotency claim PutItem + {TWI} (payment, postings) + idempotency record"
    ),
    "POST /me/deposits  (replay)": Minimum(3, f"{P} + quota UpdateItem + idempotency claim (answers the stored reply)"),
    "POST /me/deposits  (to refund)": Minimum(5, f"{P} + quota + idempotency claim + {TWI} + idempotency record"),
    "GET /me/wallet  (customer)": Minimum(5, f"{P} + Query x4: wallet, payouts, refunds, pending card payments"),
    "GET /me/wallet  (provider)": Minimum(5, f"{P} + Query x4: wallet, payouts, refunds, pending card payments"),
    "GET /me/ledger  (customer)": Minimum(2, f"{P} + Query wallet entries"),
    "GET /me/ledger  (provider)": Minimum(2, f"{P} + Query wallet entries"),
    "GET /me/notifications": Minimum(2, f"{P} + Query inbox"),
    "GET /payments/{payment_id}": Minimum(2, f"{P} + GetItem payment"),
    "POST /payments/{payment_id}/refund": Minimum(
        6, f"{P} + GetItem payment + idempotency claim + {TWI} reserve + {TWI} settle + idempotency record"
    ),
    "POST /me/payouts/onboarding": Minimum(3, f"{P} + GetItem payout account + PutItem account (created once)"),
    "POST /me/withdrawals  (to approve)": Minimum(
        5, f"{P} + GetItem payout account + idempotency claim + {TWI} (debit conditional) + idempotency record"
    ),
    "POST /me/withdrawals  (to reject)": Minimum(
        5, f"{P} + GetItem payout account + idempotency claim + {TWI} + idempotency record"
    ),
    "GET /admin/withdrawals?status=requested": Minimum(2, "Query queue + Query recent money (one payee)"),
    "POST /admin/withdrawals/{withdrawal_id}/approve": Minimum(2, f"GetItem withdrawal + {TWI} (it, event)"),
    "POST /admin/withdrawals/{withdrawal_id}/reject": Minimum(2, f"GetItem withdrawal + {TWI} (it, refund posting)"),
    "GET /me/withdrawals": Minimum(2, f"{P} + Query my withdrawals"),
    "POST /webhooks/stripe  (bad signature)": Minimum(0, "refused on the signature, before any read"),
    # --- deals that change and end (issue 15): bench/run.py walk_deals
    "GET /taxonomy": Minimum(2, "quota UpdateItem + GetItem taxonomy (absent: the built-in default)"),
    "PUT /admin/taxonomy": Minimum(
        1, "PutItem taxonomy conditional on the version sent (stale: the condition fails, 409); answers what it wrote"
    ),
    "POST /tickets": Minimum(2, f"{P} (a customer's) + one write (the ticket, in the open queue by its index keys)"),
    "GET /me/tickets": Minimum(2, f"{P} + Query my tickets"),
    "GET /admin/tickets": Minimum(1, "Query the open queue (index)"),
    "POST /admin/tickets/{ticket_id}/resolve  (adds a skill)": Minimum(
        3,
        f"GetItem ticket + GetItem taxonomy (the lists it joins) + {TWI} (ticket, taxonomy at its version, event)",
    ),
    "POST /tasks/{task_id}/cancel  (open, 1 live bid)": Minimum(
        4,
        f"{P} + GetItem task + Query task's bids (the live ones close) + {TWI} (task, skill index, bid, guard, event)",
    ),
    "PATCH /bids/{bid_id}": Minimum(
        3,
        f"{P} + GetItem bid (carries its task's owner and currency) + {TWI} (bid at its version, task-open "
        "ConditionCheck, decision, event)",
    ),
    "POST /bids/{bid_id}/counter": Minimum(
        4,
        f"{P} + GetItem bid + GetItem bidder's profile (alias in the answer) + {TWI} (bid, task-open check, decision)",
    ),
    "POST /bids/{bid_id}/counter/accept": Minimum(3, f"{P} + GetItem bid + {TWI} (bid, task-open check, decision)"),
    "GET /contracts/{contract_id}/document  (first render)": Minimum(
        6,
        f"{P} + Query contract partition + S3 GetObject (absent) + BatchGetItem both profiles + GetItem task "
        "+ S3 conditional PutObject",
    ),
    "POST /contracts/{contract_id}/sign  (customer, document stored)": Minimum(
        4, f"{P} + Query contract partition + S3 GetObject (the stored document's hash) + {TWI}"
    ),
    "POST /contracts/{contract_id}/amendments": Minimum(
        3,
        f"{P} + Query contract partition (status, milestones) + {TWI} (amendment, open guard, audit, event)",
    ),
    "POST /contracts/{contract_id}/amendments/{amendment_id}/accept": Minimum(
        6,
        f"{P} + Query contract partition (with its amendments: one partition) + {TWI} (contract version, milestones, "
        "amendment, guard, audit, event) + the new version's document: BatchGetItem both profiles + GetItem task "
        "+ S3 conditional PutObject",
    ),
    "POST /contracts/{contract_id}/amendments/{amendment_id}/reject": Minimum(
        3, f"{P} + Query contract partition (with the amendment) + {TWI} (amendment, guard, audit, event)"
    ),
    "GET /contracts/{contract_id}/amendments": Minimum(2, f"{P} + Query contract partition (contract and amendments)"),
    "GET /contracts/{contract_id}/document  (stored)": Minimum(3, f"{P} + Query contract partition + S3 GetObject"),
    "POST /contracts/{contract_id}/bonus": Minimum(
        3, f"{P} + Query contract partition + {TWI} (posting: wallet debit conditional on its balance; contract check)"
    ),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/dispute  (non-delivery)": Minimum(
        5, f"{P} + Query partition + {TWI} + {ANSWER} (the submission wait)"
    ),
    "POST /contracts/{contract_id}/milestones/{milestone_id}/evidence": Minimum(
        6, f"{P} + Query partition + GetItem upload + S3 HeadObject + S3 CopyObject (one file) + {TWI}"
    ),
    "GET /contracts/{contract_id}/milestones/{milestone_id}/evidence/{upload_id}": Minimum(
        2, f"{P} + Query contract partition (the link is presigned in process)"
    ),
    "POST /contracts/{contract_id}/terminate  (propose)": Minimum(
        3, f"{P} + Query partition + {TWI} (contract, admins' queue item, audit, event)"
    ),
    "GET /admin/terminations": Minimum(2, "Query proposed terminations + BatchGetItem the page's contracts (escrow)"),
    "POST /contracts/{contract_id}/terminate  (agree)": Minimum(
        5,
        f"{P} + Query partition + {TWI} (contract, milestones, refund posting, queue item, audit, event) + {ANSWER} "
        "(the one refunded milestone's submission wait)",
    ),
}

TARGET = 1.2  # the walk's measured calls over its minimum
