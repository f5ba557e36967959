"""Bodies of the messages routes (moderators decide with admin.Decision)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chalicelib.schemas.common import Body, Id

MAX_TEXT = 4000
MAX_ATTACHMENTS = 10

# A provider's profile id, or the alias id an anonymous provider shows to a task's customer.
ProviderRef = Annotated[str, StringConstraints(pattern=r"^(?:[0-9A-HJKMNP-TV-Z]{26}|anon-[0-9A-HJKMNP-TV-Z]{6})$")]


class OpenThread(Body):
    """The task owner names the provider (a bidder or an invitee); a provider sends `{}`."""

    provider_id: ProviderRef | None = None


class PostMessage(Body):
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TEXT)]
    attachments: list[Id] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
