"""Bodies of hub mode's submission gate and quality control."""

from __future__ import annotations

from chalicelib.schemas.common import Body, Id


class AssignReviewer(Body):
    """The verified provider (not a party) who reviews the contract's submissions."""

    provider_id: Id
