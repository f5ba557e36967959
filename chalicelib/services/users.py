"""User search for admins: prefix search by email or display name, over index items written with the profile."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from chalicelib.adapters import paging, profiles_repo, user_search_repo
from chalicelib.adapters.unit_of_work import Writes
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.identity import Actor

MIN_QUERY = user_search_repo.PARTITION_CHARS  # a search reads one partition of the index
MAX_QUERY = 100
MAX_NAME_WORDS = 4  # "carla schmidt" is found by "car…" and by "sch…"


def normalize(text: str) -> str:
    """Lower-case, single spaces: the form both index keys and queries take."""
    return re.sub(r"\s+", " ", text.casefold()).strip()


def search_keys(profile: profiles_repo.Profile) -> list[tuple[str, str]]:
    """(key, what matched): the email, the display name, and the name from each later word on."""
    keys = [(normalize(profile.email), "email"), (normalize(profile.display_name), "name")]
    words = normalize(profile.display_name).split(" ")
    keys += [(" ".join(words[i:]), "name") for i in range(1, min(len(words), MAX_NAME_WORDS))]
    seen: dict[str, str] = {}
    for key, matched in keys:
        if key and key not in seen:
            seen[key] = matched
    return list(seen.items())


def index(uow: Writes, profile: profiles_repo.Profile) -> None:
    """Written in the same unit of work as the profile (services/profiles.create_profile)."""
    user_search_repo.add(uow, profile, search_keys(profile))


@dataclass
class Found:
    profile: profiles_repo.Profile
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
    page = user_search_repo.starting_with(text, limit, cursor)
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


def _first_match(item: user_search_repo.UserSearch, profile: profiles_repo.Profile, text: str) -> bool:
    matching = [key for key, _ in search_keys(profile) if key.startswith(text)]
    return not matching or user_search_repo.key_of(item) == min(matching)
