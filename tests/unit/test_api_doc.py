"""docs/api.md stays true to GET /openapi.json: a section per operation, only served paths, a fresh index."""

from __future__ import annotations

from typing import Any

import pytest

from scripts import api_doc


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return api_doc.openapi()


@pytest.fixture(scope="module")
def routes() -> set[tuple[str, str]]:
    return api_doc.served()


@pytest.fixture(scope="module")
def text() -> str:
    return api_doc.DOC.read_text(encoding="utf-8")


def test_docs_api_md_agrees_with_the_api(doc: dict[str, Any], text: str, routes: set[tuple[str, str]]) -> None:
    assert api_doc.problems(text, doc, routes) == []


def test_every_operation_is_in_the_index(doc: dict[str, Any], text: str) -> None:
    block = text.partition(api_doc.START)[2].partition(api_doc.END)[0]
    for op in api_doc.operations(doc):
        assert f"| {op.method} | [`{op.path}`]" in block, (op.method, op.path)


def test_an_operation_without_its_section_is_reported(
    doc: dict[str, Any], text: str, routes: set[tuple[str, str]]
) -> None:
    op = api_doc.operations(doc)[0]
    heading = f"### {op.method} {op.path}\n"
    assert heading in text
    found = api_doc.problems(text.replace(heading, "### Something else\n"), doc, routes)
    assert found == [f"no section `### {op.method} {op.path}`"]


def test_a_path_the_api_does_not_serve_is_reported(
    doc: dict[str, Any], text: str, routes: set[tuple[str, str]]
) -> None:
    extra = "\nAlso `POST /tasks/{taskId}/archive`, `GET /me` and `/me/reports`.\n"
    found = api_doc.problems(text + extra, doc, routes)
    assert found == [
        "names POST /tasks/{taskId}/archive, which the API does not serve",
        "names `/me/reports`, which the API does not serve",
    ]


def test_a_stale_index_is_reported(doc: dict[str, Any], text: str, routes: set[tuple[str, str]]) -> None:
    stale = text.replace(api_doc.END, "| GET | `/gone` | anyone | removed |\n" + api_doc.END)
    assert "the route index is stale: run scripts/api_doc.py --write" in api_doc.problems(stale, doc, routes)


@pytest.mark.parametrize(
    ("operation", "who"),
    [
        ({"x-access": {"who": "verified_provider", "admins": False, "writable": True}}, "verified provider"),
        ({"x-access": {"who": "profile", "admins": True, "writable": False}}, "profile or admin"),
        ({"x-access": {"who": "admin", "admins": True, "writable": True}}, "admin"),
        ({"x-access": {"who": "anonymous", "admins": False}, "security": [{"cognito": []}]}, "anyone"),
        ({"x-access": "signed_in"}, "signed in"),
        ({"x-access": ["customer", "provider"]}, "customer, provider"),
        ({"security": [{"cognito": []}]}, "signed in"),
        ({"security": [{}, {"cognito": []}]}, "anyone; a token widens the view"),
        ({}, "anyone"),
    ],
)
def test_who_prefers_x_access_over_security(operation: dict[str, Any], who: str) -> None:
    assert api_doc.who(operation) == who


@pytest.mark.parametrize(
    ("summary", "shown"),
    [
        ("My bids (providers).", "My bids (providers)."),
        (
            "Hold it in escrow, from the wallet or by card (Stripe: 202 with the payment to",
            "Hold it in escrow, from the wallet or by card …",
        ),
        (
            "Top up by card: the sandbox completes at once (201); Stripe answers 202 with the payment to",
            "Top up by card: the sandbox completes at once (201)",
        ),
        (
            "Admin: the queue, each with the user's recent deposits",
            "Admin: the queue, each with the user's recent deposits …",
        ),
    ],
)
def test_a_summary_cut_at_a_line_break_is_tidied(summary: str, shown: str) -> None:
    assert api_doc._summary({"summary": summary}) == shown
