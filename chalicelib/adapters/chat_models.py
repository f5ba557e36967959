"""PynamoDB models of trust & safety: threads, members, messages, flags, account standing.

They share the single table and its generic indexes with the models in `table.py`; the key
layout is in docs/data-model.md and docs/trust-and-safety.md.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)

from chalicelib.adapters.table import Item, _Meta


class ThreadItem(Item):
    """pk THREAD#<threadId>, sk THREAD: a conversation.

    `kind` is `task` (before award: the task owner and one provider) or `contract` (opened at
    award: both parties; the assigned reviewer and admins take part without a member item).
    `members` snapshots `{id, role, name, anonymous}` per member at opening; `member_ids` is what
    the access checks read. `message_count` is the sequence number of the last message: a post
    writes `message_count = n + 1` on condition `message_count = n`, so the posts of one thread
    are serialized and numbered. `revealed` is set when the provider is awarded the task (the
    award transaction), after which the customer sees the provider's real name here too.
    """

    Meta = _Meta
    id = UnicodeAttribute()
    kind = UnicodeAttribute()
    task_id = UnicodeAttribute()
    contract_id = UnicodeAttribute(null=True)
    title = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    provider_id = UnicodeAttribute()
    members = JSONAttribute(default=list)
    member_ids = ListAttribute[str](of=UnicodeAttribute, default=list)
    revealed = BooleanAttribute(default=False)
    message_count = NumberAttribute(default=0)
    last_message_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class ThreadRefItem(Item):
    """How a thread is found from what it belongs to, written with `attribute_not_exists`:

    pk TASK#<taskId>, sk THREAD#<providerId> for the pre-award thread of that task and provider;
    pk CONTRACT#<contractId>, sk THREAD for the contract thread. `thread_id` points at the thread.
    """

    Meta = _Meta
    thread_id = UnicodeAttribute()


class MemberItem(Item):
    """pk THREAD#<threadId>, sk MEMBER#<profileId>; gsi1 MYTHREADS#<profileId> / <lastActivityAt>#<threadId>.

    One per member with a profile. Every post moves `gsi1sk` to the post's time (so `GET /me/threads`
    is a Query, latest activity first) and sets `message_count`; `read_seq` is the highest message
    sequence number the member has read (their own posts count as read). Unread = `message_count -
    read_seq`.
    """

    Meta = _Meta
    thread_id = UnicodeAttribute()
    profile_id = UnicodeAttribute()
    role = UnicodeAttribute()
    message_count = NumberAttribute(default=0)
    read_seq = NumberAttribute(default=0)
    last_activity_at = UnicodeAttribute()
    joined_at = UnicodeAttribute()


class MessageItem(Item):
    """pk THREAD#<threadId>, sk MSG#<messageId> (ULID, so the thread's messages sort by time).

    `text` is the original, which only admins ever get; `masked` is what members see; `findings`
    are the screening's `{kind, start, end}` (offsets into the original). `moderation` mirrors the
    flag's status (`flagged`, `dismissed`, `confirmed`) when the message was flagged. Attachments
    are `{uploadId, filename, contentType, size, key}` with the frozen S3 key.
    """

    Meta = _Meta
    id = UnicodeAttribute()
    thread_id = UnicodeAttribute()
    seq = NumberAttribute()
    sender_id = UnicodeAttribute()
    sender_role = UnicodeAttribute()
    text = UnicodeAttribute()
    masked = UnicodeAttribute()
    flagged = BooleanAttribute(default=False)
    findings = JSONAttribute(default=list)
    attachments = JSONAttribute(default=list)
    moderation = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


class FlagItem(Item):
    """pk FLAG#<flagId>, sk FLAG; gsi1 FLAGS#<status> / <flaggedAt>#<flagId> (always set).

    The moderation queue entry of a flagged message, with what an admin decides on: the original
    and masked text, the findings, the sender and the thread. The partition follows the status,
    so `FLAGS#flagged` is the open queue (oldest first) and the others are the history.

    A chat flag's id is its message's id (`field` unset). A field flag (a bid's proposal, a bio, a
    review ...: services/text_safety.py) has an id of its own in `message_id`, no thread, `field`
    (`bid.proposal`, `profile.bio`, ...) and `ref`, what the text belongs to (`{kind, id, ...}`).
    Its `text` is the only copy of the original: the item itself stores the masked text.
    """

    Meta = _Meta
    message_id = UnicodeAttribute()
    thread_id = UnicodeAttribute(null=True)
    field = UnicodeAttribute(null=True)
    ref = JSONAttribute(null=True)
    sender_id = UnicodeAttribute()
    sender_sub = UnicodeAttribute()
    sender_name = UnicodeAttribute()
    text = UnicodeAttribute()
    masked = UnicodeAttribute()
    findings = JSONAttribute(default=list)
    status = UnicodeAttribute()
    flagged_at = UnicodeAttribute()
    decided_at = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    note = UnicodeAttribute(null=True)
    version = VersionAttribute()


class StandingItem(Item):
    """pk STANDING#<profileId>, sk STANDING: an account's strikes and suspensions.

    `strikes` is the total of confirmed strikes, `active_strikes` those since the last
    reinstatement (the count that suspends at 3); `history` lists every strike, suspension and
    reinstatement `{action, at, by, messageId?, reason?}`. The profile's `suspended` flag, which
    every request reads, is written in the same transaction.
    """

    Meta = _Meta
    profile_id = UnicodeAttribute()
    strikes = NumberAttribute(default=0)
    active_strikes = NumberAttribute(default=0)
    history = JSONAttribute(default=list)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()
