"""Services speak domain terms: keys, indexes, PynamoDB models and transactions belong to the repositories.

A new feature's service code then never learns the table layout, and a change of layout (a new
index, a sharded partition) touches one repository instead of every service that writes there.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit.test_layering import forbidden_imports

SERVICES = Path(__file__).resolve().parents[2] / "chalicelib" / "services"
TABLE_LAYOUT = (
    "pynamodb",
    "chalicelib.adapters.table",
    "chalicelib.adapters.payment_models",
    "chalicelib.adapters.chat_models",
    "chalicelib.adapters.metrics_models",
    "chalicelib.adapters.transactions",
)
KEY_STRING = re.compile(r'pynamodb|PK#|f"[A-Z]*#')  # the issue's own grep


def _services() -> list[Path]:
    modules = sorted(SERVICES.glob("*.py"))
    assert len(modules) > 15
    return modules


def test_no_service_imports_the_table_layout() -> None:
    offenders = {p.name: found for p in _services() if (found := forbidden_imports(p.read_text(), TABLE_LAYOUT))}
    assert offenders == {}


def test_no_service_builds_a_key() -> None:
    offenders = {
        f"{p.name}:{n}": line.strip()
        for p in _services()
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if KEY_STRING.search(line)
    }
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "from pynamodb.exceptions import PutError",
        "from chalicelib.adapters.table import TaskItem",
        "from chalicelib.adapters import payment_models",
        "def f():\n    from chalicelib.adapters.transactions import transaction\n",
    ],
)
def test_the_check_sees_the_table_layout_however_it_is_imported(source: str) -> None:
    assert forbidden_imports(source, TABLE_LAYOUT)


def test_the_key_check_sees_key_strings() -> None:
    assert KEY_STRING.search('pk=f"BID#{bid_id}"') and KEY_STRING.search('"USERPK#x"')
    assert not KEY_STRING.search('f"{task.id} is closed"')
