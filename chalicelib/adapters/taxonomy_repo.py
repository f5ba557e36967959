"""The curated taxonomy: one item, pk SETTINGS, sk TAXONOMY, versioned by PynamoDB's version attribute."""

from __future__ import annotations

from chalicelib.adapters.table import TaxonomyItem
from chalicelib.adapters.unit_of_work import Writes

PARTITION = "SETTINGS"
SORT = "TAXONOMY"

Stored = TaxonomyItem


def current() -> TaxonomyItem | None:
    """The saved taxonomy, or None before an admin first saves it (a strongly consistent GetItem)."""
    try:
        return TaxonomyItem.get(PARTITION, SORT, consistent_read=True)
    except TaxonomyItem.DoesNotExist:
        return None


def new() -> TaxonomyItem:
    return TaxonomyItem(pk=PARTITION, sk=SORT, type="Taxonomy", document={})


def save(uow: Writes, item: TaxonomyItem) -> None:
    """The version attribute adds the condition: still at the version read (or still absent, for the first save)."""
    uow.save(item)
