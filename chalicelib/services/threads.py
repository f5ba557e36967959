"""Threads and messages: who may open, read and post, screening on the way in, read markers.

A pre-award thread joins a task's owner and one provider while the task is open; the contract
thread is opened in the award transaction (both parties as members; the assigned reviewer and
admins take part too). Every message is screened for contact details before it is stored: the
original stays for admins, members get the masked text, and a flagged message enters the
moderation queue in the same transaction.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.adapters import bids_repo, contracts_repo, events, paging, profiles_repo, tasks_repo, threads_repo
from chalicelib.adapters import files as file_store
from chalicelib.adapters.chat_models import MemberItem, MessageItem, ThreadItem, ThreadRefItem
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.table import ContractItem, GuardItem, ProfileItem, TaskItem
from chalicelib.adapters.transactions import transaction
from chalicelib.domain import contracts
from chalicelib.domain.accounts import Role
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.moderation import ADMIN_SENDER, Alias, is_alias_id
from chalicelib.domain.tasks import TaskStatus
from chalicelib.domain.uploads import Purpose
from chalicelib.services import moderation, uploads
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


def viewer(actor: Actor, thread: ThreadItem) -> Viewer:
    """The task's customer sees an anonymous provider under the task's alias until that provider is awarded."""
    masks = {}
    if (
        thread.kind == TASK_THREAD
        and not thread.revealed
        and not actor.is_admin
        and actor.profile_id == thread.customer_id
        and any(m["id"] == thread.provider_id and m.get("anonymous") for m in thread.members)
    ):
        masks[thread.provider_id] = moderation.alias_for(thread.provider_id, thread.task_id)
    return Viewer(actor.profile_id, actor.is_admin, masks)


def _member(profile: ProfileItem, role: str) -> dict[str, Any]:
    return {
        "id": profile.id,
        "role": role,
        "name": profile.display_name,
        "anonymous": bool(profile.anonymous) and role == "provider",
    }


def _new_thread(
    kind: str, task: TaskItem | ContractItem, customer: ProfileItem, provider: ProfileItem, at: str, **extra: Any
) -> ThreadItem:
    thread_id = new_id()
    return ThreadItem(
        pk=threads_repo.key(thread_id),
        sk="THREAD",
        type="Thread",
        id=thread_id,
        kind=kind,
        task_id=extra.get("task_id", task.id),
        contract_id=extra.get("contract_id"),
        title=task.title,
        customer_id=customer.id,
        provider_id=provider.id,
        members=[_member(customer, "customer"), _member(provider, "provider")],
        member_ids=[customer.id, provider.id],
        revealed=kind == CONTRACT_THREAD,
        message_count=0,
        created_at=at,
    )


def _stage_new(tx: TransactWrite, thread: ThreadItem, ref: ThreadRefItem, at: str) -> None:
    tx.save(ref, condition=ThreadRefItem.pk.does_not_exist())
    tx.save(thread, condition=ThreadItem.pk.does_not_exist())
    for member in thread.members:
        tx.save(threads_repo.new_member(thread, member["id"], member["role"], at))


# --- opening -----------------------------------------------------------------------------


def open_task_thread(actor: Actor, task_id: str, provider_ref: str | None) -> tuple[ThreadItem, bool]:
    """Open (or return) the pre-award thread of a task between its owner and one provider.

    Returns the thread and whether it was created now.
    """
    actor.require_writable()
    task = tasks_repo.get(task_id)
    if task is None or not can_see(actor, task):
        raise NotFound("no such task")
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

    pk, sk = threads_repo.task_ref_key(task.id, provider.id)
    existing = _existing(pk, sk)
    if existing is not None:
        return existing, False
    if task.status != TaskStatus.OPEN.value:
        raise Conflict(f"threads open on open tasks; this one is {task.status}")
    if customer is None:
        customer = profiles_repo.get_by_id(task.owner_id)
        if customer is None:
            raise NotFound("no such task")
    at = iso()
    thread = _new_thread(TASK_THREAD, task, customer, provider, at)
    try:
        with transaction("the thread was opened meanwhile") as tx:
            _stage_new(tx, thread, threads_repo.new_ref(pk, sk, thread.id), at)
    except Conflict:
        existing = _existing(pk, sk)  # the other request won: return its thread
        if existing is None:
            raise
        return existing, False
    return thread, True


def _existing(pk: str, sk: str) -> ThreadItem | None:
    thread_id = threads_repo.ref(pk, sk)
    return threads_repo.get(thread_id) if thread_id else None


def _bidder_or_invitee(task: TaskItem, provider_ref: str) -> ProfileItem:
    """The owner names a provider by profile id, or by the alias id an anonymous bidder shows them."""
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
        return _provider(provider_ref)
    try:
        GuardItem.get(tasks_repo.key(task.id), f"BIDDER#{provider_ref}", consistent_read=True)
    except GuardItem.DoesNotExist:
        raise _not_a_bidder() from None
    return _provider(provider_ref)


def _provider(profile_id: str) -> ProfileItem:
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

    thread: ThreadItem
    ref: ThreadRefItem
    reveal: str | None

    def stage(self, tx: TransactWrite, at: str) -> None:
        _stage_new(tx, self.thread, self.ref, at)
        if self.reveal is not None:
            tx.update(
                threads_repo.thread_handle(self.reveal),
                actions=[ThreadItem.revealed.set(True)],
                condition=ThreadItem.pk.exists(),
            )


def plan_award(
    task: TaskItem, contract: ContractItem, customer: ProfileItem, provider: ProfileItem, at: str
) -> AwardThreads:
    """Read what the award needs (the winner's pre-award thread, if any) before its transaction."""
    thread = _new_thread(CONTRACT_THREAD, contract, customer, provider, at, task_id=task.id, contract_id=contract.id)
    ref = threads_repo.new_ref(*threads_repo.contract_ref_key(contract.id), thread.id)
    reveal = threads_repo.ref(*threads_repo.task_ref_key(task.id, provider.id))
    return AwardThreads(thread, ref, reveal)


def contract_thread(actor: Actor, contract_id: str) -> ThreadItem:
    """The contract's thread: parties, the assigned reviewer, admins."""
    contract = contracts_repo.get(contract_id)
    if contract is None:
        raise NotFound("no such contract")
    contracts.role_in(contract, actor.profile_id, actor.is_admin)  # strangers: 404
    pk, sk = threads_repo.contract_ref_key(contract.id)
    thread = _existing(pk, sk)
    if thread is not None:
        return thread
    return _open_late(contract, pk, sk)


def _open_late(contract: ContractItem, pk: str, sk: str) -> ThreadItem:
    """Contracts awarded before chat existed get their thread on first use."""
    customer = profiles_repo.get_by_sub(contract.customer_sub)
    provider = profiles_repo.get_by_sub(contract.provider_sub)
    if customer is None or provider is None:
        raise NotFound("no such contract")
    at = iso()
    thread = _new_thread(
        CONTRACT_THREAD, contract, customer, provider, at, task_id=contract.task_id, contract_id=contract.id
    )
    try:
        with transaction("the thread was opened meanwhile") as tx:
            _stage_new(tx, thread, threads_repo.new_ref(pk, sk, thread.id), at)
    except Conflict:
        existing = _existing(pk, sk)
        if existing is None:
            raise
        return existing
    return thread


# --- reading -----------------------------------------------------------------------------


def role_in(actor: Actor, thread: ThreadItem) -> str:
    """customer | provider (members), reviewer (contract threads), admin; anyone else gets a 404."""
    if actor.profile_id is not None and actor.profile_id in thread.member_ids:
        return "customer" if actor.profile_id == thread.customer_id else "provider"
    if actor.is_admin:
        return "admin"
    if thread.kind == CONTRACT_THREAD and actor.profile_id is not None and thread.contract_id:
        contract = contracts_repo.get(thread.contract_id)
        if contract is not None and contract.reviewer_id and contract.reviewer_id == actor.profile_id:
            return "reviewer"
    raise NotFound("no such thread")


def load(actor: Actor, thread_id: str) -> tuple[ThreadItem, str]:
    thread = threads_repo.get(thread_id)
    if thread is None:
        raise NotFound("no such thread")
    return thread, role_in(actor, thread)


def my_threads(
    actor: Actor, limit: int, cursor: str | None
) -> tuple[list[tuple[ThreadItem, MemberItem, Viewer]], str | None]:
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
) -> tuple[ThreadItem, list[MessageItem], str | None, Viewer]:
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
    try:
        message = MessageItem.get(thread.pk, f"MSG#{message_id}", consistent_read=True)
    except MessageItem.DoesNotExist:
        raise NotFound("no such message") from None
    for file in message.attachments or []:
        if file["uploadId"] == upload_id:
            public = {k: v for k, v in file.items() if k != "key"}
            return public | {"url": file_store.presigned_get(file["key"], file["filename"])}
    raise NotFound("no such attachment")


# --- posting -----------------------------------------------------------------------------


def post_message(actor: Actor, thread_id: str, text: str, attachment_ids: list[str]) -> tuple[MessageItem, Viewer]:
    actor.require_writable()
    thread, role = load(actor, thread_id)
    if role == "admin" and thread.kind == TASK_THREAD:
        raise Forbidden("admins read pre-award threads; they take part in contract threads only")
    if thread.kind == TASK_THREAD:
        task = tasks_repo.get(thread.task_id)
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


def _attach(actor: Actor, thread: ThreadItem, upload_id: str) -> dict[str, Any]:
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
    thread: ThreadItem,
    sender: ProfileItem | None,
    sender_id: str,
    role: str,
    text: str,
    masked: str,
    findings: list[dict[str, Any]],
    files: list[dict[str, Any]],
) -> MessageItem:
    at = iso()
    seq = int(thread.message_count) + 1
    message = MessageItem(
        pk=thread.pk,
        sk=f"MSG#{new_id()}",
        type="Message",
        thread_id=thread.id,
        seq=seq,
        sender_id=sender_id,
        sender_role=role,
        text=text,
        masked=masked,
        flagged=bool(findings),
        findings=findings,
        attachments=files,
        moderation="flagged" if findings else None,
        created_at=at,
    )
    message.id = message.sk.removeprefix("MSG#")
    flag = moderation.new_flag(message, sender, at) if findings and sender is not None else None
    evts = [_posted_event(thread, message, sender)] if len(thread.member_ids) > 1 else []
    if flag is not None:
        evts.append(
            events.Event(
                "MessageFlagged",
                {
                    "messageId": message.id,
                    "threadId": thread.id,
                    "kinds": sorted({f["kind"] for f in findings}),
                    "recipients": [sender_id],
                },
            )
        )
    with transaction("another message was posted meanwhile") as tx:
        tx.save(message, condition=MessageItem.pk.does_not_exist())
        tx.update(
            threads_repo.thread_handle(thread.id),
            actions=[ThreadItem.message_count.set(seq), ThreadItem.last_message_at.set(at)],
            condition=ThreadItem.message_count == seq - 1,
        )
        for member_id in thread.member_ids:
            actions = [
                MemberItem.gsi1sk.set(f"{at}#{thread.id}"),
                MemberItem.last_activity_at.set(at),
                MemberItem.message_count.set(seq),
            ]
            if member_id == sender_id:
                actions.append(MemberItem.read_seq.set(seq))
            tx.update(
                threads_repo.member_handle(thread.id, member_id), actions=actions, condition=MemberItem.pk.exists()
            )
        if flag is not None:
            tx.save(flag)
        for event in evts:
            events.stage(tx, event, at)
    events.publish(evts)
    thread.message_count = seq
    thread.last_message_at = at
    return message


def _posted_event(thread: ThreadItem, message: MessageItem, sender: ProfileItem | None) -> events.Event:
    """'New message' for the other members; an anonymous provider is named by the task's alias before award."""
    sender_id, name = message.sender_id, sender.display_name if sender is not None else "Tasklane"
    if message.sender_role == "admin":
        sender_id = ADMIN_SENDER
    elif (
        thread.kind == TASK_THREAD
        and not thread.revealed
        and sender is not None
        and sender.id == thread.provider_id
        and any(m["id"] == sender.id and m.get("anonymous") for m in thread.members)
    ):
        alias = moderation.alias_for(sender.id, thread.task_id)
        sender_id, name = alias.id, alias.name
    return events.Event(
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
    )
