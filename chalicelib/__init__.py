"""Tasklane backend: domain, services, adapters and HTTP handlers."""
