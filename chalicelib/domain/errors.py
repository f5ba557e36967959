"""Domain errors carry the HTTP status they map to, so handlers stay thin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass
class DomainError(Exception):
    detail: str
    errors: list[dict[str, Any]] = field(default_factory=list)
    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __str__(self) -> str:
        return self.detail


class ValidationFailed(DomainError):
    status = 400
    slug = "validation-error"
    title = "Request validation failed"


class Unauthorized(DomainError):
    status = 401
    slug = "unauthorized"
    title = "Authentication required"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Not allowed"


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict with the current state"


class BusinessRuleViolated(DomainError):
    status = 422
    slug = "business-rule"
    title = "Business rule violated"


@dataclass
class Throttled(DomainError):
    """A per-user or per-address quota is used up; `retry_after` seconds until it refills (Retry-After)."""

    retry_after: int = 1
    status: ClassVar[int] = 429
    slug: ClassVar[str] = "too-many-requests"
    title: ClassVar[str] = "Too many requests"
