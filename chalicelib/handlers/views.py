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


def milestone(m: Any, role: str | None = None) -> dict[str, Any]:
    view = {
        "id": m.id,
        "title": m.title,
        "amount": money(m.amount, m.currency),
        "dueDate": m.due_date,
        "acceptanceCriteria": m.acceptance_criteria,
        "status": m.status,
        "position": int(m.position),
        "fundingSource": m.funding_source,
        "reviewDeadline": m.review_deadline,
        "submissions": [
            {**s, "files": [{k: v for k, v in f.items() if k != "key"} for f in s["files"]]}
            for s in (m.submissions or [])
        ],
        "revisions": list(m.revisions or []),
        "dispute": m.dispute,
        "resolution": m.resolution,
        "updatedAt": m.updated_at,
    }
    return view


def contract(c: Any, milestones: list[Any]) -> dict[str, Any]:
    return {
        "id": c.id,
        "status": c.status,
        "taskId": c.task_id,
        "bidId": c.bid_id,
        "title": c.title,
        "category": c.category,
        "customerId": c.customer_id,
        "providerId": c.provider_id,
        "reviewerId": c.reviewer_id,
        "total": money(c.total_amount, c.currency),
        "commissionBps": int(c.commission_bps),
        "signatures": c.signatures or {},
        "escrow": {
            "funded": money(c.funded_total, c.currency),
            "released": money(c.released_total, c.currency),
            "refunded": money(c.refunded_total, c.currency),
            "held": money(int(c.funded_total) - int(c.released_total) - int(c.refunded_total), c.currency),
        },
        "milestones": [milestone(m) for m in sorted(milestones, key=lambda m: int(m.position))],
        "createdAt": c.created_at,
        "completedAt": c.completed_at,
    }


def entry(e: Any) -> dict[str, Any]:
    return {
        "id": e.sk.removeprefix("ENTRY#"),
        "postingId": e.posting_id,
        "kind": e.kind,
        "amount": money(e.amount, e.currency),
        "contractId": e.contract_id,
        "milestoneId": e.milestone_id,
        "at": e.at,
    }


def notification(n: Any) -> dict[str, Any]:
    return {"id": n.sk, "type": n.event_type, "title": n.title, "data": n.data, "at": n.at, "read": bool(n.read)}
