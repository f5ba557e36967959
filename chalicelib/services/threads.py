"""Threads and messages: who may open, read and post, screening on the way in, read markers.

A pre-award thread joins a task's owner and one provider while the task is open; the contract
thread is opened in the award transaction (both parties as members; the assigned reviewer and
admins take part too). Every message is screened for contact details before it is stored: the
original stays for admins, members get the masked text, and a flagged message enters the
moderation queue in the same transaction.

Hub mode (services/hub.py): before award the owner's thread joins the owner and the admins, and each
bidder's thread the bidder and the admins (admins post there); the contract thread never reveals the
expert to the customer.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters import (
    bids_repo,
    contracts_repo,
    moderation_repo,
    paging,
    profiles_repo,
    tasks_repo,
    threads_repo,
)
from chalicelib.adapters import files as file_store
from chalicelib.adapters.unit_of_work import UnitOfWork, Writes, unit_of_work
from chalicelib.domain import contracts
from chalicelib.domain.accounts import Role
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.moderation import ADMIN_SENDER, Alias, is_alias_id
from chalicelib.domain.tasks import TaskStatus
from chalicelib.domain.uploads import Purpose
from chalicelib.services import hub, moderation, uploads
from chalicelib.services.identity import Actor
from chalicelib.services.tasks import can_see

TASK_THREAD = "task"
CONTRACT_THREAD = "contract"
POST_ATTEMPTS = 8  # posts to one thread are serialized; a lost race reloads and retries after a short pause
RETRY_PAUSE = 0.01  # seconds, times the attempt number, jittered
MESSAGE_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


@dataclass
class Viewer:
    """Who is looking, and which real provider ids they must see under an alias."""

    profile_id: str | None
    is_admin: bool
    masks: dict[str, Alias] = field(default_factory=dict)


def viewer(actor: Actor, thread: threads_repo.Thread) -> Viewer:
    """The task's customer sees an anonymous provider under the task's alias until that provider is awarded (in
    hub mode: for good, the contract thread too)."""
    masks = {}
    if (
        not thread.revealed
        and not actor.is_admin
        and actor.profile_id == thread.customer_id
        and any(m["id"] == thread.provider_id and m.get("anonymous") for m in thread.members)
    ):
        masks[thread.provider_id] = moderation.alias_for(thread.provider_id, thread.task_id)
    return Viewer(actor.profile_id, actor.is_admin, masks)


def _member(profile: profiles_repo.Profile, role: str, hub_mode: bool = False) -> dict[str, Any]:
    return {
        "id": profile.id,
        "role": role,
        "name": profile.display_name,
        "anonymous": (hub_mode or bool(profile.anonymous)) and role == "provider",
    }


def _new_thread(
    kind: str,
    title: str,
    customer: profiles_repo.Profile,
    provider: profiles_repo.Profile,
    at: str,
    task_id: str,
    contract_id: str | None = None,
    hub_mode: bool = False,
) -> threads_repo.Thread:
    return threads_repo.new_thread(
        kind=kind,
        task_id=task_id,
        contract_id=contract_id,
        title=title,
        customer_id=customer.id,
        provider_id=provider.id,
        members=[_member(customer, "customer"), _member(provider, "provider", hub_mode)],
        revealed=kind == CONTRACT_THREAD and not hub_mode,  # hub mode: the customer never learns who it is
        at=at,
    )


def _hub_thread(task: tasks_repo.Task, member: profiles_repo.Profile, role: str, at: str) -> threads_repo.Thread:
    """A hub pre-award thread: one member (the owner, or one bidder) and the admins, who post without a member
    item; the absent party's id is `hub`."""
    return threads_repo.new_thread(
        kind=TASK_THREAD,
        task_id=task.id,
        contract_id=None,
        title=task.title,
        customer_id=member.id if role == "customer" else hub.HUB_MEMBER,
        provider_id=member.id if role == "provider" else hub.HUB_MEMBER,
        members=[_member(member, role)],
        revealed=False,
        at=at,
    )


# --- opening -----------------------------------------------------------------------------


def open_task_thread(actor: Actor, task_id: str, provider_ref: str | None) -> tuple[threads_repo.Thread, bool]:
    """Open (or return) the pre-award thread of a task between its owner and one provider.

    Returns the thread and whether it was created now.
    """
    actor.require_writable()
    task = tasks_repo.get(task_id)
    if task is None or not can_see(actor, task):
        raise NotFound("no such task")
    if task.hub:
        return _open_hub_thread(actor, task, provider_ref)
    if actor.profile_id is not None and actor.profile_id == task.owner_id:
        if provider_ref is None:
            raise ValidationFailed("name the provider", [{"field": "providerId", "message": "required"}])
        customer = actor.require_profile()
        provider = _bidder_or_invitee(task, provider_ref)
    elif actor.has_role(Role.PROVIDER):
        provider = actor.require_verified(Role.PROVIDER)
        if provider_ref not in (None, provider.id):
            raise ValidationFailed(
                "a provider opens a thread with the task owner: send {}",
                [{"field": "providerId", "message": "must be absent"}],
            )
        customer = None
    elif actor.is_admin:
        raise Forbidden("admins read threads and take part in contract threads; they do not open task threads")
    else:
        raise Forbidden("only the task owner or a provider opens a thread on a task")

    anchor = threads_repo.of_task(task.id, provider.id)
    existing = threads_repo.find(anchor)
    if existing is not None:
        return existing, False
    if task.status != TaskStatus.OPEN.value:
        raise Conflict(f"threads open on open tasks; this one is {task.status}")
    if customer is None:
        customer = profiles_repo.get_by_id(task.owner_id)
        if customer is None:
            raise NotFound("no such task")
    at = iso()
    thread = _new_thread(TASK_THREAD, task.title, customer, provider, at, task.id)
    try:
        with unit_of_work("the thread was opened meanwhile") as uow:
            threads_repo.add(uow, thread, anchor, at)
    except Conflict:
        existing = threads_repo.find(anchor)  # the other request won: return its thread
        if existing is None:
            raise
        return existing, False
    return thread, True


def _open_hub_thread(actor: Actor, task: tasks_repo.Task, provider_ref: str | None) -> tuple[threads_repo.Thread, bool]:
    """On a hub task the owner and each bidder talk with the hub (admins), never with each other."""
    if provider_ref is not None and actor.profile_id != provider_ref:
        raise ValidationFailed(
            "this task runs through the hub: your thread is with the hub admins, send {}",
            [{"field": "providerId", "message": "must be absent on a hub task"}],
        )
    if actor.profile_id is not None and actor.profile_id == task.owner_id:
        member, role = actor.require_profile(), "customer"
        anchor = threads_repo.of_task(task.id, hub.HUB_MEMBER)
    elif actor.has_role(Role.PROVIDER):
        member, role = actor.require_verified(Role.PROVIDER), "provider"
        anchor = threads_repo.of_task(task.id, member.id)
    elif actor.is_admin:
        raise Forbidden("admins take part in the hub threads the owner and the bidders open; they open none")
    else:
        raise Forbidden("only the task owner or a provider opens a thread with the hub")
    existing = threads_repo.find(anchor)
    if existing is not None:
        return existing, False
    if task.status != TaskStatus.OPEN.value:
        raise Conflict(f"threads open on open tasks; this one is {task.status}")
    at = iso()
    thread = _hub_thread(task, member, role, at)
    threads_repo.list_for_hub(thread)  # admins find it in GET /admin/threads
    try:
        with unit_of_work("the thread was opened meanwhile") as uow:
            threads_repo.add(uow, thread, anchor, at)
    except Conflict:
        existing = threads_repo.find(anchor)
        if existing is None:
            raise
        return existing, False
    return thread, True


def hub_threads(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    """GET /admin/threads?hub=true: the hub's pre-award threads, newest first (admins only)."""
    if not actor.is_admin:
        raise Forbidden("admins only")
    return threads_repo.hub_threads(limit, cursor)


def _bidder_or_invitee(task: tasks_repo.Task, provider_ref: str) -> profiles_repo.Profile:
    """The owner names a provider by profile id, or an anonymous bidder by the alias id they are shown."""
    if is_alias_id(provider_ref):
        for bid in bids_repo.all_for_task(task.id):
            if moderation.alias_for(bid.provider_id, task.id).id == provider_ref:
                profile = profiles_repo.get_by_sub(bid.provider_sub)
                if profile is not None:
                    return profile
        for invitee in task.invitees or []:
            if moderation.alias_for(invitee, task.id).id == provider_ref:
                return _provider(invitee)
        raise _not_a_bidder()
    if provider_ref in (task.invitees or []):
        return _provider(provider_ref)  # the owner invited them by id: naming it again reveals nothing
    # An anonymous bidder is known to the owner by the alias only: their real id gets exactly the answer
    # a stranger's id gets (same status, same body, the same two reads), or it would confirm the bid.
    bidder = bids_repo.is_bidder(task.id, provider_ref)
    profile = profiles_repo.get_by_id(provider_ref)
    if not bidder or profile is None or profile.role != Role.PROVIDER.value or profile.anonymous:
        raise _not_a_bidder()
    return profile


def _provider(profile_id: str) -> profiles_repo.Profile:
    profile = profiles_repo.get_by_id(profile_id)
    if profile is None or profile.role != Role.PROVIDER.value:
        raise _not_a_bidder()
    return profile


def _not_a_bidder() -> BusinessRuleViolated:
    return BusinessRuleViolated(
        "you can open threads with the task's bidders and invitees only",
        [{"field": "providerId", "message": "not a bidder or invitee of this task"}],
    )


@dataclass
class AwardThreads:
    """What the award transaction writes for chat: the contract thread, and the reveal of the
    winner's pre-award thread (the customer sees their real name there from now on)."""

    thread: threads_repo.Thread
    anchor: threads_repo.Anchor
    reveal: str | None

    def stage(self, uow: Writes, at: str) -> None:
        threads_repo.add(uow, self.thread, self.anchor, at)
        if self.reveal is not None:
            threads_repo.reveal(uow, self.reveal)


def plan_award(
    task: tasks_repo.Task,
    contract: contracts_repo.Contract,
    customer: profiles_repo.Profile,
    provider: profiles_repo.Profile,
    at: str,
) -> AwardThreads:
    """Read what the award needs (the winner's pre-award thread, if any) before its transaction."""
    hub_mode = bool(contract.hub)
    thread = _new_thread(CONTRACT_THREAD, contract.title, customer, provider, at, task.id, contract.id, hub_mode)
    # hub mode: the winner's pre-award thread is with the hub, and nothing is revealed to the customer
    reveal = None if hub_mode else threads_repo.thread_id_at(threads_repo.of_task(task.id, provider.id))
    return AwardThreads(thread, threads_repo.of_contract(contract.id), reveal)


def stage_reviewer(uow: Writes, contract: contracts_repo.Contract, reviewer: profiles_repo.Profile, at: str) -> None:
    """The contract's reviewer joins its thread (replacing an earlier reviewer), in the assignment's unit of work.

    A contract whose thread is not opened yet gets the reviewer when it opens (`role_in` reads the contract).
    """
    thread = threads_repo.find(threads_repo.of_contract(contract.id))
    if thread is None:
        return
    parties = {thread.customer_id, thread.provider_id}
    kept = [m for m in thread.members if m["id"] in parties]
    left = [m["id"] for m in thread.members if m["id"] not in parties and m["id"] != reviewer.id]
    threads_repo.set_members(uow, thread, [*kept, _member(reviewer, "reviewer")], left, at)


def contract_thread(actor: Actor, contract_id: str) -> threads_repo.Thread:
    """The contract's thread: parties, the assigned reviewer, admins."""
    contract = contracts_repo.get(contract_id)
    if contract is None:
        raise NotFound("no such contract")
    contracts.role_in(contract, actor.profile_id, actor.is_admin)  # strangers: 404
    anchor = threads_repo.of_contract(contract.id)
    thread = threads_repo.find(anchor)
    if thread is not None:
        return thread
    return _open_late(contract, anchor)


def _open_late(contract: contracts_repo.Contract, anchor: threads_repo.Anchor) -> threads_repo.Thread:
    """Contracts awarded before chat existed get their thread on first use."""
    customer = profiles_repo.get_by_sub(contract.customer_sub)
    provider = profiles_repo.get_by_sub(contract.provider_sub)
    if customer is None or provider is None:
        raise NotFound("no such contract")
    at = iso()
    thread = _new_thread(
        CONTRACT_THREAD, contract.title, customer, provider, at, contract.task_id, contract.id, bool(contract.hub)
    )
    try:
        with unit_of_work("the thread was opened meanwhile") as uow:
            threads_repo.add(uow, thread, anchor, at)
    except Conflict:
        existing = threads_repo.find(anchor)
        if existing is None:
            raise
        return existing
    return thread


# --- reading -----------------------------------------------------------------------------


def role_in(actor: Actor, thread: threads_repo.Thread) -> str:
    """customer | provider (members), reviewer (contract threads), admin; anyone else gets a 404."""
    if actor.profile_id is not None and actor.profile_id in thread.member_ids:
        if actor.profile_id in (thread.customer_id, thread.provider_id):
            return "customer" if actor.profile_id == thread.customer_id else "provider"
        return "reviewer"  # a contract's reviewer, a member since the assignment
    if actor.is_admin:
        return "admin"
    if thread.kind == CONTRACT_THREAD and actor.profile_id is not None and thread.contract_id:
        contract = contracts_repo.get(thread.contract_id)
        if contract is not None and contract.reviewer_id and contract.reviewer_id == actor.profile_id:
            return "reviewer"
    raise NotFound("no such thread")


def load(actor: Actor, thread_id: str) -> tuple[threads_repo.Thread, str]:
    thread = threads_repo.get(thread_id)
    if thread is None:
        raise NotFound("no such thread")
    return thread, role_in(actor, thread)


def my_threads(
    actor: Actor, limit: int, cursor: str | None
) -> tuple[list[tuple[threads_repo.Thread, threads_repo.Member, Viewer]], str | None]:
    """My threads, latest activity first, each with my unread count (admins without a profile have none)."""
    if actor.profile is None:
        paging.decode(cursor)  # still refuse garbage
        return [], None
    page = threads_repo.my_threads(actor.profile.id, limit, cursor)
    found = threads_repo.batch(m.thread_id for m in page.items)
    rows = [(found[m.thread_id], m, viewer(actor, found[m.thread_id])) for m in page.items if m.thread_id in found]
    return rows, page.next_cursor


def messages(
    actor: Actor, thread_id: str, after: str | None, limit: int, cursor: str | None
) -> tuple[threads_repo.Thread, list[threads_repo.Message], str | None, Viewer]:
    """Oldest first; `after` for polling. Reading moves the member's read marker."""
    if after is not None and not MESSAGE_ID.match(after):
        raise ValidationFailed("after must be a message id", [{"field": "after", "message": "a message id"}])
    thread, _ = load(actor, thread_id)
    page = threads_repo.messages(thread.id, after, limit, cursor)
    if page.items and actor.profile_id in thread.member_ids:
        threads_repo.mark_read(thread.id, str(actor.profile_id), max(int(m.seq) for m in page.items))
    return thread, page.items, page.next_cursor, viewer(actor, thread)


def attachment_url(actor: Actor, thread_id: str, message_id: str, upload_id: str) -> dict[str, Any]:
    thread, _ = load(actor, thread_id)
    message = threads_repo.get_message(thread.id, message_id)
    if message is None:
        raise NotFound("no such message")
    for file in message.attachments or []:
        if file["uploadId"] == upload_id:
            public = {k: v for k, v in file.items() if k != "key"}
            return public | {"url": file_store.presigned_get(file["key"], file["filename"])}
    raise NotFound("no such attachment")


# --- posting -----------------------------------------------------------------------------


def post_message(
    actor: Actor, thread_id: str, text: str, attachment_ids: list[str]
) -> tuple[threads_repo.Message, Viewer]:
    actor.require_writable()
    thread, role = load(actor, thread_id)
    if thread.kind == TASK_THREAD:
        task = tasks_repo.get(thread.task_id)
        if role == "admin" and not (task is not None and task.hub):
            raise Forbidden("admins read pre-award threads; they take part in contract threads and hub threads only")
        if task is None or task.status != TaskStatus.OPEN.value:
            raise Conflict("the task is no longer open: its pre-award threads are read-only")
    sender = actor.profile
    if role == "admin":
        sender_id, masked, findings = f"{ADMIN_SENDER}:{actor.sub}", text, []
    else:
        from chalicelib.domain.screening import screen

        sender_id = str(actor.profile_id)
        screening = screen(text)
        masked = screening.masked
        findings = [{"kind": f.kind, "start": f.start, "end": f.end} for f in screening.findings]
    files = [_attach(actor, thread, upload_id) for upload_id in dict.fromkeys(attachment_ids)]
    for attempt in range(POST_ATTEMPTS):
        try:
            return _commit(thread, sender, sender_id, role, text, masked, findings, files), viewer(actor, thread)
        except Conflict:
            if attempt == POST_ATTEMPTS - 1:
                raise
            time.sleep(RETRY_PAUSE * (attempt + 1) * (0.5 + random.random()))
            reloaded = threads_repo.get(thread.id)
            if reloaded is None:
                raise NotFound("no such thread") from None
            thread = reloaded
    raise Conflict("the thread is busy; retry")  # not reached: the loop returns or raises


def _attach(actor: Actor, thread: threads_repo.Thread, upload_id: str) -> dict[str, Any]:
    """Own `message` uploads only; copied under a prefix no upload policy grants, so they cannot change."""
    upload, _ = uploads.claim_file(actor, upload_id, Purpose.MESSAGE)
    frozen = file_store.freeze(upload.key, f"messages/{thread.id}/{upload.id}/{upload.filename}")
    return {
        "uploadId": upload.id,
        "filename": upload.filename,
        "contentType": frozen.content_type,
        "size": frozen.size,
        "key": f"messages/{thread.id}/{upload.id}/{upload.filename}",
    }


def _commit(
    thread: threads_repo.Thread,
    sender: profiles_repo.Profile | None,
    sender_id: str,
    role: str,
    text: str,
    masked: str,
    findings: list[dict[str, Any]],
    files: list[dict[str, Any]],
) -> threads_repo.Message:
    at = iso()
    seq = int(thread.message_count) + 1
    message = threads_repo.new_message(
        thread,
        seq=seq,
        sender_id=sender_id,
        sender_role=role,
        text=text,
        masked=masked,
        findings=findings,
        attachments=files,
        at=at,
    )
    flag = moderation.new_flag(message, sender, at) if findings and sender is not None else None
    with unit_of_work("another message was posted meanwhile") as uow:
        threads_repo.add_message(uow, thread, message)
        if flag is not None:
            moderation_repo.save_flag(uow, flag)
        if any(m != message.sender_id for m in thread.member_ids):  # someone to tell (an admin tells a lone member)
            _emit_posted(uow, thread, message, sender, at)
        if flag is not None:
            uow.emit(
                "MessageFlagged",
                {
                    "messageId": message.id,
                    "threadId": thread.id,
                    "kinds": sorted({f["kind"] for f in findings}),
                    "recipients": [sender_id],
                },
                at,
            )
    thread.message_count = seq
    thread.last_message_at = at
    return message


def _emit_posted(
    uow: UnitOfWork,
    thread: threads_repo.Thread,
    message: threads_repo.Message,
    sender: profiles_repo.Profile | None,
    at: str,
) -> None:
    """'New message' for the other members; an anonymous provider is named by the task's alias before award."""
    sender_id, name = message.sender_id, sender.display_name if sender is not None else "Tasklane"
    if message.sender_role == "admin":
        sender_id = ADMIN_SENDER
    elif (
        not thread.revealed
        and sender is not None
        and sender.id == thread.provider_id
        and any(m["id"] == sender.id and m.get("anonymous") for m in thread.members)
    ):
        alias = moderation.alias_for(sender.id, thread.task_id)
        sender_id, name = alias.id, alias.name
    uow.emit(
        "MessagePosted",
        {
            "threadId": thread.id,
            "messageId": message.id,
            "taskId": thread.task_id,
            "contractId": thread.contract_id,
            "senderId": sender_id,
            "from": name,
            "flagged": bool(message.flagged),
            "recipients": [m for m in thread.member_ids if m != message.sender_id],
        },
        at,
    )
