"""Messages, threads, moderation and the audit trail (trust & safety)."""

from __future__ import annotations

from chalice.app import Blueprint

bp = Blueprint(__name__)
