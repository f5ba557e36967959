"""The hosted back office: its page, queues, user search and platform figures."""

from __future__ import annotations

from chalice.app import Blueprint

bp = Blueprint(__name__)
