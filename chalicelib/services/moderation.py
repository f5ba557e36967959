"""Moderation: the flagged-message queue, strikes, suspension and reinstatement; anonymity aliases."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from chalicelib.adapters import cognito, events, paging, profiles_repo, threads_repo
from chalicelib.adapters.chat_models import FlagItem, MessageItem, StandingItem
from chalicelib.adapters.table import ProfileItem
from chalicelib.adapters.transactions import transaction
from chalicelib.domain import moderation
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.moderation import FLAG, STANDING, FlagStatus, Standing, standing_of
from chalicelib.services.identity import Actor
from chalicelib.settings import get_settings


@cache
def alias_key() -> bytes:
    """The HMAC key of anonymity aliases: `ANONYMITY_KEY`, a secret on AWS; a fixed key locally."""
    return get_settings().anonymity_key.encode()


def alias_for(provider_id: str, task_id: str) -> moderation.Alias:
    return moderation.alias(alias_key(), provider_id, task_id)


# --- the queue ---------------------------------------------------------------------------


def new_flag(message: MessageItem, sender: ProfileItem, at: str) -> FlagItem:
    return FlagItem(
        pk=f"FLAG#{message.id}",
        sk="FLAG",
        type="Flag",
        gsi1pk=threads_repo.flags_partition(FlagStatus.FLAGGED.value),
        gsi1sk=f"{at}#{message.id}",
        message_id=message.id,
        thread_id=message.thread_id,
        sender_id=sender.id,
        sender_sub=sender.sub,
        sender_name=sender.display_name,
        text=message.text,
        masked=message.masked,
        findings=list(message.findings),
        status=FlagStatus.FLAGGED.value,
        flagged_at=at,
    )


def queue(actor: Actor, status: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Flags in a status, oldest first (`flagged` is the open queue)."""
    actor.require_admin()
    try:
        state = FlagStatus(status)
    except ValueError:
        allowed = "|".join(s.value for s in FlagStatus)
        raise ValidationFailed(f"status must be one of {allowed}", [{"field": "status", "message": allowed}]) from None
    return threads_repo.flags(state.value, limit, cursor)


@dataclass
class Decision:
    flag: FlagItem
    standing: StandingItem | None = None
    suspended: bool = False


def _decide(actor: Actor, message_id: str, action: str, note: str | None) -> tuple[FlagItem, str]:
    actor.require_admin()
    flag = threads_repo.get_flag(message_id)
    if flag is None:
        raise NotFound("no such flagged message")
    flag.status = FLAG.next(FlagStatus(flag.status), action).value
    at = iso()
    flag.gsi1pk = threads_repo.flags_partition(flag.status)
    flag.decided_at = at
    flag.decided_by = f"admin:{actor.sub}"
    flag.note = note
    return flag, at


def _mirror(tx: Any, flag: FlagItem) -> None:
    """The message carries the flag's status too (admins see it beside the original)."""
    tx.update(
        threads_repo.message_handle(flag.thread_id, flag.message_id),
        actions=[MessageItem.moderation.set(flag.status)],
        condition=MessageItem.pk.exists(),
    )


def dismiss(actor: Actor, message_id: str, note: str | None) -> Decision:
    """A false alarm: the flag is closed; the sender gets no strike (the text stays masked for members)."""
    flag, at = _decide(actor, message_id, "dismiss", note)
    event = events.Event(
        "FlagDismissed",
        {"messageId": flag.message_id, "threadId": flag.thread_id, "recipients": [flag.sender_id]},
    )
    with transaction("the flag was decided meanwhile") as tx:
        tx.save(flag)
        _mirror(tx, flag)
        events.stage(tx, event, at)
    events.publish([event])
    return Decision(flag)


def confirm(actor: Actor, message_id: str, note: str | None) -> Decision:
    """A strike on the sender; the third since the last reinstatement suspends the account."""
    flag, at = _decide(actor, message_id, "confirm", note)
    profile = profiles_repo.get_by_sub(flag.sender_sub)
    if profile is None:
        raise NotFound("the sender has no profile any more")
    standing = threads_repo.standing(profile.id, at)
    outcome = moderation.strike(int(standing.strikes), int(standing.active_strikes), bool(profile.suspended))
    standing.strikes = outcome.total
    standing.active_strikes = outcome.active
    standing.updated_at = at
    history = [*standing.history, {"action": "strike", "at": at, "by": flag.decided_by, "messageId": flag.message_id}]
    evts = [
        events.Event(
            "StrikeRecorded",
            {
                "messageId": flag.message_id,
                "threadId": flag.thread_id,
                "strikes": outcome.active,
                "limit": moderation.STRIKES_TO_SUSPEND,
                "recipients": [profile.id],
            },
        )
    ]
    if outcome.suspend:
        profile.suspended = True
        history.append({"action": "suspend", "at": at, "by": "system:strikes", "reason": "third confirmed strike"})
        evts.append(events.Event("AccountSuspended", {"reason": "strikes", "recipients": [profile.id]}))
        cognito.sign_out_everywhere(profile.sub)  # before the commit, as a suspension by hand
    standing.history = history
    with transaction("the flag or the account changed meanwhile; retry") as tx:
        tx.save(flag)
        _mirror(tx, flag)
        tx.save(standing)
        if outcome.suspend:
            tx.save(profile)
        for event in evts:
            events.stage(tx, event, at)
    events.publish(evts)
    return Decision(flag, standing, bool(profile.suspended))


# --- suspension by hand ------------------------------------------------------------------


def _move_account(actor: Actor, profile_id: str, action: str, reason: str | None) -> tuple[ProfileItem, StandingItem]:
    actor.require_admin()
    profile = profiles_repo.get_by_id(profile_id)
    if profile is None:
        raise NotFound("no such user")
    target = STANDING.next(standing_of(bool(profile.suspended)), action)
    at = iso()
    profile.suspended = target == Standing.SUSPENDED
    standing = threads_repo.standing(profile.id, at)
    if action == "reinstate":
        standing.active_strikes = 0
    standing.updated_at = at
    standing.history = [*standing.history, {"action": action, "at": at, "by": f"admin:{actor.sub}", "reason": reason}]
    event = events.Event(
        "AccountSuspended" if action == "suspend" else "AccountReinstated",
        {"reason": reason or "admin", "recipients": [profile.id]},
    )
    if action == "suspend":
        # Before the commit: if Cognito fails, nothing changed and the admin can retry.
        cognito.sign_out_everywhere(profile.sub)
    with transaction("the account changed meanwhile; retry") as tx:
        tx.save(profile)
        tx.save(standing)
        events.stage(tx, event, at)
    events.publish([event])
    return profile, standing


def suspend(actor: Actor, profile_id: str, reason: str | None) -> tuple[ProfileItem, StandingItem]:
    """Reads keep working; every write is a 403 until reinstated. The user is signed out of Cognito
    (refresh tokens revoked); ID tokens already issued live on until they expire, hence the 403s."""
    return _move_account(actor, profile_id, "suspend", reason)


def reinstate(actor: Actor, profile_id: str, reason: str | None) -> tuple[ProfileItem, StandingItem]:
    """Writes work again; the strikes that counted towards the suspension are cleared."""
    return _move_account(actor, profile_id, "reinstate", reason)
