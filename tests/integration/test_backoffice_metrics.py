"""Platform figures, user search and the back-office routes against moto: counted once on sharded counters."""

from __future__ import annotations

import json
import statistics
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pynamodb.exceptions import TransactWriteError

from chalicelib.adapters import metrics_repo
from chalicelib.adapters.aws import client
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.metrics_models import UserSearchItem
from chalicelib.adapters.metrics_repo import MARKER_SK, MetricsMarkerItem, partition
from chalicelib.domain.clock import now
from chalicelib.domain.errors import Forbidden, ValidationFailed
from chalicelib.domain.metrics import SHARDS, Effect, derived, shard_of
from chalicelib.domain.money import Money
from chalicelib.handlers.backoffice import METRICS_QUEUE, on_metrics_event
from chalicelib.services import escrow, metrics
from chalicelib.services import users as user_search
from chalicelib.settings import get_settings
from scripts import pump
from tests.integration.conftest import Users
from tests.integration.market import ADMIN, active_contract, person, put_file


def counted(event_id: str) -> bool:
    """Whether the event's marker was written (the consumer counts each event once by it)."""
    try:
        MetricsMarkerItem.get(f"METRICSEVENT#{event_id}", MARKER_SK, consistent_read=True)
    except MetricsMarkerItem.DoesNotExist:
        return False
    return True


def envelope(detail_type: str, detail: dict[str, Any], at: str = "2001-02-03T10:00:00.000Z") -> dict[str, Any]:
    return {"detail-type": detail_type, "source": "tasklane", "detail": {"eventId": new_id(), "at": at} | detail}


def totals(day: str | None = None) -> dict[str, Any]:
    today = day or now().date().isoformat()
    figures = metrics.figures(ADMIN, today, today, "EUR").totals
    return {"counts": dict(figures.counts), "money": dict(figures.money), "awards": dict(figures.award_histogram)}


def stored(day: str) -> dict[str, list[dict[str, Any]]]:
    """The raw metrics items of `day`, by partition key: a Query of every shard, past the repository."""
    found: dict[str, list[dict[str, Any]]] = {}
    for shard in range(SHARDS):
        page = client("dynamodb").query(
            TableName=get_settings().table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :day)",
            ExpressionAttributeValues={":pk": {"S": partition(shard)}, ":day": {"S": day}},
            ConsistentRead=True,
        )
        if page["Items"]:
            found[partition(shard)] = page["Items"]
    return found


def size(value: dict[str, Any]) -> int:
    """DynamoDB's size of one attribute value (its documented sizing rules)."""
    ((kind, raw),) = value.items()
    if kind == "S":
        return len(raw.encode())
    if kind == "N":
        digits = raw.lstrip("-").replace(".", "").strip("0") or "0"
        return (len(digits) + 1) // 2 + 1
    if kind == "M":
        return 3 + sum(len(k.encode()) + size(v) + 1 for k, v in raw.items())
    if kind == "L":
        return 3 + sum(size(v) + 1 for v in raw)
    return 1


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + size(value) for name, value in item.items())


def eur(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "EUR"}


# --- counting ------------------------------------------------------------------------------


def test_a_replayed_event_counts_once(aws: dict[str, str]) -> None:
    event = envelope("MilestoneFunded", {"amount": eur(12345), "contractId": "c1"}, at="2001-02-03T23:59:59.999Z")
    assert on_metrics_event(event) is True
    assert on_metrics_event(event) is False
    assert on_metrics_event(json.loads(json.dumps(event))) is False
    day = totals("2001-02-03")
    assert day["money"]["gmv"] == 12345
    assert day["counts"]["milestones_funded"] == 1


def test_events_count_on_the_day_they_happened(aws: dict[str, str]) -> None:
    on_metrics_event(envelope("TaskPosted", {"taskId": "t"}, at="2001-03-04T00:00:00.000Z"))
    on_metrics_event(envelope("TaskPosted", {"taskId": "t"}, at="2001-03-05T00:00:00.000Z"))
    result = metrics.figures(ADMIN, "2001-03-03", "2001-03-06", None)
    assert [d.day for d in result.days] == ["2001-03-03", "2001-03-04", "2001-03-05", "2001-03-06"]
    assert [d.count("tasks_posted") for d in result.days] == [0, 1, 1, 0]
    assert result.totals.count("tasks_posted") == 2


def test_ignored_events_write_nothing(aws: dict[str, str]) -> None:
    event = envelope("MilestoneSubmitted", {"files": 1}, at="2001-04-01T08:00:00.000Z")
    assert on_metrics_event(event) is False
    assert not counted(event["detail"]["eventId"])
    assert stored("2001-04-01") == {}


def test_money_is_kept_per_currency_and_counts_are_not(aws: dict[str, str]) -> None:
    at = "2001-05-01T12:00:00.000Z"
    on_metrics_event(envelope("DepositSucceeded", {"amount": eur(1000)}, at=at))
    on_metrics_event(envelope("DepositSucceeded", {"amount": {"amount": 700, "currency": "USD"}}, at=at))
    on_metrics_event(envelope("MilestoneFunded", {"amount": {"amount": 300, "currency": "USD"}}, at=at))
    on_metrics_event(envelope("TaskPosted", {"taskId": "t"}, at=at))
    eur_day = metrics.figures(ADMIN, "2001-05-01", "2001-05-01", "EUR").totals
    usd_day = metrics.figures(ADMIN, "2001-05-01", "2001-05-01", "USD").totals
    assert (eur_day.amount("deposits"), eur_day.amount("gmv")) == (1000, 0)
    assert (usd_day.amount("deposits"), usd_day.amount("gmv")) == (700, 300)
    for day in (eur_day, usd_day):  # a USD funding is a funding in every currency's view
        assert (day.count("milestones_funded"), day.count("tasks_posted")) == (1, 1)


def test_concurrent_deliveries_of_one_event_count_once(aws: dict[str, str]) -> None:
    event = envelope("DisputeOpened", {"amount": eur(500)}, at="2001-06-01T09:00:00.000Z")
    results: list[object] = []

    def deliver() -> None:
        try:
            results.append(on_metrics_event(event))
        except Exception as exc:  # a lost transaction race: SQS would deliver it again
            results.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index, outcome in enumerate(results):
        while isinstance(outcome, Exception):  # redeliver, as SQS does after the visibility timeout
            outcome = on_metrics_event(event)
        results[index] = outcome
    assert results.count(True) == 1
    assert totals("2001-06-01")["counts"]["disputes_opened"] == 1


def test_concurrent_events_on_one_day_all_count(aws: dict[str, str]) -> None:
    events = [envelope("ReviewPosted", {"rating": 5}, at="2001-07-01T09:00:00.000Z") for _ in range(10)]

    def deliver(event: dict[str, Any]) -> None:
        for _ in range(20):  # SQS redelivers a message whose handler failed
            try:
                on_metrics_event(event)
                return
            except TransactWriteError:
                continue

    threads = [threading.Thread(target=deliver, args=(e,)) for e in events]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert totals("2001-07-01")["counts"]["reviews_posted"] == 10


def test_only_the_markers_failed_condition_means_counted_before(aws: dict[str, str]) -> None:
    """The marker is the transaction's first item: its ConditionalCheckFailed reason means 'counted before'.
    Any other failure raises (the message is delivered again) and writes nothing, the marker included."""
    effect = Effect("2001-08-01", {"tasks_posted": 1})
    event_id = new_id()
    assert metrics_repo.record(event_id, "TaskPosted", effect) is True
    assert metrics_repo.record(event_id, "TaskPosted", effect) is False

    other = new_id()
    broken = {"pk": {"S": partition(shard_of(other))}, "sk": {"S": "2001-08-02"}, "type": {"S": "MetricsDay"}}
    client("dynamodb").put_item(TableName=get_settings().table_name, Item=broken | {"tasks_posted": {"S": "x"}})
    with pytest.raises(TransactWriteError):
        metrics_repo.record(other, "TaskPosted", Effect("2001-08-02", {"tasks_posted": 1}))
    assert not counted(other)
    assert totals("2001-08-01")["counts"]["tasks_posted"] == 1


def test_award_times_give_the_median(aws: dict[str, str]) -> None:
    for opened in ("2001-09-01T09:00:00.000Z", "2001-09-01T07:00:00.000Z", "2001-08-30T08:00:00.000Z", None):
        detail = {"amount": eur(1000), "taskOpenedAt": opened}
        on_metrics_event(envelope("ContractAwarded", detail, at="2001-09-01T10:00:00.000Z"))
    result = metrics.figures(ADMIN, "2001-09-01", "2001-09-01", "EUR")
    assert result.totals.award_histogram == {60: 1, 180: 1, 3000: 1}  # an award without an opening time is not timed
    assert result.totals.awards_timed == 3
    assert result.totals.count("contracts_awarded") == 4
    assert result.totals.amount("awarded") == 4000


def test_a_dispute_split_without_commission_uses_the_contract_rate(aws: dict[str, str]) -> None:
    _, _, contract, _ = active_contract((40000,))
    event = envelope(
        "DisputeResolved",
        {"contractId": contract.id, "release": eur(30000), "refund": eur(10000)},
        at="2001-10-01T10:00:00.000Z",
    )
    assert on_metrics_event(event) is True
    day = totals("2001-10-01")
    assert day["money"]["released"] == 30000
    assert day["money"]["refunded"] == 10000
    assert day["money"]["revenue"] == 3000  # the contract's 10 %, rounded as the ledger does


def test_one_days_events_spread_over_shards(aws: dict[str, str]) -> None:
    """Each event lands on the shard of its id: a day is many partitions, and the read sums them."""
    events = [envelope("MilestoneFunded", {"amount": eur(100)}, at="2001-12-01T09:00:00.000Z") for _ in range(20)]
    for event in events:
        assert on_metrics_event(event) is True
    written = stored("2001-12-01")
    assert set(written) == {partition(shard_of(e["detail"]["eventId"])) for e in events}
    assert len(written) > 1
    for items in written.values():  # one item per shard: an event's counts ride with its money
        assert [item["sk"]["S"] for item in items] == ["2001-12-01#EUR"]
    assert sum(int(item["gmv"]["N"]) for (item,) in written.values()) == 2000
    assert sum(int(item["milestones_funded"]["N"]) for (item,) in written.values()) == 20
    day = totals("2001-12-01")
    assert day["counts"]["milestones_funded"] == 20 and day["money"]["gmv"] == 2000


def test_award_times_do_not_grow_the_items(aws: dict[str, str]) -> None:
    """200 awards on one day and one shard (the worst case): every item stays small and stops growing."""
    day = "2001-12-02"
    times = [*range(1, 41), 60, 180, 600, 1500, 3000, 7200, 14000, 20000, 30000, 43000]  # bucket values, to 30 days
    on_one_shard = (event_id for event_id in iter(new_id, None) if shard_of(event_id) == 0)
    sizes: list[dict[str, int]] = []
    for round_ in range(4):
        for minutes in times:
            award = Effect(day, {"contracts_awarded": 1}, {"awarded": 1000}, "EUR", (minutes,))
            assert metrics_repo.record(next(on_one_shard), "ContractAwarded", award) is True
        if round_ in (0, 3):  # after 50 and after 200 awards
            (items,) = stored(day).values()
            sizes.append({item["sk"]["S"]: item_size(item) for item in items})
    assert set(sizes[-1]) == {f"{day}#EUR", f"{day}#AWARDS"}
    assert max(sizes[-1].values()) < 1024  # within one write unit
    for sk, now_size in sizes[-1].items():  # a list of minutes would have grown 4.5 B per award: 675 B
        assert now_size - sizes[0][sk] <= 8, (sk, sizes)
    figures = metrics.figures(ADMIN, day, day, "EUR").totals
    assert figures.awards_timed == 200 and figures.count("contracts_awarded") == 200
    assert figures.award_histogram == dict.fromkeys(times, 4)
    assert derived(figures)["median_hours_to_award"] == round(statistics.median(times) / 60, 1)


# --- the figures follow a real contract ------------------------------------------------------


def test_a_contract_moves_todays_figures(aws: dict[str, str]) -> None:
    before = totals()  # the queues start empty (`pump.begin`): only this test's events move the figures now
    customer, provider, contract, (first, second) = active_contract((100000, 150000), deposit=400000)
    cid = contract.id
    escrow.fund_milestone(customer, cid, first.id, "wallet")
    escrow.fund_milestone(customer, cid, second.id, "wallet")
    escrow.submit(provider, cid, first.id, [put_file(provider, "deliverable")], None)
    escrow.accept(customer, cid, first.id)
    escrow.submit(provider, cid, second.id, [put_file(provider, "deliverable")], None)
    escrow.dispute(customer, cid, second.id, "Half of it is missing")
    escrow.resolve(ADMIN, cid, second.id, Money(100000, "EUR"), Money(50000, "EUR"), None)

    wanted = {
        ("money", "gmv"): 250000,
        ("money", "released"): 200000,
        ("money", "revenue"): 20000,  # 10 % of 1,000.00 released + 10 % of the 1,000.00 split release
        ("money", "refunded"): 50000,
        ("money", "deposits"): 400000,
        ("counts", "disputes_opened"): 1,
        ("counts", "disputes_resolved"): 1,
        ("counts", "contracts_awarded"): 1,
        ("counts", "contracts_completed"): 1,
        ("counts", "tasks_posted"): 1,
        ("counts", "tasks_opened"): 1,
        ("counts", "new_users"): 2,
        ("counts", "milestones_funded"): 2,
    }

    def moved(now: dict[str, Any]) -> dict[tuple[str, str], int]:
        return {(kind, name): int(now[kind].get(name, 0)) - int(before[kind].get(name, 0)) for kind, name in wanted}

    after = pump.settle(
        totals,
        done=lambda now: all(moved(now)[key] >= amount for key, amount in wanted.items()),
        what=f"today's figures to move by {wanted}",
        queues=[METRICS_QUEUE],
    )
    assert moved(after) == wanted
    assert sum(after["awards"].values()) == sum(before["awards"].values()) + 1
    while pump.drain(queues=[METRICS_QUEUE]):  # the rest of this test's events count nothing more
        pass
    assert totals() == after


def test_only_admins_read_the_figures_and_dates_are_checked(aws: dict[str, str]) -> None:
    with pytest.raises(Forbidden):
        metrics.figures(person("customer", verified=False), None, None, None)
    for start, end in (("2001-13-01", None), ("2002-01-02", "2002-01-01"), ("2000-01-01", "2002-01-01")):
        with pytest.raises(ValidationFailed):
            metrics.figures(ADMIN, start, end, None)
    with pytest.raises(ValidationFailed):
        metrics.figures(ADMIN, None, None, "XXX")
    default = metrics.figures(ADMIN, None, None, None)
    assert len(default.days) == 30 and default.last == now().date().isoformat()


# --- user search -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def searchable(aws: dict[str, str]) -> list[Any]:
    from chalicelib.adapters.tokens import Claims
    from chalicelib.domain.accounts import Kind, NewProfile, Role
    from chalicelib.services import profiles
    from chalicelib.services.identity import Actor

    made = []
    for n, (email, name) in enumerate(
        [
            ("zora.quill@search.example", "Zora Quill Consulting"),
            ("zoe.quartz@search.example", "Quartz Labs"),
            ("quentin@search.example", "Zoltan Quentin"),
        ]
    ):
        actor = Actor(Claims(f"sub-search-{n}-{new_id()}", email, frozenset()), None)
        actor.profile = profiles.create_profile(actor, NewProfile(Role.PROVIDER, name, Kind.COMPANY))
        made.append(actor)
    return made


def _names(page: Any) -> list[str]:
    return [found.profile.display_name for found in page.items]


def test_search_by_email_and_by_name_prefix(searchable: list[Any]) -> None:
    by_email_or_name = user_search.search(ADMIN, "zo", 20, None)
    assert _names(by_email_or_name) == ["Quartz Labs", "Zoltan Quentin", "Zora Quill Consulting"]  # key order
    assert _names(user_search.search(ADMIN, "ZORA", 20, None)) == ["Zora Quill Consulting"]
    assert _names(user_search.search(ADMIN, "quentin@", 20, None)) == ["Zoltan Quentin"]
    assert _names(user_search.search(ADMIN, "quill c", 20, None)) == ["Zora Quill Consulting"]  # a later word
    found = user_search.search(ADMIN, "quartz", 20, None).items
    assert [(f.profile.display_name, f.matched) for f in found] == [("Quartz Labs", "name")]


def test_search_pages_with_cursors_and_no_duplicates(searchable: list[Any]) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        page = user_search.search(ADMIN, "zo", 1, cursor)
        seen += [f.profile.id for f in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [searchable[1].profile.id, searchable[2].profile.id, searchable[0].profile.id]  # once each
    with pytest.raises(ValidationFailed):
        user_search.search(ADMIN, "qu", 1, user_search.search(ADMIN, "zo", 1, None).next_cursor)  # another partition


def test_search_needs_an_admin_and_two_characters(searchable: list[Any]) -> None:
    with pytest.raises(Forbidden):
        user_search.search(searchable[0], "zo", 20, None)
    for query in (None, "", "z", " z ", "x" * 101):
        with pytest.raises(ValidationFailed):
            user_search.search(ADMIN, query, 20, None)
    assert user_search.search(ADMIN, "zz-nobody", 20, None).items == []


def test_search_shows_the_current_profile_state(searchable: list[Any]) -> None:
    from chalicelib.adapters import profiles_repo

    profile = profiles_repo.get_by_sub(searchable[1].sub)
    assert profile is not None
    profile.suspended = True
    profile.save()
    (found,) = user_search.search(ADMIN, "zoe.", 20, None).items
    assert found.profile.suspended is True


def test_profile_creation_writes_its_index_items_and_event(aws: dict[str, str]) -> None:
    before = totals()["counts"].get("new_users", 0)
    someone = person("customer", verified=False)
    profile = someone.profile
    assert profile is not None
    keys = sorted(item.sk for item in UserSearchItem.query(f"USERSEARCH#{profile.email[:2]}"))
    assert f"{profile.email}#{profile.id}" in keys
    counted_users = pump.settle(
        lambda: totals()["counts"].get("new_users", 0),
        done=lambda users: users > before,
        what="the new user in today's figures",
        queues=[METRICS_QUEUE],
    )
    assert counted_users == before + 1


# --- the HTTP routes --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def http(aws: dict[str, str]) -> Iterator[Any]:
    from chalice.test import Client

    import app

    with Client(app.app, stage_name="local") as test_client:
        yield test_client.http


def test_the_page_is_served_with_a_content_security_policy(http: Any) -> None:
    bare = http.get("/admin")
    assert bare.status_code == 302 and bare.headers["Location"] == "admin/"  # relative: keeps any stage prefix
    page = http.get("/admin/")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "default-src 'none'" in policy
    assert f"connect-src 'self' {get_settings().cognito_endpoint}" in policy
    html = page.body.decode()
    assert "<script>" not in html and "onclick" not in html and "style=" not in html
    script = http.get("/admin/app.js")
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("text/javascript")
    assert "localStorage" not in script.body.decode() and "sessionStorage" not in script.body.decode()
    assert http.get("/admin/uplot-1.6.32.iife.min.js").status_code == 200
    for missing in ("/admin/README.md", "/admin/nope.js", "/admin/.env"):
        response = http.get(missing)
        assert response.status_code == 404, missing
        assert response.headers["Content-Type"] == "application/problem+json"


def test_metrics_and_users_routes_check_who_asks(http: Any, users: Users, searchable: list[Any]) -> None:
    _, admin_token = users.create(admin=True)
    _, other_token = users.create()
    admin = {"Authorization": f"Bearer {admin_token}"}
    other = {"Authorization": f"Bearer {other_token}"}

    assert http.get("/admin/metrics").status_code == 401
    assert http.get("/admin/metrics", headers=other).status_code == 403
    assert http.get("/admin/users?q=zo", headers=other).status_code == 403
    assert http.get("/admin/users?q=zo").status_code == 401

    on_metrics_event(envelope("MilestoneFunded", {"amount": eur(12345)}, at="2001-11-03T12:00:00.000Z"))
    response = http.get("/admin/metrics?from=2001-11-03&to=2001-11-04", headers=admin)
    assert response.status_code == 200
    body = json.loads(response.body)
    assert body["from"] == "2001-11-03" and body["to"] == "2001-11-04" and body["currency"] == "EUR"
    assert [d["date"] for d in body["days"]] == ["2001-11-03", "2001-11-04"]
    assert body["totals"]["gmv"] == {"amount": 12345, "currency": "EUR"}
    assert body["totals"]["takeRateBps"] == 0
    assert body["totals"]["disputeRateBps"] == 0
    assert body["days"][1]["takeRateBps"] is None
    bad = http.get("/admin/metrics?from=yesterday", headers=admin)
    assert bad.status_code == 400
    assert json.loads(bad.body)["errors"][0]["field"] == "from"

    found = json.loads(http.get("/admin/users?q=Zora&limit=5", headers=admin).body)
    assert [u["displayName"] for u in found["items"]] == ["Zora Quill Consulting"]
    assert set(found["items"][0]) >= {"id", "email", "displayName", "role", "verification", "suspended", "matched"}
    assert found["nextCursor"] is None
    assert http.get("/admin/users?q=z", headers=admin).status_code == 400
