"""Request bodies as the HTTP layer parses them: strict JSON, camelCase, nothing unknown."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, get_args

import pytest
from pydantic import BaseModel, ValidationError

from chalicelib import schemas
from chalicelib.domain.money import CURRENCIES, MAX_AMOUNT
from chalicelib.domain.money import Money as DomainMoney
from chalicelib.domain.tasks import Mode, Visibility

ULID = "01HZY3M8K9T6V4W2X0Y1Z2A3B4"


def parse(model: type[BaseModel], payload: Any) -> Any:
    return model.model_validate_json(payload if isinstance(payload, str) else json.dumps(payload))


def failures(model: type[BaseModel], payload: Any) -> list[tuple[str, str]]:
    """(dotted field, error type) for every complaint; fails the test if the payload is accepted."""
    with pytest.raises(ValidationError) as raised:
        parse(model, payload)
    return [(".".join(str(p) for p in e["loc"]), e["type"]) for e in raised.value.errors()]


def task(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Migrate our ETL to Step Functions",
        "description": "Twelve Glue jobs, one nightly schedule.",
        "category": "data-engineering",
        "skills": ["python", "aws"],
        "budget": {"amount": 500_000, "currency": "EUR"},
    }
    body.update(overrides)
    return body


def bid(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "price": {"amount": 100_000, "currency": "EUR"},
        "proposal": "I did this twice before.",
        "durationDays": 30,
        "milestones": [
            {"title": "Design", "amount": {"amount": 40_000, "currency": "EUR"}, "dueDate": "2026-07-01"},
            {"title": "Build", "amount": {"amount": 60_000, "currency": "EUR"}, "dueDate": "2026-08-01"},
        ],
    }
    body.update(overrides)
    return body


# --- money ---------------------------------------------------------------


def test_currency_literal_matches_the_domain_currencies() -> None:
    assert set(get_args(schemas.Currency)) == set(CURRENCIES)


@pytest.mark.parametrize("amount", ["100.0", "100.5", "1e2", '"100"', "true", "null"])
def test_money_amount_must_be_a_json_integer(amount: str) -> None:
    body = '{"amount": ' + amount + ', "currency": "EUR"}'
    assert failures(schemas.Money, body) == [("amount", "int_type")]


def test_money_accepts_zero_positive_money_does_not() -> None:
    assert parse(schemas.Money, {"amount": 0, "currency": "EUR"}).amount == 0
    assert failures(schemas.PositiveMoney, {"amount": 0, "currency": "EUR"}) == [("amount", "greater_than_equal")]
    assert failures(schemas.PositiveMoney, {"amount": -100, "currency": "EUR"}) == [("amount", "greater_than_equal")]
    assert failures(schemas.Money, {"amount": -1, "currency": "EUR"}) == [("amount", "greater_than_equal")]


@pytest.mark.parametrize("model", [schemas.Money, schemas.PositiveMoney])
def test_amounts_above_max_amount_are_refused(model: type[BaseModel]) -> None:
    assert parse(model, {"amount": MAX_AMOUNT, "currency": "USD"}).amount == MAX_AMOUNT
    assert failures(model, {"amount": MAX_AMOUNT + 1, "currency": "USD"}) == [("amount", "less_than_equal")]


@pytest.mark.parametrize("currency", ["XYZ", "eur", "", "Eur"])
def test_unknown_currency_is_refused(currency: str) -> None:
    assert failures(schemas.Money, {"amount": 1, "currency": currency}) == [("currency", "literal_error")]


def test_schema_money_converts_to_domain_money() -> None:
    money = parse(schemas.PositiveMoney, {"amount": 1234, "currency": "GBP"})
    assert money.domain() == DomainMoney(1234, "GBP")


# --- tasks ---------------------------------------------------------------


def test_a_full_task_in_camel_case_is_accepted() -> None:
    body = task(
        mode="contest",
        visibility="invite_only",
        invitees=[ULID],
        startDate="2026-06-01",
        dueDate="2026-09-30",
        attachments=[ULID],
        qualityReview=True,
    )
    parsed = parse(schemas.TaskFields, body)
    assert parsed.start_date == date(2026, 6, 1)
    assert parsed.due_date == date(2026, 9, 30)
    assert parsed.mode is Mode.CONTEST
    assert parsed.visibility is Visibility.INVITE_ONLY
    assert parsed.quality_review is True
    assert parsed.budget.amount == 500_000


def test_task_defaults() -> None:
    parsed = parse(schemas.TaskFields, task())
    assert parsed.mode is Mode.BIDDING
    assert parsed.visibility is Visibility.PUBLIC
    assert parsed.invitees == []
    assert parsed.start_date is None
    assert parsed.quality_review is False


def test_title_of_140_is_accepted_141_is_refused() -> None:
    assert len(parse(schemas.TaskFields, task(title="t" * 140)).title) == 140
    assert failures(schemas.TaskFields, task(title="t" * 141)) == [("title", "string_too_long")]


def test_titles_are_trimmed_and_blank_is_refused() -> None:
    assert parse(schemas.TaskFields, task(title="  Fix CI  ")).title == "Fix CI"
    assert failures(schemas.TaskFields, task(title="   ")) == [("title", "string_too_short")]


def test_unknown_fields_are_refused() -> None:
    assert failures(schemas.TaskFields, task(ownerId=ULID)) == [("ownerId", "extra_forbidden")]
    assert failures(schemas.Money, {"amount": 1, "currency": "EUR", "fx": 1}) == [("fx", "extra_forbidden")]


def test_task_budget_must_be_positive_integer_money() -> None:
    assert failures(schemas.TaskFields, task(budget={"amount": 100.0, "currency": "EUR"})) == [
        ("budget.amount", "int_type")
    ]
    assert failures(schemas.TaskFields, task(budget={"amount": 0, "currency": "EUR"})) == [
        ("budget.amount", "greater_than_equal")
    ]


@pytest.mark.parametrize("day", ["2026-13-01", "2026-02-30", "01/02/2026", "2026-1-1", "", "tomorrow"])
def test_bad_dates_are_refused(day: str) -> None:
    assert [name for name, _ in failures(schemas.TaskFields, task(dueDate=day))] == ["dueDate"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("category", "Data Engineering"),
        ("category", "data--engineering"),
        ("category", "-data"),
        ("skills", []),
        ("skills", ["x" * 41]),
        ("invitees", ["not-an-id"]),
        ("mode", "auction"),
        ("visibility", "private"),
        ("qualityReview", "yes"),
        ("qualityReview", 1),
    ],
)
def test_task_field_rules(field: str, value: Any) -> None:
    errors = failures(schemas.TaskFields, task(**{field: value}))
    assert errors
    assert all(name.split(".")[0] == field for name, _ in errors)


def test_missing_required_task_fields_are_each_named() -> None:
    errors = failures(schemas.TaskFields, {})
    assert {name for name, kind in errors if kind == "missing"} == {
        "title",
        "description",
        "category",
        "skills",
        "budget",
    }


def test_empty_edit_sets_nothing() -> None:
    assert parse(schemas.EditTask, {}).model_dump(exclude_unset=True) == {}


def test_edit_sets_only_what_was_sent() -> None:
    edit = parse(schemas.EditTask, {"title": "New title", "dueDate": "2026-10-01"})
    assert edit.model_dump(exclude_unset=True) == {"title": "New title", "due_date": date(2026, 10, 1)}


def test_edit_may_clear_the_optional_dates() -> None:
    edit = parse(schemas.EditTask, {"startDate": None})
    assert edit.model_dump(exclude_unset=True) == {"start_date": None}


def test_edit_applies_the_same_field_rules() -> None:
    assert failures(schemas.EditTask, {"title": "t" * 141}) == [("title", "string_too_long")]
    assert failures(schemas.EditTask, {"skills": []}) == [("skills", "too_short")]
    assert failures(schemas.EditTask, {"status": "open"}) == [("status", "extra_forbidden")]


@pytest.mark.parametrize(
    "field", ["title", "description", "category", "skills", "budget", "mode", "visibility", "qualityReview"]
)
def test_edit_refuses_null_for_required_task_fields(field: str) -> None:
    errors = failures(schemas.EditTask, {field: None})
    assert [name for name, _ in errors] == [field]


# --- bids ----------------------------------------------------------------


def test_a_bid_in_camel_case_is_accepted() -> None:
    parsed = parse(schemas.PlaceBid, bid())
    assert parsed.duration_days == 30
    assert [m.due_date for m in parsed.milestones] == [date(2026, 7, 1), date(2026, 8, 1)]
    assert [m.amount.domain() for m in parsed.milestones] == [DomainMoney(40_000, "EUR"), DomainMoney(60_000, "EUR")]


@pytest.mark.parametrize(("value", "kind"), [("30", "int_type"), (30.0, "int_type"), (0, "greater_than_equal")])
def test_duration_days_must_be_a_positive_integer(value: Any, kind: str) -> None:
    assert failures(schemas.PlaceBid, bid(durationDays=value)) == [("durationDays", kind)]


def test_a_bid_needs_milestones() -> None:
    assert failures(schemas.PlaceBid, bid(milestones=[])) == [("milestones", "too_short")]


def test_milestone_errors_name_the_milestone() -> None:
    body = bid()
    body["milestones"][1]["amount"]["amount"] = 60_000.5
    body["milestones"][0]["dueDate"] = "2026-13-01"
    assert sorted(failures(schemas.PlaceBid, body)) == [
        ("milestones.0.dueDate", "date_parsing"),
        ("milestones.1.amount.amount", "int_type"),
    ]


# --- profiles, uploads, misc --------------------------------------------


def test_profile_in_camel_case() -> None:
    parsed = parse(
        schemas.CreateProfile,
        {
            "role": "provider",
            "displayName": "Ann Data",
            "kind": "individual",
            "skills": ["Python"],
            "languages": ["en", "pt-BR"],
            "hourlyRate": {"amount": 9000, "currency": "CHF"},
        },
    )
    assert parsed.display_name == "Ann Data"
    assert parsed.hourly_rate.domain() == DomainMoney(9000, "CHF")


def test_nobody_signs_up_as_admin() -> None:
    errors = failures(schemas.CreateProfile, {"role": "admin", "displayName": "Eve", "kind": "individual"})
    assert [name for name, _ in errors] == ["role"]


@pytest.mark.parametrize("language", ["EN", "english", "en-us", "e"])
def test_languages_are_codes(language: str) -> None:
    body = {"role": "customer", "displayName": "Ann", "kind": "company", "languages": [language]}
    assert [name for name, _ in failures(schemas.CreateProfile, body)] == ["languages.0"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "avatar", "filename": "a.png", "contentType": "image/png", "size": 1}, "purpose"),
        ({"purpose": "message", "filename": "a.png", "contentType": "image/png", "size": 0}, "size"),
        ({"purpose": "message", "filename": "a.png", "contentType": "image/png", "size": "1"}, "size"),
        ({"purpose": "message", "filename": " ", "contentType": "image/png", "size": 1}, "filename"),
    ],
)
def test_upload_request_rules(body: dict[str, Any], field: str) -> None:
    assert [name for name, _ in failures(schemas.CreateUpload, body)] == [field]


def test_upload_request_in_camel_case() -> None:
    parsed = parse(
        schemas.CreateUpload,
        {"purpose": "deliverable", "filename": "x.zip", "contentType": "application/zip", "size": 9},
    )
    assert parsed.content_type == "application/zip"


@pytest.mark.parametrize("raw", ['{"title": ', "", "not json", "{'amount': 1}", '{"amount": 1,}'])
def test_malformed_json_is_refused(raw: str) -> None:
    assert failures(schemas.Money, raw) == [("", "json_invalid")]


@pytest.mark.parametrize("raw", ["null", "[]", '"x"', "1"])
def test_a_body_must_be_an_object(raw: str) -> None:
    assert failures(schemas.Decision, raw) == [("", "model_type")]


def test_verification_needs_documents() -> None:
    assert [n for n, _ in failures(schemas.SubmitVerification, {"legalName": "Ann", "documents": []})] == ["documents"]
    parsed = parse(schemas.SubmitVerification, {"legalName": "Ann Lee", "documents": [ULID]})
    assert parsed.legal_name == "Ann Lee"
