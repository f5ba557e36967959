"""Profiles and account verification."""

from __future__ import annotations

from chalicelib.adapters import profiles_repo, uploads_repo
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain.accounts import VERIFICATION, NewProfile, Role, Verification, VerificationRequest
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.uploads import Purpose
from chalicelib.services import text_safety, uploads, users
from chalicelib.services.identity import Actor


def create_profile(actor: Actor, new: NewProfile) -> profiles_repo.Profile:
    if actor.profile is not None:
        raise Conflict("you already have a profile")
    profile_id = new_id()
    moment = iso()
    profile = profiles_repo.new(
        profile_id=profile_id,
        sub=actor.sub,
        email=actor.claims.email,
        role=new.role.value,
        display_name=new.display_name,
        kind=new.kind.value,
        skills=list(new.skills) if new.role == Role.PROVIDER else [],
        languages=list(new.languages),
        hourly_rate=new.hourly_rate.to_json() if new.hourly_rate else None,
        bio=new.bio,
        anonymous=new.anonymous and new.role == Role.PROVIDER,
        verification=Verification.UNVERIFIED.value,
        created_at=moment,
    )
    screened = text_safety.for_profile(profile)  # name and bio are public on the provider card
    with unit_of_work("you already have a profile") as uow:
        profiles_repo.add(uow, profile)
        screened.stage(uow, moment)
        users.index(uow, profile)  # admins find the user by email or name prefix
        uow.emit(
            "UserSignedUp",
            {"profileId": profile_id, "role": profile.role, "kind": profile.kind, "recipients": []},
            moment,
        )
    return profile


def provider_card(profile_id: str) -> profiles_repo.Profile:
    profile = profiles_repo.get_by_id(profile_id)
    if profile is None or profile.role != Role.PROVIDER.value or profile.verification != Verification.VERIFIED.value:
        raise NotFound("no such provider")
    return profile


def submit_verification(actor: Actor, request: VerificationRequest) -> profiles_repo.Profile:
    actor.require_writable()
    profile = actor.require_profile()
    state = VERIFICATION.next(Verification(profile.verification), "submit")
    for upload_id in request.documents:
        uploads.claim(actor, upload_id, Purpose.VERIFICATION)
    moment = iso()
    profile.verification = state.value
    profile.legal_name = request.legal_name
    profile.documents = list(request.documents)
    profile.submitted_at = moment
    profile.verification_note = None
    profiles_repo.enter_verification_queue(profile, moment)
    profiles_repo.put(profile, "your profile changed meanwhile; retry")
    return profile


def decide_verification(actor: Actor, profile_id: str, action: str, reason: str | None) -> profiles_repo.Profile:
    actor.require_admin()
    if action == "reject" and not reason:
        raise ValidationFailed("say why the verification is rejected", [{"field": "reason", "message": "required"}])
    profile = profiles_repo.get_by_id(profile_id)
    if profile is None:
        raise NotFound("no such user")
    profile.verification = VERIFICATION.next(Verification(profile.verification), action).value
    profile.verification_note = reason
    profiles_repo.leave_verification_queue(profile)
    profiles_repo.put(profile, "the verification was decided meanwhile")
    return profile


def pending_documents(profiles: list[profiles_repo.Profile]) -> dict[str, list[dict[str, str]]]:
    """Short-lived links to the documents an admin checks, per profile id: one BatchGetItem for the whole page."""
    found = uploads_repo.batch(i for profile in profiles for i in profile.documents or [])
    return {
        profile.id: [
            {"uploadId": upload.id, "filename": upload.filename, "url": uploads.download_url(upload)}
            for upload in (found[i] for i in profile.documents or [] if i in found)
        ]
        for profile in profiles
    }
