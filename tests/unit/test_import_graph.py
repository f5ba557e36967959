"""No import cycle in chalicelib, and a pure domain: read from the source, lazy imports inside functions included.

A cycle hidden behind a function-level import still ties two modules together (one cannot be understood,
tested or moved without the other), so every import statement is an edge here.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"
PURE_LIBRARIES = {"phonenumbers", "tldextract"}  # pinned, pure Python, no I/O at import


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module named by an import statement anywhere in the file (relative imports resolved)."""
    package = _module(path).split(".") if path.name == "__init__.py" else _module(path).split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1] if node.level else [])
            module = ".".join(p for p in (base, node.module or "") if p)
            names.add(module)
            names |= {f"{module}.{a.name}" for a in node.names}  # `from pkg import module`
    return names


def import_graph() -> dict[str, set[str]]:
    modules = {_module(p): p for p in PACKAGE.rglob("*.py")}
    return {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_chalicelib_has_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 50 and graph["chalicelib.services.escrow"]  # the walk sees the package and its edges
    assert cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def foreign(names: set[str]) -> set[str]:
    """What a domain module may not import: anything but the domain, the standard library and the pure libraries."""
    return {
        name
        for name in names
        if not (name == "chalicelib.domain" or name.startswith("chalicelib.domain."))
        and name.split(".")[0] not in sys.stdlib_module_names | PURE_LIBRARIES
    }


def test_the_domain_imports_only_the_standard_library_and_pinned_pure_libraries() -> None:
    outside = {
        path.name: sorted(found) for path in (PACKAGE / "domain").rglob("*.py") if (found := foreign(_imports(path)))
    }
    assert outside == {}
    assert foreign({"datetime", "tldextract", "chalicelib.domain.money", "boto3", "chalicelib.adapters.table"}) == {
        "boto3",
        "chalicelib.adapters.table",
    }
