"""What the public reads tell caches, over HTTP: the edge (infra/components/edge.py) keeps only what the app
marks public, keyed on Authorization, so these headers are the whole of the caching decision.

An anonymous answer of GET /tasks or GET /tasks/{task_id} is `public, max-age=N` with `Vary: Authorization`;
a signed-in caller's answer (the owner sees the full view) and every error are `private, no-store`; other
routes under /tasks/ send nothing public.
"""

from __future__ import annotations

import pytest

from chalicelib.handlers.tasks import BROWSE_MAX_AGE, TASK_MAX_AGE
from tests.e2e.conftest import World

pytestmark = pytest.mark.e2e
NO_STORE = "private, no-store"


def test_anonymous_public_reads_are_cacheable_and_nothing_else_is(world: World) -> None:
    customer = world.profile("customer", verified=False)  # a task needs a customer, not a verified one
    task = world.open_task(customer)
    anonymous = world.anonymous()

    browse = anonymous.get("/tasks", params={"category": task["category"], "limit": "5"})
    assert browse.status_code == 200, browse.text
    assert task["id"] in {t["id"] for t in browse.json()["items"]}
    assert browse.headers["Cache-Control"] == f"public, max-age={BROWSE_MAX_AGE}"
    assert browse.headers["Vary"] == "Authorization"
    one = anonymous.get(f"/tasks/{task['id']}")
    assert one.status_code == 200, one.text
    assert (one.headers["Cache-Control"], one.headers["Vary"]) == (f"public, max-age={TASK_MAX_AGE}", "Authorization")

    # the owner's view holds more than the public one: never stored, by the edge or the browser
    own = customer.get(f"/tasks/{task['id']}")
    assert own.status_code == 200, own.text
    assert (own.headers["Cache-Control"], own.headers["Vary"]) == (NO_STORE, "Authorization")
    signed_in_browse = customer.get("/tasks", params={"limit": "5"})
    assert signed_in_browse.status_code == 200, signed_in_browse.text
    assert signed_in_browse.headers["Cache-Control"] == NO_STORE

    # errors: a 404 for a task that is not (or no longer) public, a 400 for a bad query
    for response, status in ((anonymous.get("/tasks/t-missing"), 404), (anonymous.get("/tasks?limit=0"), 400)):
        assert response.status_code == status, response.text
        assert response.headers["Cache-Control"] == NO_STORE
    # a signed-in read under the cached path pattern says nothing public (the edge's default TTL is 0)
    bids = customer.get(f"/tasks/{task['id']}/bids")
    assert bids.status_code == 200, bids.text
    assert "public" not in bids.headers.get("Cache-Control", "")
