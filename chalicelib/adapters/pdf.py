"""Lays out a domain `Document` as a PDF with fpdf2 (imported on first use: the library costs a cold start).

Fonts: the PDF core font Helvetica, which every reader has, so nothing is embedded and no font file ships.
It covers Latin-1 only, so `printable` makes any text safe for it: typographic punctuation becomes its
ASCII twin, letters outside Latin-1 lose their accent (Dvořák → Dvorák, Łukasz → Lukasz), and every
character still outside Latin-1 (Cyrillic, CJK, emoji, ...) is written as its code point `[U+4F60]`:
nothing a party typed is silently dropped, and the profile ids beside each name identify the parties
beyond doubt (docs/contract-document.md).

Deterministic bytes: the creation date is the document's own (the version's time), fpdf2's file /ID is a
hash of the content, and nothing else varies, so the same document gives the same bytes and SHA-256.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from chalicelib.domain.contract_document import Document

MARGIN = 18  # mm
LINE = 5.0  # mm per line of body text
INDENT = 6  # mm per indent level
_ASCII = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2013": "-",
    "\u2014": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2026": "...",
    "\u2022": "*",
    "\u20ac": "EUR",
    "\u2122": "(TM)",
    "\u2192": "->",
    "\u0141": "L",
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0152": "OE",
    "\u0153": "oe",
    "\u0131": "i",
}
_DROPPED = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}  # zero-width characters


def printable(text: str) -> str:
    """The text in Latin-1, readable and lossless where it can be: see the module's docstring."""
    out: list[str] = []
    for char in text:
        if char in _DROPPED:
            continue
        if char == "\n":
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") or char in ("\u00ad",):
            out.append(" ")  # control and format characters (and the C1 range Latin-1 holds) print as nothing
        elif unicodedata.category(char) == "Zs":
            out.append(" ")
        elif ord(char) < 0x100:
            out.append(char)
        elif char in _ASCII:
            out.append(_ASCII[char])
        else:
            base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
            if base and all(ord(c) < 0x100 and unicodedata.category(c)[0] != "C" for c in base):
                out.append(base)
            else:
                out.append(f"[U+{ord(char):04X}]")
    return "".join(out)


def render(document: Document) -> bytes:
    """The PDF's bytes: A4, Helvetica, a heading per section, the footer and page number on every page."""
    from fpdf import FPDF

    footer = printable(document.footer)

    class _Pdf(FPDF):  # type: ignore[misc]
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("Helvetica", size=8)
            self.cell(0, 5, f"{footer} - page {self.page_no()}/{{nb}}", align="C")

    pdf: Any = _Pdf(format="A4", unit="mm")
    pdf.set_creation_date(document.issued_at)
    pdf.set_title(printable(document.title))
    pdf.set_subject(printable(document.subject))
    pdf.set_author("Tasklane")
    pdf.set_creator("Tasklane")
    pdf.set_keywords(printable(" ".join(document.keywords)))
    pdf.set_lang("en")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.multi_cell(0, 8, printable(document.title), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.multi_cell(0, LINE, printable(document.subject), align="L", new_x="LMARGIN", new_y="NEXT")
    for section in document.sections:
        pdf.ln(3)
        pdf.set_font("Helvetica", style="B", size=12)
        pdf.multi_cell(0, 7, printable(section.heading), align="L", new_x="LMARGIN", new_y="NEXT")
        for line in section.lines:
            pdf.set_font("Helvetica", style="B" if line.strong else "", size=10)
            offset = INDENT * line.indent
            pdf.set_x(MARGIN + offset)
            pdf.multi_cell(pdf.epw - offset, LINE, printable(line.text), align="L", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
