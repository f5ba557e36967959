"""Profiles, verification, provider cards."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.handlers import views
from chalicelib.handlers.http import Call, endpoint

bp = Blueprint(__name__)


@endpoint(bp, "/me", "POST", body="CreateProfile", status=201)
def create_me(call: Call) -> dict[str, Any]:
    """Create my profile as a customer or a provider."""
    from chalicelib.services import profiles

    return views.profile(profiles.create_profile(call.actor, call.body))


@endpoint(bp, "/me", "GET")
def get_me(call: Call) -> dict[str, Any]:
    """My profile, with verification status, rating and badges (admins need no profile of their own)."""
    if call.actor.profile is None and call.actor.is_admin:
        return {"id": None, "role": "admin", "email": call.actor.claims.email, "isAdmin": True}
    profile = call.actor.require_profile()
    return views.profile(profile) | {"isAdmin": call.actor.is_admin}


@endpoint(bp, "/me/verification", "POST", body="SubmitVerification")
def submit_verification(call: Call) -> dict[str, Any]:
    """Send legal name and documents (upload ids) for verification: status becomes pending."""
    from chalicelib.services import profiles

    return views.profile(profiles.submit_verification(call.actor, call.body))


@endpoint(bp, "/providers/{provider_id}", "GET", auth="none")
def provider_card(call: Call, provider_id: str) -> dict[str, Any]:
    """The public card of a verified provider."""
    from chalicelib.services import profiles

    return views.provider_card(profiles.provider_card(provider_id))
