"""The money races of `make races`, over HTTP against the local stack: one winner, no cent created or lost.

`make races` runs them 20 times each against `make run`; the suite runs the same code a few times.
"""

from __future__ import annotations

from scripts.local_stack import LocalStack
from scripts.races import Races

TRIES = 3


def test_money_races_over_http_conserve_every_cent(stack: LocalStack) -> None:
    lines: list[str] = []
    tried = Races(stack.api_url, stack.env, lines.append).run(TRIES)
    assert tried == {
        "refund x funding x funding": TRIES,
        "refund x withdrawal x withdrawal": TRIES,
        "refund x 8 partial refunds": TRIES,
        "funding x funding": TRIES,
    }
    assert len(lines) == 4
