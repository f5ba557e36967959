"""The contract document's model (domain/contract_document.py) and its PDF (adapters/pdf.py), without AWS."""

from __future__ import annotations

import hashlib
import re
import zlib
from dataclasses import replace
from typing import Any

import pytest

from chalicelib.adapters.pdf import printable, render
from chalicelib.domain import contract_document as cd
from chalicelib.domain.contract_terms import NDA, TERMS, nda_text, terms_text
from chalicelib.domain.contracts import NDA_VERSION, TERMS_VERSION
from chalicelib.domain.moderation import alias

V = "2026-11-01"
SIGNED_V1 = "ab" * 32
EUR_300 = {"amount": 30000, "currency": "EUR"}


def facts(**changes: Any) -> cd.Facts:
    base = cd.Facts(
        contract_id="01CONTRACT",
        version=1,
        issued_at="2026-11-20T10:00:00.000Z",
        title="Data pipeline, phase 1",
        category="data-engineering",
        task_id="01TASK",
        task_description="Move the nightly ETL to Airflow.\n\nKeep the reports as they are.",
        currency="EUR",
        total=150000,
        commission_bps=1000,
        customer=cd.Party("customer", "Acme GmbH", "cust-1"),
        provider=cd.shown_provider("prov-1", "Jana Nováková", None),
        milestones=(
            cd.MilestoneTerms("m-1", 0, "Design", 50001, "2026-12-31", "Design doc approved", "pending"),
            cd.MilestoneTerms("m-2", 1, "Build", 99999, "2027-01-31", None, "pending"),
        ),
        terms_version=V,
        nda_version=V,
    )
    return replace(base, **changes)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_document_names_the_parties_and_quotes_milestones_terms_and_nda() -> None:
    text = cd.build(facts()).text()

    assert "Customer: Acme GmbH (profile cust-1)" in text
    assert "Provider: Jana Nováková (profile prov-1)" in text
    assert "Contract id: 01CONTRACT" in text and "Version: 1" in text and "Issued: 2026-11-20 10:00 UTC" in text
    assert "Amount EUR 500.01 - due 2026-12-31 - status when issued: pending" in text
    assert "Acceptance criteria: Design doc approved" in text
    assert "Acceptance criteria: none stated" in text  # the second milestone has none
    assert "Total: EUR 1,500.00" in text
    # 10 % per release, half up: 50.00 (5000.1) + 100.00 (9999.9) = 150.00, not 10 % of the total by chance
    assert "EUR 150.00 if every milestone is released as priced, the provider receiving EUR 1,350.00" in text
    assert f"Terms of service (version {V})" in text and TERMS[V].split("\n")[0] in text
    assert f"Non-disclosure agreement (version {V})" in text and NDA[V].split("\n")[-1] in text
    assert "None: this is the contract as awarded." in text


def test_an_anonymous_provider_appears_only_by_alias_where_anonymity_holds() -> None:
    masked = alias(b"test-key", "prov-1", "01TASK")
    shown = cd.shown_provider("prov-1", "Jana Nováková", masked)
    text = cd.build(facts(provider=shown)).text()

    assert f"Provider: {masked.name} (anonymous expert, id {masked.id})" in text
    assert "Nováková" not in text and "prov-1" not in text
    # the rule: an award reveals an anonymous provider; a hub contract keeps every expert's alias throughout
    assert cd.provider_stays_anonymous(hub=True)
    assert not cd.provider_stays_anonymous(hub=False)


def test_a_hub_contract_names_the_hub_as_counterparty_and_the_expert_only_by_alias() -> None:
    masked = alias(b"test-key", "prov-1", "01TASK")
    signed = cd.Signature("provider", "2026-11-21T09:00:00.000Z", 1, V, V, SIGNED_V1)
    hub = facts(
        hub=True, provider=cd.shown_provider("prov-1", "Jana Nováková", masked), version=2, signatures=(signed,)
    )
    document = cd.build(hub)
    text = document.text()
    (parties,) = [s for s in document.sections if s.heading == "Parties"]

    assert [line.text for line in parties.lines][:2] == [
        "Customer: Acme GmbH (profile cust-1)",
        "Counterparty: Tasklane hub (on behalf of the expert)",
    ]
    assert f"Expert doing the work, through the hub: {masked.name} (id {masked.id})" in text
    assert f"Provider {masked.name} signed version 1" in text  # earlier signatures by the alias too
    assert "Nováková" not in text and "prov-1" not in text
    assert "Provider:" not in text  # no party line for the expert: the hub is the counterparty
    assert b"Counterparty: Tasklane hub (on behalf of the expert)" in page_text(render(document))

    # the same file serves every reader, so a hub document that would name the expert is refused outright
    with pytest.raises(ValueError, match="alias"):
        facts(hub=True)
    assert "Tasklane hub" not in cd.build(facts()).text()  # an ordinary contract names both parties


def test_accepted_amendments_are_listed_with_their_reasons_and_changes() -> None:
    amendment = cd.AmendmentTerms(
        amendment_id="01AMEND",
        version=2,
        proposed_by="provider",
        reason="the client asked for a dashboard",
        decided_at="2026-12-01T08:30:00.000Z",
        changes=(
            {
                "op": "add",
                "title": "Dashboard",
                "amount": {"amount": 30000, "currency": "EUR"},
                "dueDate": "2027-02-28",
            },
            {"op": "change", "milestoneId": "m-2", "dueDate": "2027-02-15"},
            {"op": "remove", "milestoneId": "m-9"},
        ),
    )
    text = cd.build(facts(version=2, issued_at="2026-12-01T08:30:00.000Z", amendments=(amendment,))).text()

    assert "Amendment 01AMEND: version 2, proposed by the provider, accepted 2026-12-01 08:30 UTC" in text
    assert "Reason: the client asked for a dashboard" in text
    assert 'Adds a milestone: title "Dashboard", amount EUR 300.00, due 2027-02-28' in text
    assert 'Changes milestone "Build" (m-2): due 2027-02-15' in text
    assert "Removes milestone m-9" in text  # gone from the contract: named by its id
    assert "None: this is the contract as awarded." not in text


def test_earlier_signatures_carry_over_unless_the_terms_changed() -> None:
    earlier = cd.signature_from_record(
        "customer",
        {"at": "2026-11-21T09:00:00.000Z", "termsVersion": V, "ndaVersion": V, "documentSha256": SIGNED_V1},
    )
    assert (earlier.version, earlier.document_sha256) == (1, SIGNED_V1)  # no `version` stored: version 1
    assert cd.carries_over(earlier, V, V)
    assert not cd.carries_over(earlier, "2027-01-01", V)
    assert not cd.carries_over(earlier, V, "2027-01-01")

    same_terms = cd.build(facts(version=2, signatures=(earlier,))).text()
    assert "Customer Acme GmbH signed version 1 on 2026-11-21 09:00 UTC" in same_terms
    assert f"SHA-256 signed: {SIGNED_V1}" in same_terms
    assert "carries over to this version" in same_terms

    new_terms = cd.build(facts(version=2, terms_version="2027-01-01", signatures=(earlier,))).text()
    assert "a new signature is needed" in new_terms and "carries over" not in new_terms
    assert "(the text of this version is not on file)" in new_terms  # an unknown version never fails


def test_the_terms_in_force_are_those_signed_else_the_current_ones() -> None:
    assert cd.versions_in_force([]) == (TERMS_VERSION, NDA_VERSION)
    old = cd.Signature("provider", "2026-01-01T00:00:00Z", 1, "2025-06-01", "2025-06-02", None)
    new = cd.Signature("customer", "2026-02-01T00:00:00Z", 1, TERMS_VERSION, NDA_VERSION, None)
    assert cd.versions_in_force([new, old]) == ("2025-06-01", "2025-06-02")  # the first signature's
    assert terms_text(TERMS_VERSION) != nda_text(NDA_VERSION) and len(terms_text(TERMS_VERSION)) > 500


def test_the_same_facts_give_the_same_bytes_and_a_new_version_other_bytes() -> None:
    first = render(cd.build(facts()))
    again = render(cd.build(facts()))

    assert first.startswith(b"%PDF-") and first.rstrip().endswith(b"%%EOF")
    assert sha(first) == sha(again)
    assert b"/CreationDate (D:20261120100000Z" in first  # the version's own time, not the clock
    assert sha(render(cd.build(facts(version=2)))) != sha(first)
    assert sha(render(cd.build(facts(title="Data pipeline, phase 2")))) != sha(first)


def test_text_outside_latin_1_is_kept_as_code_points_never_dropped() -> None:
    assert printable("Jana Nováková") == "Jana Nováková"  # Latin-1: as it is
    assert (
        printable("Dvořák \u2013 Łukasz \u201cquoted\u201d \u2026") == 'Dvorák - Lukasz "quoted" ...'
    )  # á is Latin-1, ř is not
    assert printable("张伟 🚀") == "[U+5F20][U+4F1F] [U+1F680]"
    assert printable("a\u200bb\tc\x85d") == "ab c d"  # zero-width dropped, controls print as spaces
    pdf = render(cd.build(facts(customer=cd.Party("customer", "张伟", "cust-1"))))
    assert b"Customer: [U+5F20][U+4F1F] (profile cust-1)" in page_text(pdf)


def page_text(pdf: bytes) -> bytes:
    """The text shown on the PDF's pages, wrapped lines joined by a space (fpdf2 wraps at spaces)."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.DOTALL)
    content = b"\n".join(zlib.decompress(s) for s in streams if s[:1] == b"x")
    shown = re.findall(rb"\(((?:[^()\\]|\\.)*)\) Tj", content)
    return b" ".join(re.sub(rb"\\(.)", rb"\1", s) for s in shown)


def test_money_and_summaries_are_formatted_without_floats() -> None:
    assert cd.format_money(123456789, "EUR") == "EUR 1,234,567.89"
    assert cd.format_money(5, "USD") == "USD 0.05"
    long = "word " * 400
    cut = cd.summary(long, 50)
    assert len(cut) <= 54 and cut.endswith(" ...") and "  " not in cut


def test_fpdf_is_imported_on_first_render_only() -> None:
    """fpdf2 brings fontTools and Pillow (~1 s): no cold start but the first document's pays for it."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import app, chalicelib.services.contracts, chalicelib.adapters.pdf, sys; print('fpdf' in sys.modules); "
        "from chalicelib.adapters.pdf import render; from chalicelib.domain import contract_document; "
        "import fpdf; print('fpdf' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["False", "True"], result.stderr
