"""Platform settings (pk SETTINGS): the commission item and the hub categories item, each versioned by
PynamoDB's version attribute."""

from __future__ import annotations

from chalicelib.adapters.table import HubSettingsItem, SettingsItem
from chalicelib.adapters.unit_of_work import Writes

PARTITION = "SETTINGS"
COMMISSION = "COMMISSION"
HUB = "HUB"

Settings = SettingsItem


def commission() -> SettingsItem | None:
    """The saved commission settings, or None before an admin first saves them."""
    try:
        return SettingsItem.get(PARTITION, COMMISSION, consistent_read=True)
    except SettingsItem.DoesNotExist:
        return None


def new_commission() -> SettingsItem:
    return SettingsItem(pk=PARTITION, sk=COMMISSION, type="Settings")


def hub() -> HubSettingsItem | None:
    """The saved hub categories, or None before an admin first saves them."""
    try:
        return HubSettingsItem.get(PARTITION, HUB, consistent_read=True)
    except HubSettingsItem.DoesNotExist:
        return None


def new_hub() -> HubSettingsItem:
    return HubSettingsItem(pk=PARTITION, sk=HUB, type="Settings", categories=[])


def save(uow: Writes, item: SettingsItem | HubSettingsItem) -> None:
    """The version attribute adds the condition: the item is still at the version that was read."""
    uow.save(item)
