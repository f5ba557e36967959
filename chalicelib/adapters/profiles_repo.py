"""Profiles: by Cognito sub (main key) and by profile id (gsi1); gsi2 is the verification queue."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pynamodb.attributes import NumberAttribute

from chalicelib.adapters import paging
from chalicelib.adapters.table import Item, ProfileItem
from chalicelib.adapters.transactions import conditional
from chalicelib.adapters.unit_of_work import Writes

Profile = ProfileItem
PENDING_QUEUE = "VERIF#pending"
SK = "PROFILE"


def key(sub: str) -> str:
    return f"USER#{sub}"


def _id_partition(profile_id: str) -> str:
    return f"PROFILE#{profile_id}"


def new(
    *,
    profile_id: str,
    sub: str,
    email: str,
    role: str,
    display_name: str,
    kind: str,
    skills: list[str],
    languages: list[str],
    hourly_rate: dict[str, Any] | None,
    bio: str | None,
    anonymous: bool,
    verification: str,
    created_at: str,
) -> ProfileItem:
    """A profile not yet stored, with its keys (found by sub, and by id through gsi1)."""
    return ProfileItem(
        pk=key(sub),
        sk=SK,
        type="Profile",
        gsi1pk=_id_partition(profile_id),
        gsi1sk=SK,
        id=profile_id,
        sub=sub,
        email=email,
        role=role,
        display_name=display_name,
        kind=kind,
        skills=skills,
        languages=languages,
        hourly_rate=hourly_rate,
        bio=bio,
        anonymous=anonymous,
        verification=verification,
        created_at=created_at,
    )


def add(uow: Writes, profile: ProfileItem) -> None:
    """One profile per Cognito user: a second one fails the unit of work."""
    uow.save(profile, condition=ProfileItem.pk.does_not_exist())


def save(uow: Writes, profile: ProfileItem) -> None:
    """Write a changed profile in a unit of work (its version guards against a concurrent change)."""
    uow.save(profile)


def add_rating(uow: Writes, profile: ProfileItem, rating: int) -> None:
    """Count a review's rating on the reviewee's card (added in place: concurrent reviews do not clash)."""
    uow.update(profile, actions=[ProfileItem.rating_sum.add(rating), ProfileItem.rating_count.add(1)])


def count_completed(uow: Writes, profile: ProfileItem) -> None:
    """Count a completed contract on the provider's card, in the unit of work that completes it."""
    uow.update(profile, actions=[ProfileItem.completed_count.add(1)])


class _Counters(Item):
    """The profile item's counters, for updates in place by sub: no read first, and no version condition.

    A card counter moves by ADD, so it needs neither the stored version nor the profile's other fields;
    the update still bumps `version`, so a concurrent read-modify-write of the profile loses its race
    rather than overwriting the count.
    """

    Meta = Item.Meta
    rating_sum = NumberAttribute(null=True)
    rating_count = NumberAttribute(null=True)
    completed_count = NumberAttribute(null=True)
    version = NumberAttribute(null=True)


def _bump(uow: Writes, sub: str, actions: list[Any]) -> None:
    """Update the stored profile of `sub` in place; a missing profile fails the unit of work."""
    item = _Counters(pk=key(sub), sk=SK)
    uow.update(item, actions=[*actions, _Counters.version.add(1)], condition=_Counters.pk.exists())


def add_rating_by_sub(uow: Writes, sub: str, rating: int) -> None:
    """`add_rating` without reading the profile first (a missing profile fails the unit of work)."""
    _bump(uow, sub, [_Counters.rating_sum.add(rating), _Counters.rating_count.add(1)])


def count_completed_by_sub(uow: Writes, sub: str) -> None:
    """`count_completed` without reading the profile first (a missing profile fails the unit of work)."""
    _bump(uow, sub, [_Counters.completed_count.add(1)])


def put(profile: ProfileItem, conflict: str) -> None:
    """Write a changed profile on its own; a concurrent change since it was read is a `Conflict(conflict)`."""
    with conditional(conflict):
        profile.save()


def enter_verification_queue(profile: ProfileItem, at: str) -> None:
    """List the profile in the admins' queue, oldest submission first (saved with the profile)."""
    profile.gsi2pk = PENDING_QUEUE
    profile.gsi2sk = f"{at}#{profile.id}"


def leave_verification_queue(profile: ProfileItem) -> None:
    profile.gsi2pk = None
    profile.gsi2sk = None


def get_by_sub(sub: str) -> ProfileItem | None:
    try:
        return ProfileItem.get(key(sub), SK, consistent_read=True)
    except ProfileItem.DoesNotExist:
        return None


def get_by_id(profile_id: str) -> ProfileItem | None:
    for item in ProfileItem.gsi1.query(_id_partition(profile_id), limit=1):
        return get_by_sub(item.sub)  # re-read strongly: the index lags the table
    return None


def batch_by_sub(subs: Iterable[str]) -> dict[str, ProfileItem]:
    keys = [(key(s), SK) for s in set(subs)]
    return {p.sub: p for p in ProfileItem.batch_get(keys)} if keys else {}


def pending_verifications(limit: int, cursor: str | None) -> paging.Page[Any]:
    return paging.collect(
        lambda start: ProfileItem.gsi2.query(
            PENDING_QUEUE, scan_index_forward=True, last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("gsi2pk", PENDING_QUEUE),
    )
