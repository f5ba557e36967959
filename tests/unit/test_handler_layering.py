"""Handlers are edges: they parse, call a service and render; the table and the gateways are the services' business.

Every import counts, the lazy ones inside functions too (the blueprints import their services there).
`handlers/http.py` is the one exception: it runs the Idempotency-Key store around money routes.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ROOT / "chalicelib" / "handlers"
ALLOWED = {"http.py"}


def adapter_imports(source: str) -> list[str]:
    """The `chalicelib.adapters` modules a module imports, wherever the import statement is."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] if node.module != "chalicelib" else [f"chalicelib.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [n for n in names if n == "chalicelib.adapters" or n.startswith("chalicelib.adapters.")]
    return found


def test_no_handler_imports_an_adapter() -> None:
    offenders = {
        path.name: imports
        for path in sorted(HANDLERS.glob("*.py"))
        if path.name not in ALLOWED and (imports := adapter_imports(path.read_text()))
    }
    assert offenders == {}


def test_the_check_sees_every_form_of_import() -> None:
    source = """
import chalicelib.adapters.table
from chalicelib import adapters
from chalicelib.adapters import contracts_repo

def route():
    from chalicelib.adapters.gateways import gateway
    from chalicelib.services import escrow
"""
    assert adapter_imports(source) == [
        "chalicelib.adapters.table",
        "chalicelib.adapters",
        "chalicelib.adapters",
        "chalicelib.adapters.gateways",
    ]
    assert len(list(HANDLERS.glob("*.py"))) > len(ALLOWED) + 5  # the walk really looks at the blueprints
