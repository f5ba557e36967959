"""Presigned uploads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint

from chalicelib.handlers.http import Call, endpoint
from chalicelib.handlers.policy import PROFILE
from chalicelib.schemas import lazy

if TYPE_CHECKING:
    from chalicelib.schemas import uploads as bodies
else:
    bodies = lazy("uploads")

bp = Blueprint(__name__)


@endpoint(bp, "/uploads", "POST", policy=PROFILE, body=bodies.CreateUpload, status=201, quota="uploads")
def create_upload(call: Call) -> dict[str, Any]:
    """A presigned POST for one file: size and type are enforced by the policy and again on use."""
    from chalicelib.services import uploads

    return uploads.create_upload(call.actor, call.body.to_command())
