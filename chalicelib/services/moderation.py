"""Moderation: the flagged-message queue, strikes, suspension and reinstatement; anonymity aliases."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from chalicelib.adapters import cognito, moderation_repo, paging, profiles_repo, threads_repo
from chalicelib.adapters.unit_of_work import Writes, unit_of_work
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


def new_flag(message: threads_repo.Message, sender: profiles_repo.Profile, at: str) -> moderation_repo.Flag:
    """A screened message enters the open queue; stored with the message (services/threads)."""
    return moderation_repo.new_flag(message, sender.id, sender.sub, sender.display_name, FlagStatus.FLAGGED.value, at)


def queue(actor: Actor, status: str, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Flags in a status, oldest first (`flagged` is the open queue)."""
    actor.require_admin()
    try:
        state = FlagStatus(status)
    except ValueError:
        allowed = "|".join(s.value for s in FlagStatus)
        raise ValidationFailed(f"status must be one of {allowed}", [{"field": "status", "message": allowed}]) from None
    return moderation_repo.flags(state.value, limit, cursor)


@dataclass
class Decision:
    flag: moderation_repo.Flag
    standing: moderation_repo.Standing | None = None
    suspended: bool = False


def _decide(actor: Actor, message_id: str, action: str, note: str | None) -> tuple[moderation_repo.Flag, str]:
    actor.require_admin()
    flag = moderation_repo.get_flag(message_id)
    if flag is None:
        raise NotFound("no such flagged message")
    moderation_repo.move_flag(flag, FLAG.next(FlagStatus(flag.status), action).value)
    at = iso()
    flag.decided_at = at
    flag.decided_by = f"admin:{actor.sub}"
    flag.note = note
    return flag, at


def _save_decided(uow: Writes, flag: moderation_repo.Flag) -> None:
    """The flag, and its status mirrored on the message (admins see it beside the original); a field
    flag (services/text_safety) has no message: the masked text stays on its item either way."""
    moderation_repo.save_flag(uow, flag)
    if flag.thread_id is not None:
        threads_repo.set_moderation(uow, flag.thread_id, flag.message_id, flag.status)


def dismiss(actor: Actor, message_id: str, note: str | None) -> Decision:
    """A false alarm: the flag is closed; the sender gets no strike (the text stays masked for members)."""
    flag, at = _decide(actor, message_id, "dismiss", note)
    with unit_of_work("the flag was decided meanwhile") as uow:
        _save_decided(uow, flag)
        uow.emit(
            "FlagDismissed",
            {
                "messageId": flag.message_id,
                "threadId": flag.thread_id,
                "field": flag.field or "message",
                "recipients": [flag.sender_id],
            },
            at,
        )
    return Decision(flag)


def confirm(actor: Actor, message_id: str, note: str | None) -> Decision:
    """A strike on the sender; the third since the last reinstatement suspends the account."""
    flag, at = _decide(actor, message_id, "confirm", note)
    profile = profiles_repo.get_by_sub(flag.sender_sub)
    if profile is None:
        raise NotFound("the sender has no profile any more")
    standing = moderation_repo.standing(profile.id, at)
    outcome = moderation.strike(int(standing.strikes), int(standing.active_strikes), bool(profile.suspended))
    standing.strikes = outcome.total
    standing.active_strikes = outcome.active
    standing.updated_at = at
    history = [*standing.history, {"action": "strike", "at": at, "by": flag.decided_by, "messageId": flag.message_id}]
    if outcome.suspend:
        profile.suspended = True
        history.append({"action": "suspend", "at": at, "by": "system:strikes", "reason": "third confirmed strike"})
        cognito.sign_out_everywhere(profile.sub)  # before the commit, as a suspension by hand
    standing.history = history
    with unit_of_work("the flag or the account changed meanwhile; retry") as uow:
        _save_decided(uow, flag)
        moderation_repo.save_standing(uow, standing)
        if outcome.suspend:
            profiles_repo.save(uow, profile)
        uow.emit(
            "StrikeRecorded",
            {
                "messageId": flag.message_id,
                "threadId": flag.thread_id,
                "field": flag.field or "message",
                "strikes": outcome.active,
                "limit": moderation.STRIKES_TO_SUSPEND,
                "recipients": [profile.id],
            },
            at,
        )
        if outcome.suspend:
            uow.emit("AccountSuspended", {"reason": "strikes", "recipients": [profile.id]}, at)
    return Decision(flag, standing, bool(profile.suspended))


# --- suspension by hand ------------------------------------------------------------------


def _move_account(
    actor: Actor, profile_id: str, action: str, reason: str | None
) -> tuple[profiles_repo.Profile, moderation_repo.Standing]:
    actor.require_admin()
    profile = profiles_repo.get_by_id(profile_id)
    if profile is None:
        raise NotFound("no such user")
    target = STANDING.next(standing_of(bool(profile.suspended)), action)
    at = iso()
    profile.suspended = target == Standing.SUSPENDED
    standing = moderation_repo.standing(profile.id, at)
    if action == "reinstate":
        standing.active_strikes = 0
    standing.updated_at = at
    standing.history = [*standing.history, {"action": action, "at": at, "by": f"admin:{actor.sub}", "reason": reason}]
    if action == "suspend":
        # Before the commit: if Cognito fails, nothing changed and the admin can retry.
        cognito.sign_out_everywhere(profile.sub)
    with unit_of_work("the account changed meanwhile; retry") as uow:
        profiles_repo.save(uow, profile)
        moderation_repo.save_standing(uow, standing)
        uow.emit(
            "AccountSuspended" if action == "suspend" else "AccountReinstated",
            {"reason": reason or "admin", "recipients": [profile.id]},
            at,
        )
    return profile, standing


def suspend(
    actor: Actor, profile_id: str, reason: str | None
) -> tuple[profiles_repo.Profile, moderation_repo.Standing]:
    """Reads keep working; every write is a 403 until reinstated. The user is signed out of Cognito
    (refresh tokens revoked); ID tokens already issued live on until they expire, hence the 403s."""
    return _move_account(actor, profile_id, "suspend", reason)


def reinstate(
    actor: Actor, profile_id: str, reason: str | None
) -> tuple[profiles_repo.Profile, moderation_repo.Standing]:
    """Writes work again; the strikes that counted towards the suspension are cleared."""
    return _move_account(actor, profile_id, "reinstate", reason)
