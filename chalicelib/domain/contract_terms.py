"""The texts of the contract terms and the NDA, by version.

A signature names the versions it accepted (`termsVersion`, `ndaVersion`) and the contract document
prints the texts of those versions, so a published text is never edited: a new text gets a new
version here (and `TERMS_VERSION` / `NDA_VERSION` in domain/contracts.py name the one new contracts
get). A contract signed under an older version keeps printing that version's text.
"""

from __future__ import annotations

from chalicelib.domain.contracts import NDA_VERSION, TERMS_VERSION

TERMS: dict[str, str] = {
    "2026-11-01": "\n".join(
        (
            "1. Scope. The provider performs the work described by the task and the milestones of this "
            "contract; the customer pays each milestone's amount. Tasklane runs the marketplace and holds "
            "the escrow; it is not a party to the work.",
            "2. Escrow. The customer funds a milestone before work on it is due. Funded money is held by "
            "Tasklane until the milestone is released, refunded on termination or split after a dispute.",
            "3. Delivery and review. The provider submits the milestone's deliverables. The customer "
            "accepts them, asks for a revision with a reason, or disputes them within the review window; "
            "a submission not decided within the review window is accepted.",
            "4. Payment. On acceptance the milestone's amount is released to the provider less the "
            "platform commission stated in this contract, rounded half up to the minor unit.",
            "5. Changes. Milestones change only by an amendment proposed by one party and accepted by the "
            "other; each accepted amendment issues a new version of this contract.",
            "6. Termination. The parties may end the contract by agreement, or an admin may end it. "
            "Unfunded milestones are cancelled, funded but undelivered milestones are refunded to the "
            "customer, money already released stays with the provider.",
            "7. Disputes. A party may dispute a milestone under review; the customer may also dispute a "
            "funded milestone that was not delivered. Tasklane decides on the evidence of both parties "
            "and may split the escrow between them.",
            "8. Intellectual property. Rights in a deliverable pass to the customer when its milestone "
            "is released, unless the milestone's acceptance criteria say otherwise.",
            "9. Conduct. The parties keep their communication and payments for this work on Tasklane.",
        )
    ),
}

NDA: dict[str, str] = {
    "2026-11-01": "\n".join(
        (
            "1. Confidential information is everything a party discloses for this contract that is not "
            "public: task materials, data, code, credentials, business information and deliverables.",
            "2. The receiving party uses it only to perform or receive the work of this contract, shares "
            "it only with people who need it for that work and are bound by the same duty, and protects "
            "it at least as carefully as its own confidential information.",
            "3. The duty does not cover information that is or becomes public through no fault of the "
            "receiving party, that it already had or developed independently, or that it must disclose "
            "by law (after telling the other party, where the law allows).",
            "4. On termination or completion the receiving party returns or deletes the confidential "
            "information on request, except copies the law requires it to keep.",
            "5. This duty lasts for the contract and three years after it ends.",
        )
    ),
}

MISSING = "(the text of this version is not on file)"


def terms_text(version: str) -> str:
    """The terms' text of a version (a placeholder, never an error, for a version this code does not know)."""
    return TERMS.get(version, MISSING)


def nda_text(version: str) -> str:
    """The NDA's text of a version (a placeholder, never an error, for a version this code does not know)."""
    return NDA.get(version, MISSING)


def current_versions() -> tuple[str, str]:
    """(terms version, NDA version) that a contract signed now accepts."""
    return TERMS_VERSION, NDA_VERSION
