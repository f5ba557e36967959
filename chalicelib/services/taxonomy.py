"""The curated taxonomy: anyone reads it (the pickers); admins replace it as a whole.

Before the first save the built-in default (domain/taxonomy.DEFAULT) is served as version 0. A save may
name the version it read; a stale one is a 409, so two admins editing the lists at once never overwrite
each other unseen. The stored item's own version condition also refuses a save that lost the race
between its read and its write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chalicelib.adapters import taxonomy_repo
from chalicelib.adapters.unit_of_work import unit_of_work
from chalicelib.domain import taxonomy as rules
from chalicelib.domain.clock import iso
from chalicelib.domain.errors import Conflict
from chalicelib.services.identity import Actor

STALE = "the taxonomy changed meanwhile: reload it and retry"


@dataclass(frozen=True)
class Current:
    taxonomy: rules.Taxonomy
    version: int  # 0 while the default is served
    updated_at: str | None = None


def _view(item: taxonomy_repo.Stored | None) -> Current:
    if item is None:
        return Current(rules.DEFAULT, 0)
    return Current(rules.from_json(dict(item.document or {})), int(item.version or 0), item.updated_at)


def current() -> Current:
    return _view(taxonomy_repo.current())


def stage(
    actor: Actor, change: Callable[[rules.Taxonomy], rules.Taxonomy], version: int | None = None
) -> tuple[taxonomy_repo.Stored, Current]:
    """The item to save: `change` applied to the lists read now (checked), refused if `version` is sent and stale.

    The caller writes it in its own unit of work (a ticket resolution adds to the lists with it); the
    item's version condition then refuses a save that raced this read."""
    item = taxonomy_repo.current()
    before = _view(item)
    if version is not None and version != before.version:
        raise Conflict(
            f"the taxonomy is at version {before.version}, not {version}: reload it and retry",
            [{"field": "version", "message": f"current version is {before.version}"}],
        )
    after = rules.check(change(before.taxonomy))
    if item is None:
        item = taxonomy_repo.new()
    at = iso()
    item.document = after.as_json()
    item.updated_by = f"admin:{actor.sub}"
    item.updated_at = at
    return item, Current(after, before.version + 1, at)


def replace(actor: Actor, taxonomy: rules.Taxonomy, version: int | None) -> Current:
    """Replace the whole document (admins). Tasks are not checked against it: free-form slugs stay valid."""
    actor.require_admin()
    item, after = stage(actor, lambda _: taxonomy, version)
    with unit_of_work(STALE) as uow:
        taxonomy_repo.save(uow, item)
    return after
