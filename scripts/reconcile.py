"""`make reconcile`: compare the ledger's clearing account with the gateway's balance transactions.

For a period [--from, --to) (default: the last 24 hours) it reads the `clearing:<gateway>` entries
(each joined to the gateway object it mirrors) and the gateway's balance transactions (Stripe:
`balance_transactions.list`; sandbox: its own records in the table), sums both per object, and
prints every object where they differ, what the gateway moved that the ledger does not book by
design (fees, the platform's own payouts), and events held for a payment that never succeeded.
Exit status 1 when there are differences.

Environment: the app's (TABLE_NAME, AWS_*; PAYMENTS and STRIPE_API_KEY for Stripe). Without
AWS_ENDPOINT_URL it reads `.local/stack.json`, so it works against a running `make run`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _moment(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _money(amount: int, currency: str) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100:,}.{abs(amount) % 100:02d} {currency}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--from", dest="start", help="ISO date or time (UTC); default: 24 hours ago")
    parser.add_argument("--to", dest="end", help="ISO date or time (UTC), exclusive; default: now")
    parser.add_argument("--gateway", choices=("sandbox", "stripe"), help="default: $PAYMENTS (sandbox)")
    args = parser.parse_args(argv)

    stack = ROOT / ".local" / "stack.json"
    if not os.environ.get("AWS_ENDPOINT_URL") and stack.exists():
        os.environ.update({k: str(v) for k, v in json.loads(stack.read_text()).items()})

    from chalicelib.services.reconciliation import reconcile

    end = _moment(args.end) if args.end else datetime.now(UTC)
    start = _moment(args.start) if args.start else end - timedelta(days=1)
    report = reconcile(start, end, args.gateway)

    print(f"reconcile {report.gateway}: {report.start} → {report.end}")
    print(f"  ledger: {report.ledger_entries} clearing entries; gateway: {report.gateway_lines} balance transactions")
    if report.differences:
        print(f"  {len(report.differences)} difference(s) (gateway minus ledger, per object):")
        for d in report.differences:
            ours, theirs, delta = (_money(v, d.currency) for v in (d.ledger, d.gateway, d.delta))
            print(f"    {d.key:<40} ledger {ours:>16}  gateway {theirs:>16}  difference {delta:>16}  ({d.note})")
    else:
        print("  no differences")
    for kind, amount in sorted(report.outside.items()):
        kind_name, _, currency = kind.rpartition(" ")
        print(f"  not booked by design: {kind_name} {_money(amount, currency)}")
    if report.fees:
        print(f"  gateway fees (not booked in the ledger): {report.fees} minor units")
    for held in report.held:
        print(f"  held event {held['eventId']} ({held['type']}) for {held['paymentId']} since {held['at']}")
    return 1 if report.differences else 0


if __name__ == "__main__":
    sys.exit(main())
