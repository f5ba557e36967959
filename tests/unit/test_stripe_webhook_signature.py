"""Webhook verification: Stripe's signing scheme (t=…,v1=HMAC-SHA256 over "<t>.<body>") through the SDK's verifier.

The signatures are computed in tests/stripe_fake.py independently of the SDK, so these tests show that what
Stripe sends is accepted and that anything else is a 400 before the body is read.
"""

from __future__ import annotations

import json
import time

import pytest

from chalicelib.adapters.stripe_gateway import DEFAULT_TOLERANCE, verify_event
from chalicelib.domain.errors import ValidationFailed
from tests.stripe_fake import TEST_SECRET, FakeStripe, signed

SECRETS = (TEST_SECRET,)


@pytest.fixture
def event() -> dict[str, object]:
    return FakeStripe().event("payment_intent.succeeded", {"id": "pi_1", "object": "payment_intent"})


def test_a_genuine_event_is_accepted_and_parsed(event: dict[str, object]) -> None:
    body, header = signed(event)
    assert verify_event(body, header, SECRETS) == json.loads(body)
    assert verify_event(body.decode(), header, SECRETS)["id"] == event["id"]


def test_any_of_several_endpoint_secrets_is_accepted(event: dict[str, object]) -> None:
    body, header = signed(event, secret="whsec_connect_endpoint")
    assert verify_event(body, header, ("whsec_platform", "whsec_connect_endpoint"))["id"] == event["id"]


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda body, header: (body.replace(b'"pi_1"', b'"pi_2"'), header), id="body changed"),
        pytest.param(lambda body, header: (body + b" ", header), id="one byte more"),
        pytest.param(lambda body, header: (body, header.replace("v1=", "v0=")), id="wrong scheme"),
        pytest.param(lambda body, header: (body, header[:-1] + ("0" if header[-1] != "0" else "1")), id="bad mac"),
        pytest.param(lambda body, header: (body, ""), id="no header"),
        pytest.param(lambda body, header: (body, "garbage"), id="unparseable header"),
        pytest.param(lambda body, header: (body, f"t={int(time.time()) + 5},{header.split(',')[1]}"), id="other time"),
    ],
)
def test_anything_else_is_a_400(event: dict[str, object], tamper: object) -> None:
    body, header = signed(event)
    bad_body, bad_header = tamper(body, header)  # type: ignore[operator]
    with pytest.raises(ValidationFailed) as caught:
        verify_event(bad_body, bad_header or None, SECRETS)
    assert caught.value.status == 400


def test_a_signature_with_another_secret_is_a_400(event: dict[str, object]) -> None:
    body, header = signed(event, secret="whsec_someone_else")
    with pytest.raises(ValidationFailed):
        verify_event(body, header, SECRETS)


def test_an_old_signature_is_outside_the_tolerance(event: dict[str, object]) -> None:
    body, header = signed(event, timestamp=int(time.time()) - DEFAULT_TOLERANCE - 5)
    with pytest.raises(ValidationFailed):
        verify_event(body, header, SECRETS)
    body, header = signed(event, timestamp=int(time.time()) - DEFAULT_TOLERANCE + 30)
    assert verify_event(body, header, SECRETS)["id"] == event["id"]


def test_without_a_configured_secret_nothing_is_accepted(event: dict[str, object]) -> None:
    body, header = signed(event)
    with pytest.raises(ValidationFailed):
        verify_event(body, header, ())


def test_a_signed_body_that_is_not_an_event_is_a_400() -> None:
    body, header = signed({"hello": "world"})
    with pytest.raises(ValidationFailed):
        verify_event(body, header, SECRETS)
