"""How stored items look to API clients: camelCase JSON, Money objects, no internal keys."""

from __future__ import annotations

from typing import Any


def money(amount: int | float, currency: str) -> dict[str, Any]:
    return {"amount": int(amount), "currency": currency}


def rating(profile: Any) -> float | None:
    count = int(profile.rating_count or 0)
    return round(int(profile.rating_sum) / count, 2) if count else None


def profile(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "email": p.email,
        "role": p.role,
        "displayName": p.display_name,
        "kind": p.kind,
        "skills": list(p.skills or []),
        "languages": list(p.languages or []),
        "hourlyRate": p.hourly_rate,
        "bio": p.bio,
        "anonymous": bool(p.anonymous),
        "verification": p.verification,
        "verificationNote": p.verification_note,
        "legalName": p.legal_name,
        "rating": rating(p),
        "reviewCount": int(p.rating_count or 0),
        "badges": list(p.badges or []),
        "suspended": bool(p.suspended),
        "createdAt": p.created_at,
    }


def provider_card(p: Any) -> dict[str, Any]:
    return {
        "id": p.id,
        "displayName": p.display_name,
        "kind": p.kind,
        "skills": list(p.skills or []),
        "languages": list(p.languages or []),
        "hourlyRate": p.hourly_rate,
        "bio": p.bio,
        "rating": rating(p),
        "reviewCount": int(p.rating_count or 0),
        "completedContracts": int(p.completed_count or 0),
        "badges": list(p.badges or []),
    }


def task(t: Any, full: bool = False) -> dict[str, Any]:
    view = {
        "id": t.id,
        "title": t.title,
        "description": t.description,
        "category": t.category,
        "skills": list(t.skills or []),
        "budget": money(t.budget_amount, t.currency),
        "mode": t.mode,
        "visibility": t.visibility,
        "startDate": t.start_date,
        "dueDate": t.due_date,
        "qualityReview": bool(t.quality_review),
        "status": t.status,
        "customerId": t.owner_id,
        "createdAt": t.created_at,
        "openedAt": t.opened_at,
    }
    if full:
        view.update(
            {
                "attachments": list(t.attachments or []),
                "invitees": list(t.invitees or []),
                "reviewNote": t.review_note,
                "updatedAt": t.updated_at,
            }
        )
    return view


def bid(b: Any, provider: Any = None, score: int | None = None, for_owner: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": b.id,
        "taskId": b.task_id,
        "providerId": b.provider_id,
        "price": money(b.price_amount, b.currency),
        "proposal": b.proposal,
        "durationDays": int(b.duration_days),
        "milestones": b.milestones,
        "status": b.status,
        "createdAt": b.created_at,
        "updatedAt": b.updated_at,
    }
    if provider is not None:
        view["provider"] = {
            "id": provider.id,
            "displayName": provider.display_name,
            "rating": rating(provider),
            "reviewCount": int(provider.rating_count or 0),
            "skills": list(provider.skills or []),
        }
    if score is not None:
        view["matchScore"] = score
    if for_owner:
        view["remark"] = b.remark
    return view


def page(items: list[Any], next_cursor: str | None) -> dict[str, Any]:
    return {"items": items, "nextCursor": next_cursor}
