"""The HTTP edge: bodies become models or 400s naming the field; errors are problem+json."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, cast

import pytest
from chalice.app import Request, Response

from chalicelib import schemas
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.uploads import TooLarge
from chalicelib.handlers.http import MAX_BODY, PROBLEM, Call, from_error, parse_body, problem


def refusal(model_name: str | None, raw: str | bytes | None) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as raised:
        parse_body(model_name, raw)
    return raised.value


def task_json(**budget: Any) -> bytes:
    return json.dumps(
        {
            "title": "Build a dashboard",
            "description": "Grafana on our metrics.",
            "category": "observability",
            "skills": ["grafana"],
            "budget": {"amount": 10_000, "currency": "EUR", **budget},
        }
    ).encode()


def test_a_valid_body_becomes_the_model() -> None:
    parsed = parse_body("TaskFields", task_json())
    assert isinstance(parsed, schemas.TaskFields)
    assert parsed.budget.amount == 10_000


def test_str_bodies_are_parsed_too() -> None:
    assert parse_body("Remark", '{"text": "strong portfolio"}').text == "strong portfolio"


def test_errors_name_the_nested_field() -> None:
    error = refusal("TaskFields", task_json(amount=99.5))
    assert error.status == 400
    assert [(e["field"], e["type"]) for e in error.errors] == [("budget.amount", "int_type")]
    assert "integer" in error.errors[0]["message"]


def test_every_error_is_field_message_type() -> None:
    body = json.dumps({"price": {"amount": -1, "currency": "XYZ"}, "proposal": "", "bogus": 1})
    error = refusal("PlaceBid", body)
    assert error.errors
    for item in error.errors:
        assert set(item) == {"field", "message", "type"}
        assert all(isinstance(v, str) for v in item.values())
    fields = {item["field"] for item in error.errors}
    assert {"price.amount", "price.currency", "proposal", "durationDays", "milestones", "bogus"} <= fields


def test_list_positions_appear_in_the_field_path() -> None:
    body = {
        "price": {"amount": 100, "currency": "EUR"},
        "proposal": "p",
        "durationDays": 3,
        "milestones": [{"title": "One", "amount": {"amount": 100, "currency": "EUR"}, "dueDate": "2026-13-01"}],
    }
    assert [e["field"] for e in refusal("PlaceBid", json.dumps(body)).errors] == ["milestones.0.dueDate"]


def test_errors_do_not_echo_the_submitted_values() -> None:
    secret = "hunter2-very-secret"
    error = refusal("Money", json.dumps({"amount": secret, "currency": secret}))
    assert {e["field"] for e in error.errors} == {"amount", "currency"}
    assert secret not in json.dumps(error.errors)


def test_malformed_json_is_a_400() -> None:
    error = refusal("CreateUpload", b"{not json")
    assert error.status == 400
    assert [e["type"] for e in error.errors] == ["json_invalid"]


@pytest.mark.parametrize("raw", [b"", None])
def test_a_missing_body_names_the_required_fields(raw: bytes | None) -> None:
    error = refusal("CreateUpload", raw)
    assert error.status == 400
    assert {e["field"] for e in error.errors} == {"purpose", "filename", "contentType", "size"}


def test_bodies_over_256_kib_are_refused_before_parsing() -> None:
    raw = b'{"text": "' + b"x" * MAX_BODY + b'"}'
    error = refusal("Remark", raw)
    assert str(MAX_BODY) in error.detail


@pytest.mark.parametrize("raw", [None, b"", "", b"{}", "{}", b"null", b"  \n", b" {} "])
def test_actions_without_a_body_accept_empty_bodies(raw: str | bytes | None) -> None:
    assert parse_body(None, raw) is None


@pytest.mark.parametrize("raw", [b'{"x":1}', b"[]", b'"go"', b"0", b"{nope"])
def test_actions_without_a_body_refuse_content(raw: bytes) -> None:
    error = refusal(None, raw)
    assert error.status == 400
    assert "no body" in error.detail


@pytest.mark.parametrize("raw", [None, b""])
def test_actions_with_only_optional_fields_accept_an_absent_body(raw: bytes | None) -> None:
    parsed = parse_body("Decision", raw)
    assert parsed.reason is None
    assert parsed.note is None


def test_actions_with_only_optional_fields_accept_an_empty_object() -> None:
    parsed = parse_body("Decision", b"{}")
    assert (parsed.reason, parsed.note) == (None, None)


def problem_body(response: Response) -> dict[str, Any]:
    body = response.body
    return cast(dict[str, Any], json.loads(body if isinstance(body, str | bytes) else json.dumps(body)))


def test_problem_is_problem_json_with_the_rfc_fields() -> None:
    response = problem(409, "conflict", "Conflict with the current state", "task is open")
    assert response.status_code == 409
    assert response.headers["Content-Type"] == PROBLEM == "application/problem+json"
    body = problem_body(response)
    assert set(body) == {"type", "title", "status", "detail"}
    assert body["status"] == 409
    assert body["title"] == "Conflict with the current state"
    assert body["detail"] == "task is open"
    assert body["type"].startswith("https://")
    assert body["type"].endswith("/conflict")


def test_problem_carries_field_errors_when_given() -> None:
    errors = [{"field": "budget.amount", "message": "must be an integer", "type": "int_type"}]
    body = problem_body(problem(400, "validation-error", "Request validation failed", "bad", errors))
    assert body["errors"] == errors


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (ValidationFailed("bad", [{"field": "x", "message": "y"}]), 400, "validation-error"),
        (NotFound("no such task"), 404, "not-found"),
        (Conflict("already awarded"), 409, "conflict"),
        (TooLarge("too big", [{"field": "size", "message": "at most 1"}]), 413, "payload-too-large"),
    ],
)
def test_domain_errors_map_to_their_status(error: ValidationFailed, status: int, slug: str) -> None:
    response = from_error(error)
    body = problem_body(response)
    assert response.status_code == status
    assert response.headers["Content-Type"] == PROBLEM
    assert body["status"] == status
    assert body["type"].endswith("/" + slug)
    assert body["detail"] == error.detail
    assert body.get("errors", []) == error.errors


def call_with(query: dict[str, str] | None) -> Call:
    request = cast(Request, SimpleNamespace(query_params=query, headers={}))
    return Call(request=request, actor=None, body=None)


@pytest.mark.parametrize(
    ("query", "expected"), [(None, 20), ({}, 20), ({"limit": ""}, 20), ({"limit": "1"}, 1), ({"limit": "100"}, 100)]
)
def test_limit_defaults_and_reads_the_query(query: dict[str, str] | None, expected: int) -> None:
    assert call_with(query).limit() == expected


@pytest.mark.parametrize("raw", ["0", "101", "-1", "1.5", "ten", " 5"])
def test_limit_outside_1_to_100_is_a_400(raw: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        call_with({"limit": raw}).limit()
    assert raised.value.errors == [{"field": "limit", "message": "1..100"}]
