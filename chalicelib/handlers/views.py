"""How stored items look to API clients: camelCase JSON, Money objects, no internal keys."""

from __future__ import annotations

from typing import Any

from chalicelib.domain.clock import now
from chalicelib.domain.milestones import is_overdue


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


def me(actor: Any) -> dict[str, Any]:
    """GET /me: my profile and whether I am an admin; an admin without a profile gets a stub."""
    if actor.profile is None:
        return {"id": None, "role": "admin", "email": actor.claims.email, "isAdmin": actor.is_admin}
    return profile(actor.profile) | {"isAdmin": actor.is_admin}


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
        "hub": bool(t.hub),
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
    """A bid; if the service marked it `concealed_as` an alias (an anonymous provider seen by the
    task's customer before award), the provider shows only under that alias: no name, no card id."""
    alias = getattr(b, "concealed_as", None)
    view: dict[str, Any] = {
        "id": b.id,
        "taskId": b.task_id,
        "providerId": alias.id if alias else b.provider_id,
        "price": money(b.price_amount, b.currency),
        "proposal": b.proposal,
        "durationDays": int(b.duration_days),
        "milestones": b.milestones,
        "status": b.status,
        "counterOffer": b.counter_offer,  # negotiation: the owner's latest counter-offer, or null
        "history": list(b.history or []),  # negotiation moves, `by` a role (anonymity holds)
        "forwardedAt": b.forwarded_at,  # hub mode: when an admin passed it to the owner
        "declineReason": b.decline_reason,  # hub mode: why an admin declined it
        "createdAt": b.created_at,
        "updatedAt": b.updated_at,
    }
    if provider is not None:
        view["provider"] = {
            "id": alias.id if alias else provider.id,
            "displayName": alias.name if alias else provider.display_name,
            "anonymous": alias is not None,
            "rating": rating(provider),
            "reviewCount": int(provider.rating_count or 0),
            "skills": list(provider.skills or []),
        }
    if score is not None:
        view["matchScore"] = score
    if for_owner:
        view["remark"] = b.remark
    return view


def masked(view: Any, mask: Any) -> Any:
    """Hub mode: a response for the customer of a hub contract, with the expert's id, sub, name and email
    swapped for the task's alias wherever they occur (services/hub.mask_for decides who gets a mask)."""
    return view if mask is None else mask(view)


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
        "overdue": is_overdue(m.status, m.due_date, now()),
        "position": int(m.position),
        "fundingSource": m.funding_source,
        "reviewDeadline": m.review_deadline,
        "submissions": [
            {**s, "files": [{k: v for k, v in f.items() if k != "key"} for f in s["files"]]}
            for s in (m.submissions or [])
        ],
        "revisions": list(m.revisions or []),
        "dispute": m.dispute,
        "evidence": _evidence(m.evidence or []),
        "resolution": m.resolution,
        "updatedAt": m.updated_at,
    }
    return view


def _evidence(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Evidence entries as stored, without the files' storage keys (links: GET …/evidence/{uploadId})."""
    return [{**e, "files": [{k: v for k, v in f.items() if k != "key"} for f in e["files"]]} for e in entries]


def dispute(m: Any) -> dict[str, Any]:
    """An open dispute for the admins: the milestone, its kind, and each side's reason and evidence."""
    record = m.dispute or {}
    evidence = _evidence(m.evidence or [])

    def side(role: str) -> dict[str, Any] | None:
        opened = record.get("openedBy") == role
        entries = [e for e in evidence if e["by"] == role]
        if not opened and not entries:
            return None
        said = record if opened else {}
        return {"reason": said.get("reason"), "at": said.get("at"), "evidence": entries}

    kind = record.get("kind") or ("card" if record.get("openedBy") == "cardholder" else "quality")
    return milestone(m) | {
        "contractId": m.contract_id,
        "kind": kind,
        "customerSide": side("customer"),
        "providerSide": side("provider"),
    }


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
        "hub": bool(c.hub),
        "total": money(c.total_amount, c.currency),
        "commissionBps": int(c.commission_bps),
        "version": int(c.terms_version or 1),
        "signatures": c.signatures or {},
        "termination": c.termination,
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


def reviewed_contract(c: Any, milestones: list[Any]) -> dict[str, Any]:
    """What a QC reviewer sees of a contract: the work and its milestones, not the money or the parties' papers."""
    return {
        "id": c.id,
        "status": c.status,
        "taskId": c.task_id,
        "title": c.title,
        "category": c.category,
        "reviewerId": c.reviewer_id,
        "hub": bool(c.hub),
        "milestones": [
            {
                k: v
                for k, v in milestone(m).items()
                if k in ("id", "title", "dueDate", "acceptanceCriteria", "status", "position", "submissions")
            }
            | {"revisions": [r for r in m.revisions or [] if r.get("by") == "qc"]}
            for m in sorted(milestones, key=lambda m: int(m.position))
        ],
        "createdAt": c.created_at,
        "completedAt": c.completed_at,
    }


def my_role(c: Any, profile_id: str | None) -> str | None:
    """customer | provider | reviewer: which side of the contract the caller is on (`myRole` in lists)."""
    if profile_id == c.customer_id:
        return "customer"
    if profile_id == c.provider_id:
        return "provider"
    return "reviewer" if c.reviewer_id and profile_id == c.reviewer_id else None


def reviewer_candidate(candidate: Any) -> dict[str, Any]:
    p = candidate.profile
    return {
        "providerId": p.id,
        "displayName": p.display_name,
        "skills": list(p.skills or []),
        "rating": rating(p),
        "score": candidate.score,
        "reasons": candidate.reasons,
    }


def qc_wanted(item: Any) -> dict[str, Any]:
    """A contract in the admins' QC queue: its task asked for quality control and it has no reviewer yet."""
    return {
        "contractId": item.contract_id,
        "taskId": item.task_id,
        "title": item.title,
        "category": item.category,
        "since": item.at,
    }


def amendment(a: Any) -> dict[str, Any]:
    """`version`: the contract version the amendment made once accepted (null until then)."""
    return {
        "id": a.id,
        "contractId": a.contract_id,
        "status": a.status,
        "proposedBy": a.proposed_by,
        "proposerId": a.proposer_id,
        "reason": a.reason,
        "changes": list(a.changes or []),
        "version": int(a.terms_version) if a.terms_version is not None else None,
        "decidedBy": a.decided_by,
        "decidedAt": a.decided_at,
        "createdAt": a.created_at,
    }


def termination(t: Any, c: Any | None) -> dict[str, Any]:
    """A proposed termination in the admins' queue, with what the contract holds in escrow now."""
    view: dict[str, Any] = {
        "contractId": t.contract_id,
        "title": t.title,
        "proposedBy": t.proposed_by,
        "proposerId": t.proposer_id,
        "reason": t.reason,
        "at": t.at,
    }
    if c is not None:
        view |= {
            "status": c.status,
            "customerId": c.customer_id,
            "providerId": c.provider_id,
            "escrowHeld": money(int(c.funded_total) - int(c.released_total) - int(c.refunded_total), c.currency),
        }
    return view


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


# --- messages and trust & safety ------------------------------------------------------------


def thread_member(m: dict[str, Any], viewer: Any) -> dict[str, Any]:
    alias = viewer.masks.get(m["id"])
    if alias is not None:
        return {"id": alias.id, "role": m["role"], "displayName": alias.name, "anonymous": True}
    view = {"id": m["id"], "role": m["role"], "displayName": m["name"], "anonymous": bool(m.get("anonymous"))}
    return view


def thread(t: Any, viewer: Any, member: Any = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": t.id,
        "kind": t.kind,
        "taskId": t.task_id,
        "contractId": t.contract_id,
        "title": t.title,
        "members": [thread_member(m, viewer) for m in t.members],
        "messageCount": int(t.message_count or 0),
        "lastMessageAt": t.last_message_at,
        "createdAt": t.created_at,
    }
    if member is not None:
        view["unread"] = max(0, int(member.message_count or 0) - int(member.read_seq or 0))
    return view


def findings(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"kind": f["kind"], "start": int(f["start"]), "end": int(f["end"])} for f in items or []]


def message(m: Any, viewer: Any) -> dict[str, Any]:
    """Members get the masked text; only admins get the original (as `text`, with `maskedText` beside it)."""
    sender_id = m.sender_id
    if m.sender_role == "admin":
        sender_id = m.sender_id if viewer.is_admin else "admin"
    elif sender_id in viewer.masks:
        sender_id = viewer.masks[sender_id].id
    view: dict[str, Any] = {
        "id": m.id,
        "threadId": m.thread_id,
        "seq": int(m.seq),
        "senderId": sender_id,
        "senderRole": m.sender_role,
        "text": m.text if viewer.is_admin else m.masked,
        "flagged": bool(m.flagged),
        "findings": findings(m.findings),
        "attachments": [{k: v for k, v in f.items() if k != "key"} for f in m.attachments or []],
        "createdAt": m.created_at,
    }
    if viewer.is_admin:
        view["maskedText"] = m.masked
        view["moderation"] = m.moderation
    return view


def flag(f: Any) -> dict[str, Any]:
    """A moderation queue entry (admins only): original and masked text, sender, and the thread, or
    for a screened field (`field` other than `message`) what it belongs to (`ref`)."""
    return {
        "id": f.message_id,
        "messageId": None if f.field else f.message_id,
        "threadId": f.thread_id,
        "field": f.field or "message",
        "ref": f.ref,
        "senderId": f.sender_id,
        "senderName": f.sender_name,
        "originalText": f.text,
        "maskedText": f.masked,
        "findings": findings(f.findings),
        "status": f.status,
        "flaggedAt": f.flagged_at,
        "decidedAt": f.decided_at,
        "decidedBy": f.decided_by,
        "note": f.note,
    }


def standing(s: Any) -> dict[str, Any]:
    return {
        "strikes": int(s.strikes or 0),
        "activeStrikes": int(s.active_strikes or 0),
        "history": list(s.history or []),
    }


def actor_role(actor: str, c: Any) -> str:
    if actor == c.customer_id:
        return "customer"
    if actor == c.provider_id:
        return "provider"
    if c.reviewer_id and actor == c.reviewer_id:
        return "reviewer"
    if actor.startswith("admin:"):
        return "admin"
    return "system" if actor.startswith("system") else "unknown"


def audit_entry(a: Any, c: Any) -> dict[str, Any]:
    return {
        "id": a.sk.removeprefix("AUDIT#"),
        "at": a.at,
        "actor": a.actor,
        "actorRole": actor_role(a.actor, c),
        "action": a.action,
        "subject": a.subject,
        "from": a.from_status,
        "to": a.to_status,
        "amounts": [
            {"account": leg["account"], "amount": money(leg["amount"], leg["currency"])} for leg in a.amounts or []
        ],
    }


AUDIT_COLUMNS = (
    "entry",
    "at",
    "actor",
    "actor_role",
    "action",
    "subject",
    "from",
    "to",
    "account",
    "amount_minor",
    "currency",
)


def _cell(value: Any) -> str:
    """Text that a spreadsheet would run as a formula gets a leading quote (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    return text.lstrip("-").isdigit()


def audit_csv(entries: list[Any], c: Any) -> str:
    """One row per state change, one row per ledger leg of each money movement (same entry id)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(AUDIT_COLUMNS)
    for a in entries:
        row = audit_entry(a, c)
        head = [
            row["id"],
            row["at"],
            row["actor"],
            row["actorRole"],
            row["action"],
            row["subject"],
            row["from"],
            row["to"],
        ]
        legs = row["amounts"] or [None]
        for leg in legs:
            tail = [leg["account"], leg["amount"]["amount"], leg["amount"]["currency"]] if leg else [None, None, None]
            writer.writerow([_cell(v) for v in head + tail])
    return buffer.getvalue()


# --- taxonomy and tickets ---------------------------------------------------------------------


def taxonomy(current: Any) -> dict[str, Any]:
    """The pickers' lists and the version a PUT /admin/taxonomy may send back."""
    return dict(current.taxonomy.as_json()) | {"version": current.version, "updatedAt": current.updated_at}


def ticket(t: Any, for_admin: bool = False) -> dict[str, Any]:
    view = {
        "id": t.id,
        "kind": t.kind,
        "text": t.text,
        "status": t.status,
        "note": t.note,
        "added": t.added,
        "createdAt": t.created_at,
        "resolvedAt": t.resolved_at,
    }
    if for_admin:
        view["customerId"] = t.profile_id
    return view
