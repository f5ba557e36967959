"""Which payment gateway answers: `PAYMENTS=sandbox` (the local default) or `PAYMENTS=stripe`.

The implementations are imported on first use, so importing the app (the Lambda cold start) loads
neither Stripe's gateway nor its SDK. Services ask `gateway()` and speak the port
(adapters/payment_port.py); they never name an implementation.
"""

from __future__ import annotations

from chalicelib.adapters.payment_port import PaymentGateway
from chalicelib.settings import get_settings

_installed: PaymentGateway | None = None


def gateway(name: str | None = None) -> PaymentGateway:
    """The configured gateway (`PAYMENTS`), or the one a payment or withdrawal was made with (`name`)."""
    if _installed is not None and name in (None, _installed.name):
        return _installed
    name = name or get_settings().payments
    if name == "sandbox":
        from chalicelib.adapters.sandbox_gateway import SandboxGateway

        return SandboxGateway()
    if name == "stripe":
        from chalicelib.adapters.stripe_gateway import default_gateway

        return default_gateway()
    raise RuntimeError(f"PAYMENTS={name} is not a gateway; use sandbox or stripe")


def install(port: PaymentGateway | None) -> PaymentGateway | None:
    """Answer `gateway()` (and `gateway(port.name)`) with `port`, e.g. the tests' Stripe fake; `None` goes back
    to `PAYMENTS`. Returns the one it replaces, to put back afterwards."""
    global _installed
    before, _installed = _installed, port
    return before
