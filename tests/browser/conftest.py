"""The back-office page in Debian's Chromium (Playwright for Python) against the real local stack.

The stack is the one `make run` starts (scripts/local_stack.LocalStack) on free ports: moto
server, seeded demo data, the API server that also serves /admin/, and the event pump. The
page is driven the way a person (or a screen reader) finds things: by role and name.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from scripts.local_stack import ROOT, LocalStack, free_port
from scripts.seed import ADMIN, PASSWORD
from tests.e2e.conftest import User, World, bid_body, eventually

T = TypeVar("T")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "docs" / "screenshots"
METRICS_QUEUE = "tasklane-metrics"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: drives the back-office page in Chromium against the local stack")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    # The one skip left: a system package pip cannot install (Playwright's own browser download is
    # not reachable here), so a machine without it cannot run these at all.
    reason = (
        f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium; apt-get install chromium (.ci/run does)"
    )
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=reason))


# --- the stack --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def stack() -> Iterator[LocalStack]:
    local = LocalStack(free_port(), free_port()).start()  # its pump drains the metrics queue too
    yield local
    local.stop()


@pytest.fixture(scope="session")
def world(stack: LocalStack) -> World:
    return World(stack)


@pytest.fixture(scope="session")
def admin_api(world: World) -> User:
    return world.admin()


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Console:
    """Content-Security-Policy violations and script errors seen by the page."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def message(self, message: Any) -> None:
        text = str(message.text)
        if message.type == "error" and ("Content Security Policy" in text or "Refused to" in text):
            self.problems.append(text)

    def error(self, error: Any) -> None:
        self.problems.append(f"uncaught: {error}")


@pytest.fixture
def page(browser: Any, stack: LocalStack) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=stack.api_url)
    context.set_default_timeout(20000)
    tab = context.new_page()
    console = Console()
    tab.on("console", console.message)
    tab.on("pageerror", console.error)
    yield tab
    context.close()
    assert console.problems == [], console.problems


def sign_in(page: Any, email: str = ADMIN, password: str = PASSWORD) -> None:
    page.goto("/admin/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def signed_in_admin(page: Any) -> None:
    sign_in(page)
    page.get_by_role("heading", name="Verifications").wait_for()


def section(page: Any, name: str) -> Any:
    return page.get_by_role("region", name=name, exact=True)


def item(page: Any, section_name: str, text: str) -> Any:
    return section(page, section_name).get_by_role("article").filter(has_text=text)


def dialog(page: Any) -> Any:
    return page.get_by_role("dialog")


def shoot(target: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


# --- data through the API (clients that know only docs/api.md) -------------------------------


def pending_verification(world: World, role: str = "provider", name: str = "Pending Person") -> tuple[User, str]:
    user = world.sign_up(role)
    body: dict[str, Any] = {"role": role, "displayName": name, "kind": "individual"}
    if role == "provider":
        body["skills"] = ["python"]
    user.ok("POST", "/me", body, status=201)
    document = world.upload(user)
    me = user.ok("POST", "/me/verification", {"legalName": name, "documents": [document]})
    return user, str(me["id"])


def task_in_review(world: World, customer: User, title: str) -> dict[str, Any]:
    body = {
        "title": title,
        "description": "Nightly loads from S3 into Redshift, with tests.",
        "category": "data-engineering",
        "skills": ["python", "aws"],
        "budget": {"amount": 300000, "currency": "EUR"},
        "mode": "bidding",
        "visibility": "public",
        "startDate": "2027-01-04",
        "dueDate": "2027-03-01",
    }
    task = customer.ok("POST", "/tasks", body, status=201)
    return dict(customer.ok("POST", f"/tasks/{task['id']}/submit"))


def funded_contract(world: World, price: int = 250000) -> tuple[User, User, dict[str, Any]]:
    """A signed contract with both milestones funded from the customer's wallet."""
    customer = world.profile("customer")
    provider = world.profile("provider")
    task = world.open_task(customer)
    bid = provider.ok("POST", f"/tasks/{task['id']}/bids", bid_body(price), status=201)
    contract = customer.ok("POST", f"/bids/{bid['id']}/award", status=201)
    customer.ok("POST", f"/contracts/{contract['id']}/sign")
    provider.ok("POST", f"/contracts/{contract['id']}/sign")
    customer.ok("POST", "/me/deposits", {"amount": {"amount": price, "currency": "EUR"}}, status=201)
    for milestone in contract["milestones"]:
        customer.ok("POST", f"/contracts/{contract['id']}/milestones/{milestone['id']}/fund", {"source": "wallet"})
    return customer, provider, contract


def submit(world: World, provider: User, contract_id: str, milestone_id: str) -> None:
    upload = world.upload(provider, "deliverable")
    path = f"/contracts/{contract_id}/milestones/{milestone_id}/submit"
    provider.ok("POST", path, {"uploads": [upload], "note": "Done."})


def metrics_totals(admin: User) -> dict[str, Any]:
    today = time.strftime("%Y-%m-%d", time.gmtime())
    return dict(admin.ok("GET", f"/admin/metrics?from={today}&to={today}")["totals"])


def settled_totals(admin: User, quiet: float = 2.5, timeout: float = 60) -> dict[str, Any]:
    """The figures once the pump has caught up (two reads `quiet` seconds apart agree)."""
    deadline = time.monotonic() + timeout
    last = metrics_totals(admin)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = metrics_totals(admin)
        if now == last:
            return now
        last = now
    raise AssertionError(f"the figures kept moving for {timeout}s: {json.dumps(last)}")


def wait_for_api(condition: Callable[[], T], what: str, timeout: float = 30, pause: float = 0.5) -> T:
    """Poll the API until `condition()` is truthy (the pump works after the request); fail loudly if it never is."""
    return eventually(condition, what, timeout, pause)
