"""Stripe behind the payment port, on the official SDK (`stripe.StripeClient`).

`stripe` is imported inside the functions that use it: importing the app (the Lambda cold start)
never loads it. Separate charges and transfers: a milestone's PaymentIntent carries
`transfer_group` = the contract id, and every object carries our ids in `metadata`. Every create
sends an idempotency key derived from our own operation ids.

Configuration (chalicelib/settings.py, read once; the keys from Secrets Manager on AWS): STRIPE_API_KEY,
STRIPE_WEBHOOK_SECRET (comma-separated to accept several endpoints, e.g. the platform's and the Connect one),
STRIPE_WEBHOOK_TOLERANCE (seconds, default Stripe's 300), STRIPE_CONNECT_COUNTRY (default DE), STRIPE_RETURN_URL and
STRIPE_REFRESH_URL (Connect onboarding), STRIPE_MAX_RETRIES (default 2).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, ClassVar, TypeVar

from chalicelib.adapters.payment_port import (
    Account,
    BalanceLine,
    Charge,
    GatewayUnavailable,
    IdempotencyKeyReused,
    Link,
    PaymentRefused,
    Payout,
    Refund,
    Transfer,
)
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.money import Money
from chalicelib.settings import get_settings

T = TypeVar("T")
DEFAULT_TOLERANCE = 300  # = stripe.Webhook.DEFAULT_TOLERANCE


@dataclass(frozen=True)
class StripeConfig:
    api_key: str
    webhook_secrets: tuple[str, ...]
    tolerance: int
    connect_country: str
    return_url: str
    refresh_url: str
    max_retries: int


@cache
def config() -> StripeConfig:
    """From Settings: on AWS the keys come from the Secrets Manager secret (chalicelib/settings.py)."""
    settings = get_settings()
    secrets = tuple(s.strip() for s in settings.stripe_webhook_secret.split(",") if s.strip())
    return StripeConfig(
        api_key=settings.stripe_api_key,
        webhook_secrets=secrets,
        tolerance=settings.stripe_webhook_tolerance,
        connect_country=settings.stripe_connect_country,
        return_url=settings.stripe_return_url,
        refresh_url=settings.stripe_refresh_url,
        max_retries=settings.stripe_max_retries,
    )


def verify_event(payload: bytes | str, signature: str | None, secrets: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Check `Stripe-Signature` (HMAC-SHA256 over `<t>.<body>`, within the tolerance) and parse the event.

    A body that is not signed with one of our endpoint secrets is a 400, before anything is read from it.
    """
    from stripe import SignatureVerificationError, WebhookSignature

    settings = config()
    candidates = secrets if secrets is not None else settings.webhook_secrets
    if not candidates:
        raise ValidationFailed("no webhook secret is configured (STRIPE_WEBHOOK_SECRET)")
    text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    for secret in candidates:
        try:
            WebhookSignature.verify_header(text, signature, secret, settings.tolerance)
        except SignatureVerificationError:
            continue
        break
    else:
        raise ValidationFailed(
            "the Stripe-Signature header does not match this body",
            [{"field": "Stripe-Signature", "message": "invalid"}],
        )
    try:
        event = json.loads(text)
    except ValueError:
        raise ValidationFailed("the webhook body is not JSON") from None
    if not isinstance(event, dict) or event.get("object") != "event" or not isinstance(event.get("data"), dict):
        raise ValidationFailed("the webhook body is not a Stripe event")
    return event


def _mapped(call: Callable[[], T]) -> T:
    """Run one SDK call; Stripe's errors become ours (declines 422, outages 503, anything else refused)."""
    import stripe

    try:
        return call()
    except stripe.CardError as exc:
        code = exc.code or "card_error"
        decline = getattr(exc.error, "decline_code", None) if exc.error else None
        raise PaymentRefused(
            exc.user_message or "the card was declined",
            [{"field": "card", "message": str(decline or code)}],
        ) from None
    except (stripe.RateLimitError, stripe.APIConnectionError) as exc:
        raise GatewayUnavailable(f"Stripe did not answer ({type(exc).__name__}); retry later") from None
    except stripe.IdempotencyError:
        raise IdempotencyKeyReused("this payment operation was already sent with other details") from None
    except stripe.APIError as exc:
        raise GatewayUnavailable(f"Stripe answered {exc.http_status}; retry later") from None
    except stripe.InvalidRequestError as exc:
        raise PaymentRefused(
            exc.user_message or "Stripe refused the request", [{"field": exc.param or "", "message": exc.code or ""}]
        ) from None
    except stripe.StripeError as exc:  # authentication, permission: our configuration, not the caller
        raise GatewayUnavailable(f"Stripe refused our credentials ({type(exc).__name__})") from None


def _plain(obj: Any) -> dict[str, Any]:
    data: dict[str, Any] = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    return data


def _iso(epoch: int | None) -> str:
    return iso(datetime.fromtimestamp(int(epoch or 0), UTC))


class StripeGateway:
    name: ClassVar[str] = "stripe"
    settles_at_once: ClassVar[bool] = False

    def __init__(self, client: Any) -> None:
        self.client = client

    # --- card payments ------------------------------------------------------------------

    def charge(
        self,
        money: Money,
        reference: str,
        idempotency_key: str,
        *,
        metadata: dict[str, str] | None = None,
        transfer_group: str | None = None,
    ) -> Charge:
        params: dict[str, Any] = {
            "amount": money.amount,
            "currency": money.currency.lower(),
            "automatic_payment_methods": {"enabled": True},
            "description": f"Tasklane {reference}",
            "metadata": {"reference": reference, **(metadata or {})},
        }
        if transfer_group:
            params["transfer_group"] = transfer_group
        intent = _mapped(
            lambda: self.client.v1.payment_intents.create(params=params, options={"idempotency_key": idempotency_key})
        )
        return self._charge(intent)

    def intent(self, payment_id: str) -> Charge:
        return self._charge(_mapped(lambda: self.client.v1.payment_intents.retrieve(payment_id)))

    def _charge(self, intent: Any) -> Charge:
        data = _plain(intent)
        latest = data.get("latest_charge")
        charge_id = latest.get("id") if isinstance(latest, dict) else latest
        return Charge(str(data["id"]), str(data["status"]), self.name, data.get("client_secret"), charge_id)

    def refund(self, payment_id: str, money: Money, idempotency_key: str, *, metadata: dict[str, str]) -> Refund:
        params = {"payment_intent": payment_id, "amount": money.amount, "metadata": metadata}
        refund = _plain(
            _mapped(lambda: self.client.v1.refunds.create(params=params, options={"idempotency_key": idempotency_key}))
        )
        return Refund(str(refund["id"]), str(refund["status"]), self.name)

    # --- Connect: payout accounts, transfers, payouts --------------------------------------

    def create_account(self, profile_id: str, email: str, idempotency_key: str) -> Account:
        settings = config()
        params = {
            "type": "express",
            "country": settings.connect_country,
            "email": email,
            "capabilities": {"transfers": {"requested": True}},
            "settings": {"payouts": {"schedule": {"interval": "manual"}}},
            "metadata": {"profileId": profile_id},
        }
        account = _plain(
            _mapped(lambda: self.client.v1.accounts.create(params=params, options={"idempotency_key": idempotency_key}))
        )
        return Account(
            str(account["id"]),
            bool(account.get("payouts_enabled")),
            bool(account.get("charges_enabled")),
            bool(account.get("details_submitted")),
        )

    def onboarding_link(self, account_id: str) -> Link:
        settings = config()
        params = {
            "account": account_id,
            "type": "account_onboarding",
            "refresh_url": settings.refresh_url,
            "return_url": settings.return_url,
        }
        link = _plain(_mapped(lambda: self.client.v1.account_links.create(params=params)))
        return Link(str(link["url"]), _iso(link.get("expires_at")))

    def transfer(
        self, account_id: str, money: Money, idempotency_key: str, *, metadata: dict[str, str], transfer_group: str
    ) -> Transfer:
        params = {
            "amount": money.amount,
            "currency": money.currency.lower(),
            "destination": account_id,
            "transfer_group": transfer_group,
            "metadata": metadata,
        }
        transfer = _plain(
            _mapped(
                lambda: self.client.v1.transfers.create(params=params, options={"idempotency_key": idempotency_key})
            )
        )
        return Transfer(str(transfer["id"]), self.name)

    def payout(self, account_id: str, money: Money, idempotency_key: str, *, metadata: dict[str, str]) -> Payout:
        params = {"amount": money.amount, "currency": money.currency.lower(), "metadata": metadata}
        options = {"idempotency_key": idempotency_key, "stripe_account": account_id}
        payout = _plain(_mapped(lambda: self.client.v1.payouts.create(params=params, options=options)))
        return Payout(str(payout["id"]), str(payout["status"]), self.name)

    def reverse_transfer(
        self, transfer_id: str, money: Money, idempotency_key: str, *, metadata: dict[str, str]
    ) -> str:
        params = {"amount": money.amount, "metadata": metadata}
        reversal = _plain(
            _mapped(
                lambda: self.client.v1.transfers.reversals.create(
                    transfer_id, params=params, options={"idempotency_key": idempotency_key}
                )
            )
        )
        return str(reversal["id"])

    # --- reconciliation -------------------------------------------------------------------

    def balance_lines(self, start: datetime, end: datetime) -> list[BalanceLine]:
        params = {
            "created": {"gte": int(start.timestamp()), "lt": int(end.timestamp())},
            "limit": 100,
            "expand": ["data.source"],
        }
        listing = _mapped(lambda: self.client.v1.balance_transactions.list(params=params))
        lines = []
        for item in _mapped(lambda: list(listing.auto_paging_iter())):
            data = _plain(item)
            source = data.get("source")
            lines.append(
                BalanceLine(
                    id=str(data["id"]),
                    type=str(data["type"]),
                    amount=int(data["amount"]),
                    fee=int(data.get("fee") or 0),
                    currency=str(data["currency"]).upper(),
                    created=_iso(data.get("created")),
                    key=ledger_key(str(data["type"]), source),
                    source=source.get("id") if isinstance(source, dict) else source,
                )
            )
        return lines


def ledger_key(kind: str, source: Any) -> str | None:
    """Which of our objects a balance transaction belongs to (None: the ledger does not book this kind)."""
    if not isinstance(source, dict):
        return None
    if kind in (
        "charge",
        "payment",
        "refund",
        "refund_failure",
        "payment_refund",
        "payment_failure_refund",
        "adjustment",
    ):
        intent = source.get("payment_intent")
        return str(intent) if intent else None
    if kind == "transfer":
        return str(source.get("id"))
    if kind in ("transfer_refund", "transfer_cancel", "transfer_failure"):
        transfer = source.get("transfer")
        return str(transfer) if transfer else None
    return None  # platform payouts to our own bank, Stripe fees, ...: outside the clearing account by design


@cache
def default_gateway() -> StripeGateway:
    """The gateway on the real API (PAYMENTS=stripe), one client per process."""
    from stripe import StripeClient

    settings = config()
    if not settings.api_key:
        raise GatewayUnavailable("PAYMENTS=stripe needs STRIPE_API_KEY")
    return StripeGateway(StripeClient(settings.api_key, max_network_retries=settings.max_retries))
