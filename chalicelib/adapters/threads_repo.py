"""Threads, their members and messages, and the references that find a thread, in the single table.

pk THREAD#<threadId> holds the thread (sk THREAD), its members (sk MEMBER#<profileId>, gsi1
MYTHREADS#<profileId> by last activity) and its messages (sk MSG#<ULID>, in time order).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.adapters import paging
from chalicelib.adapters.chat_models import MemberItem, MessageItem, ThreadItem, ThreadRefItem
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.transactions import error_code
from chalicelib.adapters.unit_of_work import Writes

Thread = ThreadItem
Member = MemberItem
Message = MessageItem
THREAD_SK = "THREAD"
MESSAGE_PREFIX = "MSG#"
MESSAGES_END = "MSG#~"  # sorts after every MSG#<ULID>


def key(thread_id: str) -> str:
    return f"THREAD#{thread_id}"


def member_sk(profile_id: str) -> str:
    return f"MEMBER#{profile_id}"


def my_threads_partition(profile_id: str) -> str:
    return f"MYTHREADS#{profile_id}"


@dataclass(frozen=True)
class Anchor:
    """What a thread hangs off, as the key of its reference item: found by a read, claimed once on opening."""

    pk: str
    sk: str


def of_task(task_id: str, provider_id: str) -> Anchor:
    """The pre-award thread of a task with one provider."""
    return Anchor(f"TASK#{task_id}", f"THREAD#{provider_id}")


def of_contract(contract_id: str) -> Anchor:
    return Anchor(f"CONTRACT#{contract_id}", THREAD_SK)


def message_sk(message_id: str) -> str:
    return f"{MESSAGE_PREFIX}{message_id}"


def get(thread_id: str) -> ThreadItem | None:
    try:
        return ThreadItem.get(key(thread_id), THREAD_SK, consistent_read=True)
    except ThreadItem.DoesNotExist:
        return None


def batch(thread_ids: Iterable[str]) -> dict[str, ThreadItem]:
    keys = [(key(i), THREAD_SK) for i in set(thread_ids)]
    return {t.id: t for t in ThreadItem.batch_get(keys)} if keys else {}


def thread_id_at(anchor: Anchor) -> str | None:
    """The id of the thread opened at the anchor, if one was."""
    try:
        return str(ThreadRefItem.get(anchor.pk, anchor.sk, consistent_read=True).thread_id)
    except ThreadRefItem.DoesNotExist:
        return None


def find(anchor: Anchor) -> ThreadItem | None:
    """The thread opened at the anchor, if any."""
    thread_id = thread_id_at(anchor)
    return get(thread_id) if thread_id else None


def new_thread(
    *,
    kind: str,
    task_id: str,
    contract_id: str | None,
    title: str,
    customer_id: str,
    provider_id: str,
    members: list[dict[str, Any]],
    revealed: bool,
    at: str,
) -> ThreadItem:
    """A thread not yet stored; `members` snapshots `{id, role, name, anonymous}` per member."""
    thread_id = new_id()
    return ThreadItem(
        pk=key(thread_id),
        sk=THREAD_SK,
        type="Thread",
        id=thread_id,
        kind=kind,
        task_id=task_id,
        contract_id=contract_id,
        title=title,
        customer_id=customer_id,
        provider_id=provider_id,
        members=members,
        member_ids=[m["id"] for m in members],
        revealed=revealed,
        message_count=0,
        created_at=at,
    )


def add(uow: Writes, thread: ThreadItem, anchor: Anchor, at: str) -> None:
    """Open the thread at its anchor, with a member item per member; a thread already there fails the unit of work."""
    uow.save(
        ThreadRefItem(pk=anchor.pk, sk=anchor.sk, type="ThreadRef", thread_id=thread.id),
        condition=ThreadRefItem.pk.does_not_exist(),
    )
    uow.save(thread, condition=ThreadItem.pk.does_not_exist())
    for member in thread.members:
        uow.save(_new_member(thread, member["id"], member["role"], at))


def set_members(uow: Writes, thread: ThreadItem, members: list[dict[str, Any]], left: list[str], at: str) -> None:
    """Change who is in the thread (a contract's reviewer joins or is replaced): the snapshot, a member item for
    each newcomer (unread: what was said before they joined), and the leavers' member items deleted."""
    before = set(thread.member_ids)
    ids = [m["id"] for m in members]
    uow.update(
        _thread_handle(thread.id),
        actions=[ThreadItem.members.set(members), ThreadItem.member_ids.set(ids)],
        condition=ThreadItem.pk.exists(),
    )
    for member in members:
        if member["id"] not in before:
            item = _new_member(thread, member["id"], member["role"], at)
            item.message_count = int(thread.message_count)
            uow.save(item)
    for profile_id in left:
        uow.delete(_member_handle(thread.id, profile_id))


def reveal(uow: Writes, thread_id: str) -> None:
    """From now on the customer sees the provider's real name in this thread."""
    uow.update(_thread_handle(thread_id), actions=[ThreadItem.revealed.set(True)], condition=ThreadItem.pk.exists())


def _new_member(thread: ThreadItem, profile_id: str, role: str, at: str) -> MemberItem:
    return MemberItem(
        pk=thread.pk,
        sk=member_sk(profile_id),
        type="ThreadMember",
        gsi1pk=my_threads_partition(profile_id),
        gsi1sk=f"{at}#{thread.id}",
        thread_id=thread.id,
        profile_id=profile_id,
        role=role,
        message_count=0,
        read_seq=0,
        last_activity_at=at,
        joined_at=at,
    )


def _member_handle(thread_id: str, profile_id: str) -> MemberItem:
    """A key-only instance, for updates inside a transaction (no read needed)."""
    return MemberItem(pk=key(thread_id), sk=member_sk(profile_id))


def _message_handle(thread_id: str, message_id: str) -> MessageItem:
    return MessageItem(pk=key(thread_id), sk=message_sk(message_id))


def _thread_handle(thread_id: str) -> ThreadItem:
    return ThreadItem(pk=key(thread_id), sk=THREAD_SK)


def new_message(
    thread: ThreadItem,
    *,
    seq: int,
    sender_id: str,
    sender_role: str,
    text: str,
    masked: str,
    findings: list[dict[str, Any]],
    attachments: list[dict[str, Any]],
    at: str,
) -> MessageItem:
    """The thread's next message, not yet stored (its id is a ULID, so messages sort by time)."""
    message_id = new_id()
    return MessageItem(
        pk=thread.pk,
        sk=message_sk(message_id),
        type="Message",
        id=message_id,
        thread_id=thread.id,
        seq=seq,
        sender_id=sender_id,
        sender_role=sender_role,
        text=text,
        masked=masked,
        flagged=bool(findings),
        findings=findings,
        attachments=attachments,
        moderation="flagged" if findings else None,
        created_at=at,
    )


def add_message(uow: Writes, thread: ThreadItem, message: MessageItem) -> None:
    """Store the message as the thread's next (`message_count` must still be one less: posts are serialized)
    and move every member's activity and count; the sender has read their own message."""
    seq, at = int(message.seq), message.created_at
    uow.save(message, condition=MessageItem.pk.does_not_exist())
    uow.update(
        _thread_handle(thread.id),
        actions=[ThreadItem.message_count.set(seq), ThreadItem.last_message_at.set(at)],
        condition=ThreadItem.message_count == seq - 1,
    )
    for member_id in thread.member_ids:
        actions = [
            MemberItem.gsi1sk.set(f"{at}#{thread.id}"),
            MemberItem.last_activity_at.set(at),
            MemberItem.message_count.set(seq),
        ]
        if member_id == message.sender_id:
            actions.append(MemberItem.read_seq.set(seq))
        uow.update(_member_handle(thread.id, member_id), actions=actions, condition=MemberItem.pk.exists())


def get_message(thread_id: str, message_id: str) -> MessageItem | None:
    try:
        return MessageItem.get(key(thread_id), message_sk(message_id), consistent_read=True)
    except MessageItem.DoesNotExist:
        return None


def set_moderation(uow: Writes, thread_id: str, message_id: str, status: str) -> None:
    """The message carries its flag's status too (admins see it beside the original)."""
    uow.update(
        _message_handle(thread_id, message_id),
        actions=[MessageItem.moderation.set(status)],
        condition=MessageItem.pk.exists(),
    )


def messages(thread_id: str, after: str | None, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Oldest first; `after` starts behind that message id (polling); the cursor resumes a page."""
    partition = key(thread_id)
    lower = message_sk(after) if after else MESSAGE_PREFIX
    return paging.collect(
        lambda start: MessageItem.query(
            partition,
            MessageItem.sk.between(lower, MESSAGES_END),
            scan_index_forward=True,
            consistent_read=True,
            last_evaluated_key=start,
            page_size=limit,
        ),
        limit,
        cursor,
        ("pk", partition),
        keep=(lambda m: m.id != after) if after else None,
    )


def mark_read(thread_id: str, profile_id: str, seq: int) -> bool:
    """Move the member's read marker forward to `seq` (never back). False if it was already there."""
    member = _member_handle(thread_id, profile_id)
    try:
        member.update(
            actions=[MemberItem.read_seq.set(seq)],
            condition=MemberItem.pk.exists() & (MemberItem.read_seq < seq),
        )
    except UpdateError as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def my_threads(profile_id: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    partition = my_threads_partition(profile_id)
    return paging.collect(
        lambda start: MemberItem.gsi1.query(
            partition, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi1pk", partition),
    )


HUB_THREADS = "HUBTHREADS"


def list_for_hub(thread: ThreadItem) -> None:
    """Hub mode: the thread (not yet stored) joins the admins' list of hub pre-award threads (gsi1, by id: ULID
    order is opening order)."""
    thread.gsi1pk, thread.gsi1sk = HUB_THREADS, thread.id


def hub_threads(limit: int, cursor: str | None) -> paging.Page[Any]:
    """The hub's pre-award threads, newest first (admins answer there; they have no member items)."""
    return paging.collect(
        lambda start: ThreadItem.gsi1.query(
            HUB_THREADS, scan_index_forward=False, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi1pk", HUB_THREADS),
    )
