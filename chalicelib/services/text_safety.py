"""One screening pass for every text a user writes and another user reads (chat has its own: threads).

Why. Contact details in a bid's proposal, a bio or a review take a deal off the platform as surely
as in chat, so every such field goes through the same detectors (`domain.screening.screen`) and the
same rules as a chat message: screened once, on write (reads are hot and never screen), the item
stores the MASKED text, so every reader (views, notifications, the thread and contract titles copied
from a task) gets it without knowing about screening, and a finding queues a flag for the admins
with the field it came from and the ORIGINAL text, in the same unit of work as the write. The flag
is the only copy of the original: nothing is lost, and only admins read it (GET /admin/messages).
Text without findings is stored exactly as written. A confirmed flag is a strike, as in chat.

Use: build a `Pass` for the item being written (`for_bid`, `for_task`, `for_profile`, ...: they mask
the item's fields in place), write the item, and call `stage(uow, at)` inside the same unit of work.
The list of screened fields is in docs/trust-and-safety.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from chalicelib.adapters import moderation_repo, profiles_repo
from chalicelib.adapters.ids import new_id
from chalicelib.adapters.unit_of_work import UnitOfWork
from chalicelib.domain.moderation import FlagStatus
from chalicelib.domain.screening import screen


@dataclass(frozen=True)
class Author:
    """Who wrote the text: the flag names them, and a confirmed flag is their strike."""

    profile_id: str
    sub: str
    name: str

    @classmethod
    def of(cls, profile: profiles_repo.Profile) -> Author:
        return cls(profile.id, profile.sub, profile.display_name)


@dataclass
class Pass:
    """The screened fields of one write: masks them, and stages their flags with the write."""

    author: Author
    ref: dict[str, Any]
    flags: list[moderation_repo.Flag] = field(default_factory=list)
    _pending: list[tuple[str, dict[str, Any], str, str, list[dict[str, Any]]]] = field(default_factory=list)

    def text(self, name: str, value: str | None, suffix: str = "", **where: Any) -> str | None:
        """The text readers get: masked if anything was found (and then queued for an admin).
        `suffix` is appended unscreened (a file name's extension)."""
        if not value:
            return value
        found = screen(value)
        if not found.findings:
            return value + suffix
        findings = [{"kind": f.kind, "start": f.start, "end": f.end} for f in found.findings]
        self._pending.append((name, self.ref | where, value + suffix, found.masked + suffix, findings))
        return found.masked + suffix

    @property
    def flagged(self) -> bool:
        return bool(self._pending)

    def staged(self, at: str) -> Callable[[Any, str | None], None]:
        """`stage` as one of the extra writes a command commits with its change (services/escrow)."""
        return lambda uow, _posting_id: self.stage(cast(UnitOfWork, uow), at)

    def stage(self, uow: UnitOfWork, at: str) -> None:
        """Queue a flag per masked field, and tell the author (as chat's `MessageFlagged` does)."""
        author = (self.author.profile_id, self.author.sub, self.author.name)
        for name, ref, original, masked, findings in self._pending:
            flag = moderation_repo.new_field_flag(
                new_id(), name, ref, author, original, masked, findings, FlagStatus.FLAGGED.value, at
            )
            moderation_repo.save_flag(uow, flag)
            self.flags.append(flag)
            uow.emit(
                "ContentFlagged",
                {
                    "flagId": flag.message_id,
                    "field": name,
                    "ref": ref,
                    "kinds": sorted({f["kind"] for f in findings}),
                    "recipients": [self.author.profile_id],
                },
                at,
            )
        self._pending = []


def for_bid(bid: Any, provider: profiles_repo.Profile) -> Pass:
    """The proposal and each milestone's title and acceptance criteria, masked on the bid in place."""
    screened = Pass(Author.of(provider), {"kind": "bid", "id": bid.id, "taskId": bid.task_id})
    bid.proposal = screened.text("bid.proposal", bid.proposal) or ""
    milestones = []
    for position, milestone in enumerate(bid.milestones or []):
        title = screened.text("bid.milestones.title", milestone.get("title"), position=position)
        criteria = screened.text(
            "bid.milestones.acceptanceCriteria", milestone.get("acceptanceCriteria"), position=position
        )
        milestones.append(milestone | {"title": title, "acceptanceCriteria": criteria})
    bid.milestones = milestones
    return screened


def for_task(task: Any, owner: profiles_repo.Profile) -> Pass:
    """Title and description, masked on the task in place (a masked text screens clean again, so an
    edit that keeps a field does not flag it twice)."""
    screened = Pass(Author.of(owner), {"kind": "task", "id": task.id})
    task.title = screened.text("task.title", task.title) or ""
    task.description = screened.text("task.description", task.description) or ""
    return screened


def for_profile(profile: profiles_repo.Profile) -> Pass:
    """Display name and bio: public on the provider card, masked always (not only before an award)."""
    screened = Pass(Author.of(profile), {"kind": "profile", "id": profile.id})
    profile.display_name = screened.text("profile.displayName", profile.display_name) or ""
    profile.bio = screened.text("profile.bio", profile.bio)
    return screened


def for_review(text: str, author: profiles_repo.Profile, contract_id: str) -> tuple[str, Pass]:
    """A review's text as the reviewee and every visitor read it."""
    screened = Pass(Author.of(author), {"kind": "review", "contractId": contract_id, "reviewerId": author.id})
    return screened.text("review.text", text) or "", screened


def for_file_name(name: str, author: profiles_repo.Profile, upload_id: str) -> tuple[str, Pass]:
    """An upload's file name, shown to the other party on a message or a deliverable. The whole name,
    then without its extension: the detectors take `x@y.io.pdf` for a file name, not an address."""
    screened = Pass(Author.of(author), {"kind": "upload", "id": upload_id})
    shown = screened.text("upload.filename", name) or name
    stem, dot, extension = name.rpartition(".")
    if not screened.flagged and dot and stem and extension.isalnum() and len(extension) <= 10:
        shown = screened.text("upload.filename", stem, f".{extension}") or name
    return shown, screened


def for_milestone_text(
    name: str, text: str | None, author: profiles_repo.Profile, contract_id: str, milestone_id: str
) -> tuple[str | None, Pass]:
    """A revision reason, dispute reason or submission note: the other party reads it."""
    screened = Pass(Author.of(author), {"kind": "milestone", "contractId": contract_id, "id": milestone_id})
    return screened.text(name, text), screened
