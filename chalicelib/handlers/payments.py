"""Stripe webhooks, withdrawals and payouts."""

from __future__ import annotations

from chalice.app import Blueprint

bp = Blueprint(__name__)
