"""Upload policy: allowed types and size limits per purpose, and safe file names."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.uploads import MB, Purpose, TooLarge, UnsupportedType, check, safe_filename

LIMIT_MB = {
    Purpose.VERIFICATION: 10,
    Purpose.DELIVERABLE: 200,
    Purpose.ATTACHMENT: 25,
    Purpose.MESSAGE: 10,
    Purpose.EVIDENCE: 25,
}


@pytest.mark.parametrize("purpose", list(Purpose))
@pytest.mark.parametrize("content_type", ["application/pdf", "image/png", "image/jpeg"])
def test_documents_and_images_are_allowed_for_every_purpose(purpose: Purpose, content_type: str) -> None:
    assert check(purpose, content_type, 1) == LIMIT_MB[purpose] * MB


@pytest.mark.parametrize("purpose", [Purpose.DELIVERABLE, Purpose.ATTACHMENT, Purpose.MESSAGE, Purpose.EVIDENCE])
@pytest.mark.parametrize("content_type", ["application/zip", "text/plain"])
def test_zip_and_text_are_allowed_for_work_files(purpose: Purpose, content_type: str) -> None:
    check(purpose, content_type, 1024)


@pytest.mark.parametrize(
    ("purpose", "content_type"),
    [
        (Purpose.VERIFICATION, "application/zip"),
        (Purpose.VERIFICATION, "text/plain"),
        (Purpose.DELIVERABLE, "application/x-msdownload"),
        (Purpose.ATTACHMENT, "text/html"),
        (Purpose.MESSAGE, "image/svg+xml"),
        (Purpose.DELIVERABLE, "APPLICATION/PDF"),
        (Purpose.DELIVERABLE, ""),
    ],
)
def test_disallowed_types_are_415(purpose: Purpose, content_type: str) -> None:
    with pytest.raises(UnsupportedType) as raised:
        check(purpose, content_type, 1)
    error = raised.value
    assert isinstance(error, ValidationFailed)
    assert error.status == 415
    assert error.slug == "unsupported-media-type"
    assert [e["field"] for e in error.errors] == ["contentType"]
    assert "application/pdf" in error.detail  # tells the user what is allowed


@pytest.mark.parametrize("purpose", list(Purpose))
def test_exactly_the_limit_is_allowed_one_byte_more_is_413(purpose: Purpose) -> None:
    limit = LIMIT_MB[purpose] * MB
    assert check(purpose, "application/pdf", limit) == limit
    with pytest.raises(TooLarge) as raised:
        check(purpose, "application/pdf", limit + 1)
    error = raised.value
    assert error.status == 413
    assert error.slug == "payload-too-large"
    assert error.errors == [{"field": "size", "message": f"at most {limit}"}]


def test_type_is_checked_before_size() -> None:
    with pytest.raises(UnsupportedType):
        check(Purpose.VERIFICATION, "application/zip", 10**12)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("C:\\Users\\ann\\report.pdf", "report.pdf"),
        ("/var/tmp/a/b/c.txt", "c.txt"),
        ("résumé final.pdf", "resume_final.pdf"),
        ("\x00evil.pdf", "evil.pdf"),
        ("line\nbreak.txt", "line_break.txt"),
        (".env", "env"),
        ("plain-name_1.zip", "plain-name_1.zip"),
    ],
)
def test_safe_filename_strips_paths_and_odd_characters(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


@pytest.mark.parametrize("name", ["", "..", "...", "/", "../", "日本語", "   ", "___"])
def test_safe_filename_falls_back_to_file(name: str) -> None:
    assert safe_filename(name) == "file"


def test_safe_filename_caps_the_length() -> None:
    assert len(safe_filename("a" * 500)) == 120


@given(st.text(max_size=400))
def test_safe_filename_is_always_a_short_path_free_ascii_name(name: str) -> None:
    result = safe_filename(name)
    assert 1 <= len(result) <= 120
    assert re.fullmatch(r"[A-Za-z0-9._-]+", result)
    assert "/" not in result
    assert "\\" not in result
    assert result not in (".", "..")
    assert not result.startswith(".")
    assert not result.endswith(".")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
        ("x" * 119 + ".y", "x" * 118 + ".y"),
        ("日本語.pdf", "file.pdf"),
    ],
)
def test_safe_filename_keeps_the_extension_when_shortening_or_dropping_the_stem(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_safe_filename_replaces_spaces_and_brackets() -> None:
    result = safe_filename("my report (v2).pdf")
    assert result.endswith(".pdf")
    assert result.startswith("my_report_v2")
    assert not set(result) & set(" ()")
