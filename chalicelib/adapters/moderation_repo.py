"""Flags (the moderation queue) and account standing (strikes, suspensions) in the single table.

A flag is pk FLAG#<messageId>, sk FLAG, listed in gsi1 under FLAGS#<status> (oldest first): the
partition follows the status, so `FLAGS#flagged` is the open queue. A field flag (a screened bid,
task, profile, review or file name) shares the queue under its own id, FLAG#<flagId>. Standing is pk
STANDING#<profileId>, sk STANDING. Both carry a version, so a decision raced by another is a
failed unit of work.
"""

from __future__ import annotations

from typing import Any

from chalicelib.adapters import paging
from chalicelib.adapters.chat_models import FlagItem, MessageItem, StandingItem
from chalicelib.adapters.unit_of_work import Writes

Flag = FlagItem
Standing = StandingItem


def flags_partition(status: str) -> str:
    return f"FLAGS#{status}"


def standing_key(profile_id: str) -> str:
    return f"STANDING#{profile_id}"


def new_flag(message: MessageItem, sender_id: str, sender_sub: str, sender_name: str, status: str, at: str) -> FlagItem:
    """The queue entry of a flagged message, with what an admin decides on."""
    return FlagItem(
        pk=f"FLAG#{message.id}",
        sk="FLAG",
        type="Flag",
        gsi1pk=flags_partition(status),
        gsi1sk=f"{at}#{message.id}",
        message_id=message.id,
        thread_id=message.thread_id,
        sender_id=sender_id,
        sender_sub=sender_sub,
        sender_name=sender_name,
        text=message.text,
        masked=message.masked,
        findings=list(message.findings),
        status=status,
        flagged_at=at,
    )


def new_field_flag(
    flag_id: str,
    field: str,
    ref: dict[str, Any],
    author: tuple[str, str, str],
    text: str,
    masked: str,
    findings: list[dict[str, Any]],
    status: str,
    at: str,
) -> FlagItem:
    """The queue entry of a screened field: `author` is (profile id, sub, display name); the original
    text lives only here (the item stores the masked text)."""
    sender_id, sender_sub, sender_name = author
    return FlagItem(
        pk=f"FLAG#{flag_id}",
        sk="FLAG",
        type="Flag",
        gsi1pk=flags_partition(status),
        gsi1sk=f"{at}#{flag_id}",
        message_id=flag_id,
        thread_id=None,
        field=field,
        ref=ref,
        sender_id=sender_id,
        sender_sub=sender_sub,
        sender_name=sender_name,
        text=text,
        masked=masked,
        findings=findings,
        status=status,
        flagged_at=at,
    )


def move_flag(flag: FlagItem, status: str) -> None:
    """Set the flag's status and list it under it (saved with the flag)."""
    flag.status = status
    flag.gsi1pk = flags_partition(status)


def save_flag(uow: Writes, flag: FlagItem) -> None:
    """A new flag, or a decided one (its version guards against a concurrent decision)."""
    uow.save(flag)


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


def save_standing(uow: Writes, standing: StandingItem) -> None:
    uow.save(standing)
