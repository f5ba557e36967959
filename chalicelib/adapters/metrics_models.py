"""Back-office user-search entries in the single table.

| item | pk | sk | written by |
|---|---|---|---|
| UserSearch | `USERSEARCH#<2 chars>` | `<lowercased email or name>#<profileId>` | profile creation |

The daily figures and their counted-event markers live in `metrics_repo`.
"""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from chalicelib.adapters.table import Item, _Meta


class UserSearchItem(Item):
    """pk USERSEARCH#<first 2 chars of key>, sk <key>#<profileId>; key = lowercased email or display name."""

    Meta = _Meta
    profile_id = UnicodeAttribute()
    sub = UnicodeAttribute()
    matched = UnicodeAttribute()
