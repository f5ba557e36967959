"""The contract document: what one version of a contract says, as headed sections of plain lines.

Pure: the service gathers the facts (contract, milestones, parties as they may be shown, accepted
amendments, earlier signatures) and `build` turns them into a `Document` that adapters/pdf.py lays out.
The same facts always give the same document, and the document carries no clock reading and no random
id (its date is the version's own time), so its bytes and their SHA-256 are stable.

A version's document does not contain the signatures of that version: a party signs the file's SHA-256,
and writing the signature into the file would change the hash it signed. It lists the signatures of
earlier versions that carry over (see `carries_over`), and the contract record holds each signature with
the hash it signed (docs/contract-document.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chalicelib.domain.commission import commission
from chalicelib.domain.contract_terms import current_versions, nda_text, terms_text
from chalicelib.domain.moderation import Alias
from chalicelib.domain.money import CURRENCIES

DESCRIPTION_LIMIT = 800  # characters of the task description the document quotes
PLATFORM = "Tasklane"
HUB = f"{PLATFORM} hub"  # the company's counterparty on a hub contract


@dataclass(frozen=True)
class Party:
    """A party as the document names it: the profile's name and id, or an alias where anonymity holds."""

    role: str  # customer | provider
    name: str
    reference: str  # the profile id, or the alias id
    anonymous: bool = False


def provider_stays_anonymous(hub: bool) -> bool:
    """Whether the document shows the provider only by the task's alias. An award reveals an anonymous provider
    (docs/trust-and-safety.md "Anonymity"), so an ordinary contract names them; a hub contract is between the
    company and the hub, and the expert stays anonymous to the company for the whole contract, whether or not
    their profile is anonymous. One file serves every reader of a version, so the rule depends on the contract
    only, never on who downloads it (docs/hub-mode.md)."""
    return hub


def shown_provider(profile_id: str, display_name: str, masked_as: Alias | None) -> Party:
    """The provider under their alias when one is given (no real name or id reaches the document), else by name."""
    if masked_as is not None:
        return Party("provider", masked_as.name, masked_as.id, anonymous=True)
    return Party("provider", display_name, profile_id)


@dataclass(frozen=True)
class MilestoneTerms:
    milestone_id: str
    position: int
    title: str
    amount: int  # minor units
    due_date: str
    acceptance_criteria: str | None
    status: str  # when this version was issued


@dataclass(frozen=True)
class AmendmentTerms:
    """An accepted amendment: the version it made, who proposed it, why, and its changes as stored."""

    amendment_id: str
    version: int
    proposed_by: str
    reason: str
    decided_at: str
    changes: tuple[Mapping[str, Any], ...]


@dataclass(frozen=True)
class Signature:
    role: str
    at: str
    version: int  # the contract version signed
    terms_version: str
    nda_version: str
    document_sha256: str | None  # None for a signature made before documents were hashed


def signature_from_record(role: str, record: Mapping[str, Any]) -> Signature:
    """A stored `signatures[role]` entry (older ones lack the version and the hash: they signed version 1)."""
    return Signature(
        role=role,
        at=str(record.get("at", "")),
        version=int(record.get("version") or 1),
        terms_version=str(record.get("termsVersion", "")),
        nda_version=str(record.get("ndaVersion", "")),
        document_sha256=record.get("documentSha256"),
    )


def carries_over(signature: Signature, terms_version: str, nda_version: str) -> bool:
    """A signature stays valid for a later version as long as the terms and NDA texts it accepted are the ones
    in force. An amendment changes only milestones (titles, amounts, dates, criteria), and the proposal by one
    party and the acceptance by the other are both parties' consent to it; a new terms or NDA text is not
    covered by any earlier signature and needs new ones."""
    return (signature.terms_version, signature.nda_version) == (terms_version, nda_version)


def versions_in_force(signatures: Sequence[Signature]) -> tuple[str, str]:
    """(terms, NDA) versions the contract runs under: those its first signature accepted (both parties sign
    the same document); an unsigned contract gets the current ones."""
    if not signatures:
        return current_versions()
    first = min(signatures, key=lambda s: (s.at, s.role))
    return first.terms_version, first.nda_version


@dataclass(frozen=True)
class Facts:
    """Everything one version's document says, as plain data."""

    contract_id: str
    version: int
    issued_at: str  # ISO 8601: the contract's creation for version 1, the amendment's acceptance after it
    title: str
    category: str
    task_id: str
    task_description: str
    currency: str
    total: int
    commission_bps: int
    customer: Party
    provider: Party
    milestones: tuple[MilestoneTerms, ...]
    terms_version: str
    nda_version: str
    amendments: tuple[AmendmentTerms, ...] = ()
    signatures: tuple[Signature, ...] = ()  # earlier versions' signatures, as recorded
    hub: bool = False  # a hub contract: the hub is the company's counterparty, the expert only an alias

    def __post_init__(self) -> None:
        if self.hub and not self.provider.anonymous:
            # the one file every reader gets must not name a hub's expert: fail rather than print the name
            raise ValueError("a hub contract's document shows the expert by the task's alias only")


@dataclass(frozen=True)
class Line:
    text: str
    strong: bool = False
    indent: int = 0  # levels


@dataclass(frozen=True)
class Section:
    heading: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Document:
    title: str
    subject: str
    issued_at: datetime  # the PDF's fixed creation date
    filename: str
    sections: tuple[Section, ...]
    footer: str
    keywords: tuple[str, ...] = field(default=())

    def text(self) -> str:
        """Every word of the document, in order (what a reader of the PDF sees)."""
        parts = [self.title, self.subject]
        for section in self.sections:
            parts.append(section.heading)
            parts.extend(line.text for line in section.lines)
        parts.append(self.footer)
        return "\n".join(parts)


def format_money(amount: int, currency: str) -> str:
    """`EUR 1,234.56`: minor units shown with the currency's exponent, no float on the way."""
    exponent = CURRENCIES.get(currency, 2)
    sign = "-" if amount < 0 else ""
    major, minor = divmod(abs(amount), 10**exponent)
    return f"{currency} {sign}{major:,}" + (f".{minor:0{exponent}d}" if exponent else "")


def format_time(iso: str) -> str:
    """`2026-12-02 05:42 UTC` from a stored ISO time (a value that is not one is shown as it is)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def issued_moment(iso: str) -> datetime:
    """The version's time as an aware datetime (the Unix epoch if the stored value is not a time)."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def summary(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """The text with its whitespace collapsed, cut at a word boundary after at most `limit` characters."""
    flat = re.sub(r"\s+", " ", text).strip()
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0] or flat[:limit]
    return cut + " ..."


def build(facts: Facts) -> Document:
    """The document of one version of a contract."""
    sections = (
        _header(facts),
        _parties(facts),
        _task(facts),
        _milestones(facts),
        _price(facts),
        _text_section(f"Terms of service (version {facts.terms_version})", terms_text(facts.terms_version)),
        _text_section(f"Non-disclosure agreement (version {facts.nda_version})", nda_text(facts.nda_version)),
        _amendments(facts),
        _signatures(facts),
    )
    return Document(
        title=f"{PLATFORM} service contract",
        subject=f"Contract {facts.contract_id}, version {facts.version}",
        issued_at=issued_moment(facts.issued_at),
        filename=f"contract-{facts.contract_id}-v{facts.version}.pdf",
        sections=sections,
        footer=f"Contract {facts.contract_id} - version {facts.version} - issued {format_time(facts.issued_at)}",
        keywords=(facts.contract_id, f"v{facts.version}"),
    )


def _header(facts: Facts) -> Section:
    return Section(
        "Contract",
        (
            Line(f"Contract id: {facts.contract_id}"),
            Line(f"Version: {facts.version}"),
            Line(f"Issued: {format_time(facts.issued_at)}"),
            Line(f"Title: {facts.title}", strong=True),
        ),
    )


def _party_line(party: Party) -> Line:
    label = party.role.capitalize()
    if party.anonymous:
        return Line(f"{label}: {party.name} (anonymous expert, id {party.reference})")
    return Line(f"{label}: {party.name} (profile {party.reference})")


def _parties(facts: Facts) -> Section:
    escrow = Line(f"Escrow and marketplace: {PLATFORM}, which holds funded milestones until they are settled.")
    if facts.hub:
        expert = facts.provider
        return Section(
            "Parties",
            (
                _party_line(facts.customer),
                Line(f"Counterparty: {HUB} (on behalf of the expert)", strong=True),
                Line(
                    f"The {HUB} contracts with the customer for the work, reviews offers and deliverables before "
                    "they reach the customer, and carries all communication between the customer and the expert.",
                    indent=1,
                ),
                Line(f"Expert doing the work, through the hub: {expert.name} (id {expert.reference})", indent=1),
                escrow,
            ),
        )
    return Section("Parties", (_party_line(facts.customer), _party_line(facts.provider), escrow))


def _task(facts: Facts) -> Section:
    return Section(
        "Task",
        (
            Line(f"Task id: {facts.task_id}"),
            Line(f"Category: {facts.category}"),
            Line(summary(facts.task_description) or "(no description)"),
        ),
    )


def _milestones(facts: Facts) -> Section:
    lines: list[Line] = []
    for number, item in enumerate(sorted(facts.milestones, key=lambda m: m.position), start=1):
        lines.append(Line(f"{number}. {item.title}", strong=True))
        lines.append(
            Line(
                f"Amount {format_money(item.amount, facts.currency)} - due {item.due_date} - "
                f"status when issued: {item.status} - id {item.milestone_id}",
                indent=1,
            )
        )
        criteria = (item.acceptance_criteria or "").strip() or "none stated: the customer's review decides"
        lines.append(Line(f"Acceptance criteria: {criteria}", indent=1))
    return Section("Milestones", tuple(lines) or (Line("No milestones."),))


def _price(facts: Facts) -> Section:
    fee = sum(commission(m.amount, facts.commission_bps) for m in facts.milestones)
    rate = f"{facts.commission_bps // 100}.{facts.commission_bps % 100:02d} %"
    return Section(
        "Price and commission",
        (
            Line(f"Total: {format_money(facts.total, facts.currency)}", strong=True),
            Line(
                f"Platform commission: {rate} of each released amount, rounded half up to the minor unit per "
                f"release: {format_money(fee, facts.currency)} if every milestone is released as priced, "
                f"the provider receiving {format_money(facts.total - fee, facts.currency)}."
            ),
        ),
    )


def _text_section(heading: str, text: str) -> Section:
    return Section(heading, tuple(Line(paragraph) for paragraph in text.split("\n")))


def _change_line(change: Mapping[str, Any], titles: Mapping[str, str], currency: str) -> str:
    op = str(change.get("op", "?"))
    target = str(change.get("milestoneId", ""))
    named = f'"{titles[target]}" ({target})' if target in titles else target
    details: list[str] = []
    if "title" in change:
        details.append(f'title "{change["title"]}"')
    amount = change.get("amount")
    if isinstance(amount, Mapping):
        details.append(f"amount {format_money(int(amount.get('amount', 0)), str(amount.get('currency', currency)))}")
    if change.get("dueDate"):
        details.append(f"due {change['dueDate']}")
    if change.get("acceptanceCriteria"):
        details.append(f"acceptance criteria: {change['acceptanceCriteria']}")
    if op == "add":
        return "Adds a milestone: " + ", ".join(details)
    if op == "remove":
        return f"Removes milestone {named}"
    return f"Changes milestone {named}: " + ", ".join(details)


def _amendments(facts: Facts) -> Section:
    if not facts.amendments:
        return Section("Amendments", (Line("None: this is the contract as awarded."),))
    titles = {m.milestone_id: m.title for m in facts.milestones}
    lines: list[Line] = []
    for amendment in sorted(facts.amendments, key=lambda a: a.version):
        lines.append(
            Line(
                f"Amendment {amendment.amendment_id}: version {amendment.version}, proposed by the "
                f"{amendment.proposed_by}, accepted {format_time(amendment.decided_at)}",
                strong=True,
            )
        )
        lines.append(Line(f"Reason: {amendment.reason}", indent=1))
        lines.extend(Line(_change_line(c, titles, facts.currency), indent=1) for c in amendment.changes)
    return Section("Amendments", tuple(lines))


def _signatures(facts: Facts) -> Section:
    names = {"customer": facts.customer.name, "provider": facts.provider.name}
    lines = [
        Line(
            f"A signature of version {facts.version} is given on {PLATFORM} and records the time, the terms and "
            "NDA versions and the SHA-256 of this file. It is kept with the contract, not written into this "
            "file, so that the hash stays the one that was signed."
        )
    ]
    if facts.signatures:
        lines.append(Line("Signatures of earlier versions, and whether they cover this one:"))
    for signature in sorted(facts.signatures, key=lambda s: (s.at, s.role)):
        valid = carries_over(signature, facts.terms_version, facts.nda_version)
        verdict = (
            "carries over to this version (its amendments changed milestones only)"
            if signature.version < facts.version and valid
            else "signs this version"
            if valid
            else "does not cover this version's terms: a new signature is needed"
        )
        lines.append(
            Line(
                f"{signature.role.capitalize()} {names.get(signature.role, '')} signed version {signature.version} "
                f"on {format_time(signature.at)} (terms {signature.terms_version}, NDA {signature.nda_version}): "
                f"{verdict}.",
                indent=1,
            )
        )
        lines.append(Line(f"SHA-256 signed: {signature.document_sha256 or 'not recorded'}", indent=2))
    return Section("Signatures", tuple(lines))
