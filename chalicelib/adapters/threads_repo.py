"""Threads, members, messages, flags and account standing in the single table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import UpdateError

from chalicelib.adapters import paging
from chalicelib.adapters.chat_models import (
    FlagItem,
    MemberItem,
    MessageItem,
    StandingItem,
    ThreadItem,
    ThreadRefItem,
)
from chalicelib.adapters.transactions import error_code

MESSAGES_END = "MSG#~"  # sorts after every MSG#<ULID>


def key(thread_id: str) -> str:
    return f"THREAD#{thread_id}"


def member_sk(profile_id: str) -> str:
    return f"MEMBER#{profile_id}"


def my_threads_partition(profile_id: str) -> str:
    return f"MYTHREADS#{profile_id}"


def flags_partition(status: str) -> str:
    return f"FLAGS#{status}"


def standing_key(profile_id: str) -> str:
    return f"STANDING#{profile_id}"


def task_ref_key(task_id: str, provider_id: str) -> tuple[str, str]:
    return f"TASK#{task_id}", f"THREAD#{provider_id}"


def contract_ref_key(contract_id: str) -> tuple[str, str]:
    return f"CONTRACT#{contract_id}", "THREAD"


def get(thread_id: str) -> ThreadItem | None:
    try:
        return ThreadItem.get(key(thread_id), "THREAD", consistent_read=True)
    except ThreadItem.DoesNotExist:
        return None


def batch(thread_ids: Iterable[str]) -> dict[str, ThreadItem]:
    keys = [(key(i), "THREAD") for i in set(thread_ids)]
    return {t.id: t for t in ThreadItem.batch_get(keys)} if keys else {}


def ref(pk: str, sk: str) -> str | None:
    """The thread id a reference item points at, if the thread exists."""
    try:
        return str(ThreadRefItem.get(pk, sk, consistent_read=True).thread_id)
    except ThreadRefItem.DoesNotExist:
        return None


def new_ref(pk: str, sk: str, thread_id: str) -> ThreadRefItem:
    return ThreadRefItem(pk=pk, sk=sk, type="ThreadRef", thread_id=thread_id)


def new_member(thread: ThreadItem, profile_id: str, role: str, at: str) -> MemberItem:
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


def member_handle(thread_id: str, profile_id: str) -> MemberItem:
    """A key-only instance, for updates inside a transaction (no read needed)."""
    return MemberItem(pk=key(thread_id), sk=member_sk(profile_id))


def message_handle(thread_id: str, message_id: str) -> MessageItem:
    return MessageItem(pk=key(thread_id), sk=f"MSG#{message_id}")


def thread_handle(thread_id: str) -> ThreadItem:
    return ThreadItem(pk=key(thread_id), sk="THREAD")


def messages(thread_id: str, after: str | None, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Oldest first; `after` starts behind that message id (polling); the cursor resumes a page."""
    partition = key(thread_id)
    lower = f"MSG#{after}" if after else "MSG#"
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
    member = member_handle(thread_id, profile_id)
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


def get_flag(message_id: str) -> FlagItem | None:
    try:
        return FlagItem.get(f"FLAG#{message_id}", "FLAG", consistent_read=True)
    except FlagItem.DoesNotExist:
        return None


def flags(status: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    partition = flags_partition(status)
    return paging.collect(
        lambda start: FlagItem.gsi1.query(
            partition, scan_index_forward=True, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi1pk", partition),
    )


def standing(profile_id: str, at: str) -> StandingItem:
    """The account's standing record, or a fresh one (saved with `attribute_not_exists(version)`)."""
    try:
        return StandingItem.get(standing_key(profile_id), "STANDING", consistent_read=True)
    except StandingItem.DoesNotExist:
        return StandingItem(
            pk=standing_key(profile_id),
            sk="STANDING",
            type="Standing",
            profile_id=profile_id,
            strikes=0,
            active_strikes=0,
            history=[],
            updated_at=at,
        )
