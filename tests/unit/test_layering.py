"""Request bodies stay at the HTTP edge: services and the domain take commands, never pydantic models.

And the edge stays cheap: importing the app (the Lambda cold start) loads no request model.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("chalicelib.schemas", "pydantic")


def forbidden_imports(source: str, forbidden: tuple[str, ...] = FORBIDDEN) -> list[str]:
    """Every module of `forbidden` (or below it) that `source` imports, at any depth, lazily or not."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [name for name in names if any(name == f or name.startswith(f + ".") for f in forbidden)]
    return found


@pytest.mark.parametrize("layer", ["services", "domain"])
def test_services_and_the_domain_import_no_request_model(layer: str) -> None:
    modules = sorted((ROOT / "chalicelib" / layer).glob("*.py"))
    assert len(modules) > 5
    offenders = {path.name: found for path in modules if (found := forbidden_imports(path.read_text()))}
    assert offenders == {}


@pytest.mark.parametrize(
    "source",
    [
        "from chalicelib.schemas import CreateProfile",
        "from chalicelib.schemas.tasks import TaskFields",
        "from chalicelib import schemas",
        "import chalicelib.schemas.bids",
        "def f():\n    from pydantic import BaseModel\n",
        "import pydantic.alias_generators",
    ],
)
def test_the_check_sees_every_form_of_import(source: str) -> None:
    assert forbidden_imports(source)


def test_the_check_leaves_the_domain_alone() -> None:
    assert forbidden_imports("from chalicelib.domain.tasks import NewTask\nimport chalicelib.services.tasks") == []


def test_importing_the_app_loads_no_request_model() -> None:
    """Handlers name their bodies with chalicelib.schemas.lazy: pydantic loads with the first request that has one."""
    code = "import app, sys; print(sorted(m for m in sys.modules if m.startswith(('pydantic', 'chalicelib.schemas'))))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "['chalicelib.schemas']"
