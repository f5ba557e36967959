"""Platform settings an admin changes: the commission, versioned, each change with an audit line.

A write names the version it read; a stale one is a 409, so two admins saving at once never
overwrite each other unseen. The setting and its audit line (pk SETTINGS, sk AUDIT#<ulid>: who,
when, before and after) commit in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib.adapters import audit_repo, settings_repo
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain.clock import iso
from chalicelib.domain.commission import DEFAULT_BPS
from chalicelib.domain.errors import Conflict
from chalicelib.services.identity import Actor

HISTORY = 10  # audit lines GET /admin/settings shows, newest first


@dataclass
class Commission:
    default_bps: int
    overrides: dict[str, int] = field(default_factory=dict)
    version: int = 0  # 0 until the first save


@dataclass
class Change:
    """One audit line of a settings change."""

    at: str
    by: str
    action: str
    from_version: int
    to_version: int
    before: dict[str, Any]
    after: dict[str, Any]


def _view(item: settings_repo.Settings | None) -> Commission:
    if item is None:
        return Commission(DEFAULT_BPS)
    overrides = {k: int(v) for k, v in (item.overrides or {}).items()}
    return Commission(int(item.default_bps), overrides, int(item.version or 0))


def _json(commission: Commission) -> dict[str, Any]:
    return {"defaultBps": commission.default_bps, "overrides": dict(commission.overrides)}


def commission() -> Commission:
    return _view(settings_repo.commission())


def set_commission(actor: Actor, version: int, default_bps: int, overrides: dict[str, int]) -> Commission:
    """Replace the commission if it is still at `version`; applies to contracts awarded from now on."""
    item = settings_repo.commission()
    before = _view(item)
    if version != before.version:
        raise Conflict(
            f"the commission settings are at version {before.version}, not {version}: reload them and retry",
            [{"field": "version", "message": f"current version is {before.version}"}],
        )
    if item is None:
        item = settings_repo.new_commission()
    item.default_bps = default_bps
    item.overrides = dict(overrides)
    after = Commission(default_bps, dict(overrides), before.version + 1)
    line = audit_repo.Line(
        actor=f"admin:{actor.sub}",
        action="set_commission",
        subject=f"commission default {default_bps} bps, {len(overrides)} category overrides",
        from_status=f"v{before.version}",
        to_status=f"v{after.version}",
        amounts={"before": _json(before), "after": _json(after)},
        at=iso(),
    )
    with unit_of_work("the commission settings changed meanwhile: reload them and retry") as uow:
        settings_repo.save(uow, item)
        audit_repo.add_for_settings(uow, line)
    return after


def history(limit: int = HISTORY) -> list[Change]:
    """The latest settings changes, newest first."""
    return [
        Change(
            at=line.at,
            by=line.actor,
            action=line.action,
            from_version=int((line.from_status or "v0")[1:]),
            to_version=int((line.to_status or "v0")[1:]),
            before=dict((line.amounts or {}).get("before") or {}),
            after=dict((line.amounts or {}).get("after") or {}),
        )
        for line in audit_repo.settings_history(limit)
    ]


# --- hub mode (issue 17): categories whose tasks always run through the hub ------------------------


@dataclass
class HubCategories:
    categories: list[str] = field(default_factory=list)
    version: int = 0  # 0 until the first save


def hub_categories() -> HubCategories:
    item = settings_repo.hub()
    if item is None:
        return HubCategories()
    return HubCategories(sorted(item.categories or []), int(item.version or 0))


def set_hub_categories(actor: Actor, version: int, categories: list[str]) -> HubCategories:
    """Replace the hub categories if still at `version`. Applies to tasks created or edited from now on: a
    task resolves its hub flag when written, so reading a task never reads the settings."""
    item = settings_repo.hub()
    before = hub_categories()
    if version != before.version:
        raise Conflict(
            f"the hub settings are at version {before.version}, not {version}: reload them and retry",
            [{"field": "version", "message": f"current version is {before.version}"}],
        )
    if item is None:
        item = settings_repo.new_hub()
    after = HubCategories(sorted(set(categories)), before.version + 1)
    item.categories = list(after.categories)
    line = audit_repo.Line(
        actor=f"admin:{actor.sub}",
        action="set_hub_categories",
        subject=f"hub mode for {len(after.categories)} categories",
        from_status=f"v{before.version}",
        to_status=f"v{after.version}",
        amounts={"before": {"categories": before.categories}, "after": {"categories": after.categories}},
        at=iso(),
    )
    with unit_of_work("the hub settings changed meanwhile: reload them and retry") as uow:
        settings_repo.save(uow, item)
        audit_repo.add_for_settings(uow, line)
    return after
