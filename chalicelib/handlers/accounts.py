"""Profiles, verification, provider cards."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.handlers import policy as may
from chalicelib.handlers import views
from chalicelib.handlers.http import Call, endpoint
from chalicelib.schemas import lazy

if TYPE_CHECKING:
    from chalicelib.schemas import accounts as bodies
else:
    bodies = lazy("accounts")

bp = Blueprint(__name__)


# Creating the profile is no write of an account that could be suspended: suspension lives on the profile.
@endpoint(
    bp, "/me", "POST", policy=may.Policy(may.Who.SIGNED_IN, writable=False), body=bodies.CreateProfile, status=201
)
def create_me(call: Call) -> dict[str, Any]:
    """Create my profile as a customer or a provider."""
    from chalicelib.services import profiles

    return views.profile(profiles.create_profile(call.actor, call.body.to_command()))


@endpoint(bp, "/me", "GET", policy=may.PROFILE_OR_ADMIN)
def get_me(call: Call) -> dict[str, Any]:
    """My profile, with verification status, rating and badges (admins need no profile of their own)."""
    return views.me(call.actor)


@endpoint(bp, "/me/verification", "POST", policy=may.PROFILE, body=bodies.SubmitVerification)
def submit_verification(call: Call) -> dict[str, Any]:
    """Send legal name and documents (upload ids) for verification: status becomes pending."""
    from chalicelib.services import profiles

    return views.profile(profiles.submit_verification(call.actor, call.body.to_command()))


@endpoint(bp, "/providers/{provider_id}", "GET", policy=may.PUBLIC, quota="public")
def provider_card(call: Call, provider_id: str) -> dict[str, Any]:
    """The public card of a verified provider."""
    from chalicelib.services import profiles

    return views.provider_card(profiles.provider_card(provider_id))
