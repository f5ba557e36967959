"""The payment port. `sandbox` (the local default) settles card payments at once; Stripe comes later."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chalicelib.adapters.ids import new_id
from chalicelib.domain.money import Money
from chalicelib.settings import get_settings


@dataclass(frozen=True)
class Charge:
    id: str
    status: str  # "succeeded" or "requires_action"
    gateway: str


class PaymentGateway(Protocol):
    name: str

    def charge(self, money: Money, reference: str, idempotency_key: str) -> Charge: ...


class SandboxGateway:
    """Behaves like a card network that always approves, instantly: enough to run the product locally."""

    name = "sandbox"

    def charge(self, money: Money, reference: str, idempotency_key: str) -> Charge:
        return Charge(id=f"sbx_{new_id()}", status="succeeded", gateway=self.name)


def gateway() -> PaymentGateway:
    name = get_settings().payments
    if name == "sandbox":
        return SandboxGateway()
    raise RuntimeError(f"PAYMENTS={name} is not available yet; use sandbox")
