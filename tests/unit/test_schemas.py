"""Request bodies as the HTTP layer parses them: strict JSON, camelCase, nothing unknown."""

from __future__ import annotations

import ast
import json
from datetime import date
from pathlib import Path
from typing import Any, get_args

import pytest
from pydantic import BaseModel, ValidationError

from chalicelib.domain.accounts import Kind, NewProfile, Role, VerificationRequest
from chalicelib.domain.bids import NewBid, PlannedMilestone
from chalicelib.domain.money import CURRENCIES, MAX_AMOUNT
from chalicelib.domain.money import Money as DomainMoney
from chalicelib.domain.tasks import KEEP, Mode, NewTask, TaskChanges, Visibility
from chalicelib.domain.uploads import NewUpload, Purpose
from chalicelib.schemas import accounts, admin, bids, common, money, tasks, uploads

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
    assert set(get_args(common.Currency)) == set(CURRENCIES)


@pytest.mark.parametrize("amount", ["100.0", "100.5", "1e2", '"100"', "true", "null"])
def test_money_amount_must_be_a_json_integer(amount: str) -> None:
    body = '{"amount": ' + amount + ', "currency": "EUR"}'
    assert failures(common.Money, body) == [("amount", "int_type")]


def test_money_accepts_zero_positive_money_does_not() -> None:
    assert parse(common.Money, {"amount": 0, "currency": "EUR"}).amount == 0
    assert failures(common.PositiveMoney, {"amount": 0, "currency": "EUR"}) == [("amount", "greater_than_equal")]
    assert failures(common.PositiveMoney, {"amount": -100, "currency": "EUR"}) == [("amount", "greater_than_equal")]
    assert failures(common.Money, {"amount": -1, "currency": "EUR"}) == [("amount", "greater_than_equal")]


@pytest.mark.parametrize("model", [common.Money, common.PositiveMoney])
def test_amounts_above_max_amount_are_refused(model: type[BaseModel]) -> None:
    assert parse(model, {"amount": MAX_AMOUNT, "currency": "USD"}).amount == MAX_AMOUNT
    assert failures(model, {"amount": MAX_AMOUNT + 1, "currency": "USD"}) == [("amount", "less_than_equal")]


@pytest.mark.parametrize("currency", ["XYZ", "eur", "", "Eur"])
def test_unknown_currency_is_refused(currency: str) -> None:
    assert failures(common.Money, {"amount": 1, "currency": currency}) == [("currency", "literal_error")]


def test_schema_money_converts_to_domain_money() -> None:
    money = parse(common.PositiveMoney, {"amount": 1234, "currency": "GBP"})
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
    parsed = parse(tasks.TaskFields, body)
    assert parsed.start_date == date(2026, 6, 1)
    assert parsed.due_date == date(2026, 9, 30)
    assert parsed.mode is Mode.CONTEST
    assert parsed.visibility is Visibility.INVITE_ONLY
    assert parsed.quality_review is True
    assert parsed.budget.amount == 500_000


def test_a_task_becomes_a_new_task_command() -> None:
    body = task(invitees=[ULID], startDate="2026-06-01", qualityReview=True)
    assert parse(tasks.TaskFields, body).to_command() == NewTask(
        title="Migrate our ETL to Step Functions",
        description="Twelve Glue jobs, one nightly schedule.",
        category="data-engineering",
        skills=("python", "aws"),
        budget=DomainMoney(500_000, "EUR"),
        invitees=(ULID,),
        start_date=date(2026, 6, 1),
        quality_review=True,
    )


def test_a_new_task_is_an_edit_of_every_field() -> None:
    new = parse(tasks.TaskFields, task()).to_command()
    change = new.as_changes()
    assert change.title == new.title
    assert change.budget == new.budget
    assert change.start_date is None  # given, and empty: not KEEP
    assert change.attachments == ()


def test_task_defaults() -> None:
    parsed = parse(tasks.TaskFields, task())
    assert parsed.mode is Mode.BIDDING
    assert parsed.visibility is Visibility.PUBLIC
    assert parsed.invitees == []
    assert parsed.start_date is None
    assert parsed.quality_review is False


def test_title_of_140_is_accepted_141_is_refused() -> None:
    assert len(parse(tasks.TaskFields, task(title="t" * 140)).title) == 140
    assert failures(tasks.TaskFields, task(title="t" * 141)) == [("title", "string_too_long")]


def test_titles_are_trimmed_and_blank_is_refused() -> None:
    assert parse(tasks.TaskFields, task(title="  Fix CI  ")).title == "Fix CI"
    assert failures(tasks.TaskFields, task(title="   ")) == [("title", "string_too_short")]


def test_unknown_fields_are_refused() -> None:
    assert failures(tasks.TaskFields, task(ownerId=ULID)) == [("ownerId", "extra_forbidden")]
    assert failures(common.Money, {"amount": 1, "currency": "EUR", "fx": 1}) == [("fx", "extra_forbidden")]


def test_task_budget_must_be_positive_integer_money() -> None:
    assert failures(tasks.TaskFields, task(budget={"amount": 100.0, "currency": "EUR"})) == [
        ("budget.amount", "int_type")
    ]
    assert failures(tasks.TaskFields, task(budget={"amount": 0, "currency": "EUR"})) == [
        ("budget.amount", "greater_than_equal")
    ]


@pytest.mark.parametrize("day", ["2026-13-01", "2026-02-30", "01/02/2026", "2026-1-1", "", "tomorrow"])
def test_bad_dates_are_refused(day: str) -> None:
    assert [name for name, _ in failures(tasks.TaskFields, task(dueDate=day))] == ["dueDate"]


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
    errors = failures(tasks.TaskFields, task(**{field: value}))
    assert errors
    assert all(name.split(".")[0] == field for name, _ in errors)


def test_missing_required_task_fields_are_each_named() -> None:
    errors = failures(tasks.TaskFields, {})
    assert {name for name, kind in errors if kind == "missing"} == {
        "title",
        "description",
        "category",
        "skills",
        "budget",
    }


def test_empty_edit_changes_nothing() -> None:
    change = parse(tasks.EditTask, {}).to_command()
    assert change == TaskChanges()
    assert change.is_empty()


def test_edit_changes_only_what_was_sent() -> None:
    change = parse(tasks.EditTask, {"title": "New title", "dueDate": "2026-10-01"}).to_command()
    assert change == TaskChanges(title="New title", due_date=date(2026, 10, 1))
    assert change.start_date is KEEP
    assert not change.is_empty()


def test_edit_may_clear_the_optional_dates() -> None:
    change = parse(tasks.EditTask, {"startDate": None}).to_command()
    assert change == TaskChanges(start_date=None)
    assert change.due_date is KEEP


def test_an_edit_carries_domain_values() -> None:
    body = {"budget": {"amount": 700, "currency": "EUR"}, "skills": ["go"], "attachments": [], "mode": "contest"}
    change = parse(tasks.EditTask, body).to_command()
    assert change == TaskChanges(budget=DomainMoney(700, "EUR"), skills=("go",), attachments=(), mode=Mode.CONTEST)


def test_edit_applies_the_same_field_rules() -> None:
    assert failures(tasks.EditTask, {"title": "t" * 141}) == [("title", "string_too_long")]
    assert failures(tasks.EditTask, {"skills": []}) == [("skills", "too_short")]
    assert failures(tasks.EditTask, {"status": "open"}) == [("status", "extra_forbidden")]


@pytest.mark.parametrize(
    "field",
    [
        "title",
        "description",
        "category",
        "skills",
        "budget",
        "mode",
        "visibility",
        "invitees",
        "attachments",
        "qualityReview",
    ],
)
def test_edit_refuses_null_for_required_task_fields(field: str) -> None:
    errors = failures(tasks.EditTask, {field: None})
    assert [name for name, _ in errors] == [field]


# --- bids ----------------------------------------------------------------


def test_a_bid_in_camel_case_is_accepted() -> None:
    parsed = parse(bids.PlaceBid, bid())
    assert parsed.duration_days == 30
    assert [m.due_date for m in parsed.milestones] == [date(2026, 7, 1), date(2026, 8, 1)]
    assert [m.amount.domain() for m in parsed.milestones] == [DomainMoney(40_000, "EUR"), DomainMoney(60_000, "EUR")]


def test_a_bid_becomes_a_new_bid_command() -> None:
    body = bid()
    body["milestones"][0]["acceptanceCriteria"] = "A reviewed design document"
    assert parse(bids.PlaceBid, body).to_command() == NewBid(
        price=DomainMoney(100_000, "EUR"),
        proposal="I did this twice before.",
        duration_days=30,
        milestones=(
            PlannedMilestone("Design", DomainMoney(40_000, "EUR"), date(2026, 7, 1), "A reviewed design document"),
            PlannedMilestone("Build", DomainMoney(60_000, "EUR"), date(2026, 8, 1)),
        ),
    )


@pytest.mark.parametrize(("value", "kind"), [("30", "int_type"), (30.0, "int_type"), (0, "greater_than_equal")])
def test_duration_days_must_be_a_positive_integer(value: Any, kind: str) -> None:
    assert failures(bids.PlaceBid, bid(durationDays=value)) == [("durationDays", kind)]


def test_a_bid_needs_milestones() -> None:
    assert failures(bids.PlaceBid, bid(milestones=[])) == [("milestones", "too_short")]


def test_milestone_errors_name_the_milestone() -> None:
    body = bid()
    body["milestones"][1]["amount"]["amount"] = 60_000.5
    body["milestones"][0]["dueDate"] = "2026-13-01"
    assert sorted(failures(bids.PlaceBid, body)) == [
        ("milestones.0.dueDate", "date_parsing"),
        ("milestones.1.amount.amount", "int_type"),
    ]


# --- profiles, uploads, misc --------------------------------------------


def test_profile_in_camel_case() -> None:
    parsed = parse(
        accounts.CreateProfile,
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
    assert parsed.to_command() == NewProfile(
        role=Role.PROVIDER,
        display_name="Ann Data",
        kind=Kind.INDIVIDUAL,
        skills=("Python",),
        languages=("en", "pt-BR"),
        hourly_rate=DomainMoney(9000, "CHF"),
    )


def test_nobody_signs_up_as_admin() -> None:
    errors = failures(accounts.CreateProfile, {"role": "admin", "displayName": "Eve", "kind": "individual"})
    assert [name for name, _ in errors] == ["role"]


@pytest.mark.parametrize("language", ["EN", "english", "en-us", "e"])
def test_languages_are_codes(language: str) -> None:
    body = {"role": "customer", "displayName": "Ann", "kind": "company", "languages": [language]}
    assert [name for name, _ in failures(accounts.CreateProfile, body)] == ["languages.0"]


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
    assert [name for name, _ in failures(uploads.CreateUpload, body)] == [field]


def test_upload_request_in_camel_case() -> None:
    parsed = parse(
        uploads.CreateUpload,
        {"purpose": "deliverable", "filename": "x.zip", "contentType": "application/zip", "size": 9},
    )
    assert parsed.to_command() == NewUpload(Purpose.DELIVERABLE, "x.zip", "application/zip", 9)


@pytest.mark.parametrize("raw", ['{"title": ', "", "not json", "{'amount': 1}", '{"amount": 1,}'])
def test_malformed_json_is_refused(raw: str) -> None:
    assert failures(common.Money, raw) == [("", "json_invalid")]


@pytest.mark.parametrize("raw", ["null", "[]", '"x"', "1"])
def test_a_body_must_be_an_object(raw: str) -> None:
    assert failures(admin.Decision, raw) == [("", "model_type")]


def test_verification_needs_documents() -> None:
    assert [n for n, _ in failures(accounts.SubmitVerification, {"legalName": "Ann", "documents": []})] == ["documents"]
    parsed = parse(accounts.SubmitVerification, {"legalName": "Ann Lee", "documents": [ULID]})
    assert parsed.to_command() == VerificationRequest(legal_name="Ann Lee", documents=(ULID,))


@pytest.mark.parametrize("model", [money.MakeDeposit, money.RequestWithdrawal, money.RequestRefund])
def test_deposits_withdrawals_and_refunds_take_a_positive_amount(model: type[BaseModel]) -> None:
    assert parse(model, {"amount": {"amount": 1, "currency": "EUR"}}).amount.domain() == DomainMoney(1, "EUR")
    assert failures(model, {"amount": {"amount": 0, "currency": "EUR"}}) == [("amount.amount", "greater_than_equal")]


# --- bodies by reference ----------------------------------------------------


def test_every_route_body_resolves_to_a_model_of_its_area() -> None:
    """Routes name their body lazily (chalicelib.schemas.lazy): each reference is a real model, found where it says."""
    import app  # noqa: F401  (registers every route)
    from chalicelib.handlers.http import ROUTES, model
    from chalicelib.schemas import LazyModel

    bodies = [route.body for route in ROUTES if route.body is not None]
    assert len(bodies) >= 25
    for body in bodies:
        assert isinstance(body, LazyModel), f"{body} is imported at cold start; name it through lazy()"
        resolved = model(body)
        assert issubclass(resolved, common.Body)
        assert (resolved.__module__, resolved.__name__) == (body.module, body.__name__)


def _lazy_areas(tree: ast.Module) -> tuple[dict[str, str], dict[str, str]]:
    """(name → area) as the module imports it for mypy, and as it binds it at run time with lazy()."""
    typed: dict[str, str] = {}
    runtime: dict[str, str] = {}
    for node in tree.body:
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
            continue
        for imported in node.body:
            if isinstance(imported, ast.ImportFrom) and imported.module == "chalicelib.schemas":
                typed.update({alias.asname or alias.name: alias.name for alias in imported.names})
        for assign in node.orelse:
            assert isinstance(assign, ast.Assign)
            targets = assign.targets[0].elts if isinstance(assign.targets[0], ast.Tuple) else [assign.targets[0]]
            values = assign.value.elts if isinstance(assign.value, ast.Tuple) else [assign.value]
            for target, value in zip(targets, values, strict=True):
                assert isinstance(target, ast.Name) and isinstance(value, ast.Call)
                assert isinstance(value.func, ast.Name) and value.func.id == "lazy"
                runtime[target.id] = ast.literal_eval(value.args[0])
    return typed, runtime


def test_what_mypy_checks_is_what_runs() -> None:
    """`if TYPE_CHECKING: from chalicelib.schemas import X as Y` / `else: Y = lazy("X")` name the same area."""
    handlers = sorted((Path(__file__).resolve().parents[2] / "chalicelib" / "handlers").glob("*.py"))
    checked = 0
    for path in handlers:
        typed, runtime = _lazy_areas(ast.parse(path.read_text()))
        assert typed == runtime, path.name
        checked += bool(typed)
    assert checked >= 8


def test_a_lazy_model_is_imported_on_first_use_and_acts_as_its_class() -> None:
    from chalicelib.schemas import LazyModel, lazy, resolve

    reference = lazy("bids").Remark
    assert isinstance(reference, LazyModel)
    assert reference.__name__ == "Remark"
    assert resolve(reference) is bids.Remark
    assert resolve(bids.Remark) is bids.Remark
    remark = reference(text="strong portfolio")
    assert isinstance(remark, reference)
    assert reference.model_validate_json('{"text": "x"}') == bids.Remark(text="x")
    with pytest.raises(AttributeError):
        _ = lazy("bids").Nothing.model_fields  # a wrong name fails on use, and the route test above finds it first
