"""Fuzz every operation of /openapi.json against the running local stack: no input is a 500.

The operations are parametrized from the document the app builds in-process (schemathesis's lazy,
fixture-loaded schemas do not run under pytest 9), and the first test checks that the stack serves
exactly that document at /openapi.json: what is fuzzed is what is published.

schemathesis generates valid and invalid requests from the published contract (bodies, path ids,
queries, headers) and checks each answer: never a server error, a declared status, the
declared media type, and a body that fits the declared schema (problem+json for every refusal).
Each generated request is sent twice, signed in as a customer and as a provider (both with
profiles), so the routes are exercised past the access policy. Bounded for the suite's budget:
a few examples per operation, no shrinking, a fixed seed (TASKLANE_FUZZ_SEED picks another,
TASKLANE_FUZZ_EXAMPLES sends more). Unsupported methods and unknown paths are in test_bad_input.py.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis import Case
from schemathesis.core.result import Ok

import app  # noqa: F401  (registers every route)
from chalicelib.handlers.openapi import build
from scripts.local_stack import LocalStack
from tests.e2e.conftest import World

ROLES = ("customer", "provider")
EXAMPLES = int(os.environ.get("TASKLANE_FUZZ_EXAMPLES", "5"))
SEED = int(os.environ.get("TASKLANE_FUZZ_SEED", "20261201"))
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance")
CONFIG: dict[str, Any] = {
    "seed": SEED,
    "cache": {"enabled": False},  # no .schemathesis/ in the work tree
    "generation": {"mode": "all", "max-examples": EXAMPLES, "no-shrink": True, "database": "none"},
    "phases": {
        "examples": {"enabled": False},
        "coverage": {"enabled": False},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
    "checks": {"enabled": False} | {name: {"enabled": True} for name in CHECKS},
    "request-timeout": 30,
}
SENT: Counter[str] = Counter()  # requests sent per operation, both roles
schema = schemathesis.openapi.from_dict(build(), config=schemathesis.Config.from_dict(CONFIG))


def test_the_stack_serves_the_document_fuzzed(stack: LocalStack) -> None:
    assert requests.get(stack.api_url + "/openapi.json", timeout=10).json() == build()


@pytest.fixture(scope="module")
def tokens(world: World) -> dict[str, str]:
    return {role: str(world.profile(role).token) for role in ROLES}


@schema.parametrize()
def test_no_input_is_a_server_error(case: Case[Any], stack: LocalStack, tokens: dict[str, str]) -> None:
    money = any(p.name == "Idempotency-Key" for p in case.operation.headers)
    for role in ROLES:
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        if money:
            headers["Idempotency-Key"] = uuid.uuid4().hex  # a fresh one: each call runs, none is a replay
        case.call_and_validate(base_url=stack.api_url, headers=headers)
        SENT[case.operation.label] += 1


def test_every_operation_was_fuzzed() -> None:
    """The pass above reached every operation (none skipped as unsatisfiable), and says how much it sent."""
    results = list(schema.get_all_operations())
    assert all(isinstance(result, Ok) for result in results), [r for r in results if not isinstance(r, Ok)]
    labels = {result.ok().label for result in results if isinstance(result, Ok)}
    print(f"\nfuzzed {len(SENT)} of {len(labels)} operations, {sum(SENT.values())} requests (seed {SEED})")
    assert set(SENT) == labels
