"""The HTTP edge: bodies become models or 400s naming the field; errors are problem+json."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from chalice.app import Blueprint, Chalice, Request, Response
from chalice.test import Client
from pydantic import BaseModel

from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.uploads import TooLarge
from chalicelib.handlers import policy as may
from chalicelib.handlers.http import (
    MAX_BODY,
    MAX_ID,
    MAX_QUERY,
    PROBLEM,
    ROUTES,
    Call,
    endpoint,
    from_error,
    parse_body,
    problem,
)
from chalicelib.schemas import admin, bids, common, tasks, uploads
from chalicelib.services.stripe_events import well_formed


def refusal(model: type[BaseModel] | None, raw: str | bytes | None) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as raised:
        parse_body(model, raw)
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
    parsed = parse_body(tasks.TaskFields, task_json())
    assert isinstance(parsed, tasks.TaskFields)
    assert parsed.budget.amount == 10_000


def test_str_bodies_are_parsed_too() -> None:
    assert parse_body(bids.Remark, '{"text": "strong portfolio"}').text == "strong portfolio"


def test_errors_name_the_nested_field() -> None:
    error = refusal(tasks.TaskFields, task_json(amount=99.5))
    assert error.status == 400
    assert [(e["field"], e["type"]) for e in error.errors] == [("budget.amount", "int_type")]
    assert "integer" in error.errors[0]["message"]


def test_every_error_is_field_message_type() -> None:
    body = json.dumps({"price": {"amount": -1, "currency": "XYZ"}, "proposal": "", "bogus": 1})
    error = refusal(bids.PlaceBid, body)
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
    assert [e["field"] for e in refusal(bids.PlaceBid, json.dumps(body)).errors] == ["milestones.0.dueDate"]


def test_errors_do_not_echo_the_submitted_values() -> None:
    secret = "hunter2-very-secret"
    error = refusal(common.Money, json.dumps({"amount": secret, "currency": secret}))
    assert {e["field"] for e in error.errors} == {"amount", "currency"}
    assert secret not in json.dumps(error.errors)


def test_malformed_json_is_a_400() -> None:
    error = refusal(uploads.CreateUpload, b"{not json")
    assert error.status == 400
    assert [e["type"] for e in error.errors] == ["json_invalid"]


@pytest.mark.parametrize("raw", [b"", None])
def test_a_missing_body_names_the_required_fields(raw: bytes | None) -> None:
    error = refusal(uploads.CreateUpload, raw)
    assert error.status == 400
    assert {e["field"] for e in error.errors} == {"purpose", "filename", "contentType", "size"}


def test_bodies_over_256_kib_are_refused_before_parsing() -> None:
    raw = b'{"text": "' + b"x" * MAX_BODY + b'"}'
    error = refusal(bids.Remark, raw)
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
    parsed = parse_body(admin.Decision, raw)
    assert parsed.reason is None
    assert parsed.note is None


def test_actions_with_only_optional_fields_accept_an_empty_object() -> None:
    parsed = parse_body(admin.Decision, b"{}")
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


# --- input that used to be a 500 (issue 12) ----------------------------------------------------------------


@pytest.mark.parametrize("raw", [b"\xff\xfe{}", b'{"text": "caf\xe9"}', b"\xc3", b"\xed\xa0\x80"])
@pytest.mark.parametrize("model", [bids.Remark, None])
def test_a_body_that_is_not_utf8_is_a_400(model: type[BaseModel] | None, raw: bytes) -> None:
    error = refusal(model, raw)
    assert error.status == 400
    assert "UTF-8" in error.detail
    assert [e["type"] for e in error.errors] == ["utf8_invalid"]


def test_escaped_lone_surrogates_are_a_400_too() -> None:
    assert [e["type"] for e in refusal(bids.Remark, b'{"text": "\\ud800"}').errors] == ["json_invalid"]
    assert refusal(bids.Remark, '{"text": "\ud800"}').status == 400  # a str body holding one


@pytest.mark.parametrize("raw", ["²", "\u0661\u0660", "\uff15", "\u0965", "1e2", "+5", "5 ", "0x10", "1_0", "0100"])
def test_limit_takes_ascii_digits_only(raw: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        call_with({"limit": raw}).limit()
    assert raised.value.errors == [{"field": "limit", "message": "1..100"}]


def test_limit_keeps_leading_zeros_within_three_digits() -> None:
    assert call_with({"limit": "007"}).limit() == 7


def test_query_values_over_the_limit_are_a_400_naming_the_parameter() -> None:
    assert call_with({"category": "c" * MAX_QUERY}).query("category") == "c" * MAX_QUERY
    with pytest.raises(ValidationFailed) as raised:
        call_with({"category": "é" * (MAX_QUERY // 2 + 1)}).query("category")  # counted in bytes
    assert raised.value.errors[0]["field"] == "category"


@pytest.fixture
def things(tmp_path: Path) -> Iterator[tuple[Client, list[str]]]:
    """A throwaway app with one public route behind `endpoint`: which ids reach the handler."""
    handled: list[str] = []
    known = len(ROUTES)
    bp = Blueprint("tests.things")

    @endpoint(bp, "/things/{thing_id}", "GET", policy=may.PUBLIC)
    def thing(call: Call, thing_id: str) -> dict[str, Any]:
        handled.append(thing_id)
        return {"id": thing_id}

    application = Chalice(app_name="things")
    application.register_blueprint(bp)
    try:
        yield Client(application, project_dir=str(tmp_path)), handled
    finally:
        del ROUTES[known:]  # the registry stays the real app's


def test_ids_no_key_could_hold_are_404_before_the_handler(things: tuple[Client, list[str]]) -> None:
    client, handled = things
    assert client.http.get("/things/" + "x" * MAX_ID).status_code == 200
    for bad in ("x" * (MAX_ID + 1), "x" * 3000):
        response = client.http.get("/things/" + bad)
        assert response.status_code == 404
        assert response.headers["Content-Type"] == PROBLEM
        assert json.loads(response.body)["detail"] == "no such thing"
    assert handled == ["x" * MAX_ID]


@pytest.mark.parametrize("value", ["a b", "caf\u00e9", "nul\x00", "tab\t", "", "x" * (MAX_ID + 1)])
def test_the_id_guard_refuses_what_we_never_mint(value: str) -> None:
    from chalicelib.handlers.http import _known_ids

    with pytest.raises(NotFound):
        _known_ids({"task_id": value})


def test_the_id_guard_lets_our_ids_through() -> None:
    from chalicelib.handlers.http import _known_ids

    _known_ids({"task_id": "01JDQ7W3V0X8G5H2K9M4N6P8R1", "user_id": "56d0f320-a165-4a0d-96ea-018a6ff1936c"})
    _known_ids({"payment_id": "pi_3PxYz0AbCdEf", "asset": "app.js"})


# --- a Stripe event's shape, after its signature ---------------------------------------------------------


def stripe_event(**object_fields: Any) -> dict[str, Any]:
    obj = {"id": "pi_1", "object": "payment_intent", "amount": 100, "currency": "eur"} | object_fields
    return {"id": "evt_1", "object": "event", "type": "payment_intent.succeeded", "created": 1, "data": {"object": obj}}


def test_a_well_formed_event_passes_unchanged() -> None:
    event = stripe_event(metadata={"withdrawalId": "01JDQ", "note": "free text " * 80}, latest_charge={"id": "ch_1"})
    assert well_formed(event) is event


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({k: v for k, v in stripe_event().items() if k != "id"}, "id"),
        (stripe_event() | {"id": "evt " + "x" * 300}, "id"),
        ({k: v for k, v in stripe_event().items() if k != "type"}, "type"),
        (stripe_event() | {"type": 7}, "type"),
        (stripe_event() | {"created": "yesterday"}, "created"),
        (stripe_event() | {"created": True}, "created"),
        (stripe_event() | {"data": {}}, "data.object"),
        (stripe_event() | {"data": {"object": ["pi_1"]}}, "data.object"),
        (stripe_event(amount="100"), "data.object.amount"),
        (stripe_event(amount=True), "data.object.amount"),
        (stripe_event(id="p" * 256), "data.object.id"),
        (stripe_event(payment_intent={"id": "pi_1"}), "data.object.payment_intent"),
        (stripe_event(metadata="profileId"), "data.object.metadata"),
        (stripe_event(metadata={"withdrawalId": "w" * 3000}), "data.object.metadata.withdrawalId"),
        (stripe_event(metadata={"profileId": 12}), "data.object.metadata.profileId"),
        (stripe_event(reversals={"data": [{"id": None}]}), "data.object.reversals.data"),
        (stripe_event(reversals={"data": "trr_1"}), "data.object.reversals.data"),
    ],
)
def test_a_malformed_event_is_a_400_naming_the_field(event: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as raised:
        well_formed(event)
    assert raised.value.status == 400
    assert field in [e["field"] for e in raised.value.errors]
