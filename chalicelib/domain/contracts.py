"""Contract lifecycle: created from the awarded bid, signed by both, active, then completed."""

from __future__ import annotations

from enum import StrEnum

from chalicelib.domain.lifecycle import Lifecycle

TERMS_VERSION = "2026-11-01"
NDA_VERSION = "2026-11-01"


class ContractStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    COMPLETED = "completed"
    TERMINATED = "terminated"


CONTRACT = Lifecycle[ContractStatus](
    "contract",
    {
        ContractStatus.DRAFT: {"sign": ContractStatus.DRAFT, "activate": ContractStatus.ACTIVE},
        ContractStatus.ACTIVE: {
            "fund": ContractStatus.ACTIVE,
            "complete": ContractStatus.COMPLETED,
            "terminate": ContractStatus.TERMINATED,
        },
    },
)
