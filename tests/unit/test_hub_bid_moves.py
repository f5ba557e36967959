"""Hub mode's bid moves (domain/bids.py): a waiting bid is forwarded or declined once; forwarded works like
submitted on the owner's workbench; declined is final."""

from __future__ import annotations

import pytest

from chalicelib.domain.bids import BID, LIVE, BidStatus
from chalicelib.domain.errors import Conflict

WORKBENCH = ("shortlist", "reject", "withdraw", "award", "lose", "close", "remark", "edit", "counter", "accept_counter")


def test_a_submitted_bid_is_forwarded_or_declined() -> None:
    assert BID.next(BidStatus.SUBMITTED, "forward") == BidStatus.FORWARDED
    assert BID.next(BidStatus.SUBMITTED, "decline") == BidStatus.DECLINED


def test_a_forwarded_bid_moves_like_a_submitted_one() -> None:
    for action in WORKBENCH:
        after_submitted = BID.next(BidStatus.SUBMITTED, action)
        expected = BidStatus.FORWARDED if after_submitted == BidStatus.SUBMITTED else after_submitted
        assert BID.next(BidStatus.FORWARDED, action) == expected, action
    assert BidStatus.FORWARDED in LIVE and BidStatus.DECLINED not in LIVE


@pytest.mark.parametrize("state", [s for s in BidStatus if s != BidStatus.SUBMITTED])
def test_only_a_waiting_bid_is_forwarded_or_declined(state: BidStatus) -> None:
    for action in ("forward", "decline"):
        with pytest.raises(Conflict):
            BID.next(state, action)


def test_a_declined_bid_is_final() -> None:
    for action in (*WORKBENCH, "forward", "decline"):
        assert not BID.allows(BidStatus.DECLINED, action), action
