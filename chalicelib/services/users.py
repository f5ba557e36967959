"""User search for admins: prefix search by email or display name, over index items written with the profile."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters import paging, profiles_repo
from chalicelib.adapters.metrics_models import UserSearchItem
from chalicelib.adapters.table import ProfileItem
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.identity import Actor

MIN_QUERY = 2
MAX_QUERY = 100
MAX_NAME_WORDS = 4  # "carla schmidt" is found by "car…" and by "sch…"


def normalize(text: str) -> str:
    """Lower-case, single spaces: the form both index keys and queries take."""
    return re.sub(r"\s+", " ", text.casefold()).strip()


def partition(key: str) -> str:
    return f"USERSEARCH#{key[:MIN_QUERY]}"


def search_keys(profile: ProfileItem) -> list[tuple[str, str]]:
    """(key, what matched): the email, the display name, and the name from each later word on."""
    keys = [(normalize(profile.email), "email"), (normalize(profile.display_name), "name")]
    words = normalize(profile.display_name).split(" ")
    keys += [(" ".join(words[i:]), "name") for i in range(1, min(len(words), MAX_NAME_WORDS))]
    seen: dict[str, str] = {}
    for key, matched in keys:
        if key and key not in seen:
            seen[key] = matched
    return list(seen.items())


def index_items(profile: ProfileItem) -> list[UserSearchItem]:
    """Written in the same transaction as the profile (services/profiles.create_profile)."""
    return [
        UserSearchItem(
            pk=partition(key),
            sk=f"{key}#{profile.id}",
            type="UserSearch",
            profile_id=profile.id,
            sub=profile.sub,
            matched=matched,
        )
        for key, matched in search_keys(profile)
    ]


@dataclass
class Found:
    profile: ProfileItem
    matched: str


def search(actor: Actor, query: str | None, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Profiles whose email or display name starts with `query`, in key order; current state read by key.

    A profile whose email and name both match is listed once, at its first matching key, on
    whichever page that key falls: a page may therefore hold fewer than `limit` users.
    """
    actor.require_admin()
    text = normalize(query or "")
    if not MIN_QUERY <= len(text) <= MAX_QUERY:
        raise ValidationFailed(
            f"q needs {MIN_QUERY} to {MAX_QUERY} characters", [{"field": "q", "message": f"{MIN_QUERY}..{MAX_QUERY}"}]
        )
    pk = partition(text)
    page = paging.collect(
        lambda start: UserSearchItem.query(
            pk, UserSearchItem.sk.startswith(text), last_evaluated_key=start, page_size=limit
        ),
        limit,
        cursor,
        ("pk", pk),
    )
    profiles = profiles_repo.batch_by_sub(item.sub for item in page.items)
    found = []
    for item in page.items:
        profile = profiles.get(item.sub)
        if profile is not None and _first_match(item, profile, text):
            found.append(Found(profile, item.matched))
    return paging.Page(found, page.next_cursor)


def pending_verifications(actor: Actor, limit: int, cursor: str | None) -> paging.Page[Any]:
    """Admin: the profiles waiting for a verification decision, oldest submission first."""
    actor.require_admin()
    return profiles_repo.pending_verifications(limit, cursor)


def _first_match(item: UserSearchItem, profile: ProfileItem, text: str) -> bool:
    matching = [key for key, _ in search_keys(profile) if key.startswith(text)]
    return not matching or item.sk.rpartition("#")[0] == min(matching)
