"""Fewer calls for the same answers (issue 14, item 3), checked against moto with the calls counted.

- A contract, its milestones, reviews and parked workflow tokens are one consistent Query of its
  partition, which starts at the contract item: its audit lines (`AUDIT#…`, sorted before) are not read.
- A workflow token is taken by one conditional DeleteItem that returns it: taken once, however many try.
- An admin's request reads no profile until something needs it; a write still checks the admin's own
  suspension, since an admin may hold a (suspended) marketplace profile.
- Card counters move in place by sub: no profile read before the commit.
- Funding from the wallet reads no balance first (the debit is conditional on it); a failed commit tells
  an uncovered milestone (422) from a lost race (409).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from pynamodb.connection.base import Connection

from chalicelib.adapters import audit_repo, contracts_repo, ledger_repo, profiles_repo, tokens_repo
from chalicelib.adapters.tokens import Claims
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain import ledger
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import BusinessRuleViolated, Conflict, Forbidden
from chalicelib.handlers import policy
from chalicelib.services import contracts, escrow, identity, moderation
from chalicelib.services.identity import Actor
from tests.integration.conftest import Users
from tests.integration.market import ADMIN, active_contract, person, race


@contextmanager
def dynamodb_calls() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Every DynamoDB request made inside the block: (operation, response; {} when it raised)."""
    calls: list[tuple[str, dict[str, Any]]] = []
    dispatch = Connection.dispatch

    def counted(connection: Connection, operation: str, kwargs: dict[str, Any]) -> Any:
        response: dict[str, Any] = {}
        try:
            response = dispatch(connection, operation, kwargs)
            return response
        finally:
            calls.append((operation, response))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Connection, "dispatch", counted)
        yield calls


def _park(contract_id: str, milestone_id: str, wait: str, task_token: str) -> None:
    with unit_of_work() as uow:
        tokens_repo.park(uow, contract_id, milestone_id, wait, task_token, iso())


def test_one_query_reads_the_contract_with_its_milestones_reviews_and_tokens_and_no_audit_line(
    aws: dict[str, str],
) -> None:
    customer, provider, contract, milestones = active_contract()
    first, second = milestones
    _park(contract.id, second.id, "submission", "token-2")
    review = contracts_repo.new_review(contract, str(customer.profile_id), str(provider.profile_id), 5, "ok", iso())
    with unit_of_work() as uow:
        contracts_repo.add_review(uow, review)
    assert len(audit_repo.contract_trail(contract.id)) >= 3  # award, both signatures: there is a trail to skip

    with dynamodb_calls() as calls:
        found = contracts_repo.partition(contract.id)

    assert [operation for operation, _ in calls] == ["Query"]
    returned = [item["sk"]["S"] for item in calls[0][1]["Items"]]
    assert not [sk for sk in returned if sk.startswith("AUDIT#")]  # not read, not merely dropped
    assert "THREAD" in returned  # the contract thread's reference is in the partition, and skipped
    assert found is not None and found.contract.id == contract.id and found.contract.status == "active"
    assert [m.id for m in found.milestones] == [first.id, second.id]  # in position order
    assert [(r.reviewer_id, r.rating) for r in found.reviews] == [(customer.profile_id, 5)]
    assert {mid: (t.wait, t.task_token) for mid, t in found.tokens.items()} == {second.id: ("submission", "token-2")}
    assert contracts_repo.partition("01J0000000000000000000000Z") is None


def test_loading_a_contract_is_one_call_and_an_admin_reads_no_profile_for_it(aws: dict[str, str]) -> None:
    customer, _, contract, _ = active_contract((40000,))
    with dynamodb_calls() as calls:
        _, milestones, role = contracts.load(customer, contract.id)
    assert (role, len(milestones), [op for op, _ in calls]) == ("customer", 1, ["Query"])

    admin = Actor(Claims("sub-admin-reads", "reads@example.com", frozenset({"admin"})))  # as `authenticate` makes it
    with dynamodb_calls() as calls:
        _, _, role = contracts.load(admin, contract.id)
    assert (role, [op for op, _ in calls], admin.profile_read) == ("admin", ["Query"], False)

    party_and_admin = Actor(Claims(customer.sub, "both@example.com", frozenset({"admin"})))
    assert contracts.load(party_and_admin, contract.id)[2] == "customer"  # a party first: its profile is read


def test_a_parked_token_is_taken_once_by_one_conditional_delete(aws: dict[str, str]) -> None:
    _, _, contract, (only,) = active_contract((30000,))
    _park(contract.id, only.id, "decision", "the-token")

    assert tokens_repo.take(contract.id, only.id, "submission") is None  # another wait's token stays
    assert tokens_repo.parked(contract.id, only.id) is not None

    with dynamodb_calls() as calls:
        results, errors = race(*[lambda: tokens_repo.take(contract.id, only.id, "decision")] * 4)
    assert errors == []
    assert [t.task_token for t in results if t is not None] == ["the-token"]  # exactly one taker
    assert [op for op, _ in calls] == ["DeleteItem"] * 4
    assert tokens_repo.parked(contract.id, only.id) is None
    assert tokens_repo.take(contract.id, only.id, "decision") is None


def test_an_admin_is_authorized_from_the_token_and_their_suspension_still_guards_writes(users: Users) -> None:
    _, token = users.create(admin=True)
    with dynamodb_calls() as calls:
        admin = identity.authenticate(f"Bearer {token}")
        policy.ADMIN.for_method("GET").check(admin)
    assert calls == [] and admin.is_admin and not admin.profile_read

    with dynamodb_calls() as calls:
        policy.ADMIN.for_method("POST").check(admin)  # a write: is this admin suspended? (no profile: no)
        assert admin.profile is None
    assert [op for op, _ in calls] == ["GetItem"]  # read once, on first use

    # An admin who also holds a marketplace profile, suspended: reads go on, writes are refused.
    _, token = users.create(admin=True)
    holder = identity.authenticate(f"Bearer {token}")
    from chalicelib.domain.accounts import Kind, NewProfile, Role
    from chalicelib.services import profiles

    created = profiles.create_profile(holder, NewProfile(Role.CUSTOMER, "Admin Also Customer", Kind.INDIVIDUAL))
    moderation.suspend(ADMIN, created.id, "matrix")
    suspended = identity.authenticate(f"Bearer {token}")
    policy.ADMIN.for_method("GET").check(suspended)
    with pytest.raises(Forbidden, match="suspended"):
        policy.ADMIN.for_method("POST").check(suspended)
    with pytest.raises(Forbidden, match="suspended"):
        policy.PROFILE_OR_ADMIN.for_method("POST").check(suspended)


def test_card_counters_move_in_place_by_sub_without_a_read(aws: dict[str, str]) -> None:
    someone = person("provider", verified=False)
    before = profiles_repo.get_by_sub(someone.sub)
    assert before is not None
    with dynamodb_calls() as calls:
        with unit_of_work() as uow:
            profiles_repo.add_rating_by_sub(uow, someone.sub, 4)
        with unit_of_work() as uow:
            profiles_repo.count_completed_by_sub(uow, someone.sub)
    assert [op for op, _ in calls] == ["TransactWriteItems"] * 2
    after = profiles_repo.get_by_sub(someone.sub)
    assert after is not None
    assert (int(after.rating_sum), int(after.rating_count), int(after.completed_count)) == (4, 1, 1)
    assert int(after.version) == int(before.version) + 2  # a concurrent read-modify-write of the profile loses
    before.display_name = "stale"
    with pytest.raises(Conflict), unit_of_work() as uow:
        profiles_repo.save(uow, before)
    with pytest.raises(Conflict), unit_of_work() as uow:  # no such profile: nothing is created
        profiles_repo.add_rating_by_sub(uow, "sub-nobody", 5)
    assert profiles_repo.get_by_sub("sub-nobody") is None


def test_wallet_funding_reads_no_balance_first_and_still_tells_422_from_409(aws: dict[str, str]) -> None:
    customer, _, contract, (first, second) = active_contract((30000, 20000), deposit=40000)
    wallet = ledger.wallet(str(customer.profile_id))

    with dynamodb_calls() as calls:
        escrow.fund_milestone(customer, contract.id, first.id, "wallet")
    assert [op for op, _ in calls] == ["Query", "TransactWriteItems"]  # the partition, then the commit

    with pytest.raises(
        BusinessRuleViolated, match="your wallet holds 10000 EUR minor units; the milestone needs 20000"
    ):
        escrow.fund_milestone(customer, contract.id, second.id, "wallet")
    assert ledger_repo.balance(wallet, "EUR") == 10000
    assert [m.status for m in contracts_repo.milestones(contract.id)] == ["funded", "pending"]

    # Exactly enough for one: the racers that lose see the milestone moved (409), not an empty wallet.
    customer, _, contract, (only,) = active_contract((10000,), deposit=10000)
    results, errors = race(*[lambda: escrow.fund_milestone(customer, contract.id, only.id, "wallet")] * 3)
    assert len(results) == 1
    assert errors and all(type(e) is Conflict for e in errors), errors
