"""Stripe costs nothing at cold start: importing the app (every route, every consumer) does not import `stripe`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _modules_after(statement: str) -> str:
    listing = "' '.join(sorted(m for m in ('stripe', 'pydantic', 'boto3') if m in sys.modules))"
    code = f"{statement}; import sys; print({listing})"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return result.stdout.strip()


def test_importing_app_does_not_import_stripe() -> None:
    result = subprocess.run(
        [sys.executable, "-c", "import app, sys; print('stripe' in sys.modules)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "False"


def test_the_payment_port_and_the_payments_blueprint_load_without_stripe() -> None:
    port = "chalicelib.adapters.payment_port, chalicelib.adapters.gateways, chalicelib.adapters.sandbox_gateway"
    assert "stripe" not in _modules_after(f"import {port}, chalicelib.handlers.payments")
    assert "stripe" not in _modules_after("import chalicelib.adapters.stripe_gateway")


def test_the_check_would_see_stripe_if_it_were_imported() -> None:
    assert "stripe" in _modules_after("import app, stripe")
