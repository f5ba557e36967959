"""docs/api.md kept true to `GET /openapi.json`: the route index is generated, the rest is checked.

The index table (method, path, who may call, summary) between `<!-- routes:start -->` and
`<!-- routes:end -->` is written from the OpenAPI document built offline (no AWS, no server).
The prose around it is written by hand; `problems()` lists where it and the API disagree: an
operation without its `### METHOD /path` section, a `METHOD /path` or `` `/path` `` the app does
not serve, or a stale index.

    .venv/bin/python scripts/api_doc.py            # print the index block
    .venv/bin/python scripts/api_doc.py --write    # rewrite the block in docs/api.md
    .venv/bin/python scripts/api_doc.py --check    # exit 1 and list the problems
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DOC = ROOT / "docs" / "api.md"
START = "<!-- routes:start -->"
END = "<!-- routes:end -->"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# `### POST /tasks/{taskId}/bids`: one section per operation.
SECTION = re.compile(r"^#{2,4} (GET|POST|PUT|PATCH|DELETE) (/\S*)\s*$", re.MULTILINE)
# Any `METHOD /path` in the text, and any backticked `/path`.
NAMED = re.compile(r"\b(GET|POST|PUT|PATCH|DELETE) (/[\w\-./{}]*)")
CODE = re.compile(r"`([^`\n]+)`")
BARE = re.compile(r"(/[\w\-./{}]*)(?:\?.*)?")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    who: str


def openapi() -> dict[str, Any]:
    """The document `GET /openapi.json` serves, built from the registered routes."""
    import app  # noqa: F401  (registers every route)
    from chalicelib.handlers.openapi import build

    return build()


def served() -> set[tuple[str, str]]:
    """(method, path template) of everything the Chalice app routes, the back-office page included."""
    import app

    return {
        (method, _shape(path)) for path, methods in app.app.routes.items() for method in methods if method in METHODS
    }


def operations(doc: dict[str, Any]) -> list[Operation]:
    """By path, then method: the routes' registration order depends on which handler module was imported
    first (a test may import one before `app`), and the index must not."""
    found = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method.upper() in METHODS:
                found.append(Operation(method.upper(), path, _summary(op), who(op)))
    order = {method: n for n, method in enumerate(METHODS)}
    return sorted(found, key=lambda op: (op.path, order.get(op.method, len(order))))


# How the policy names of chalicelib/handlers/policy.Who read in a sentence.
WHO_WORDS = {
    "anonymous": "anyone",
    "optional": "anyone; a token widens the view",
    "signed_in": "signed in",
}


def who(op: dict[str, Any]) -> str:
    """The declared access policy (`x-access`) if the document has one, else what `security` says."""
    access = op.get("x-access")
    if access:
        return _words(access)
    security = op.get("security")
    if not security:
        return WHO_WORDS["anonymous"]
    if {} in security:
        return WHO_WORDS["optional"]
    return WHO_WORDS["signed_in"]


def _words(access: Any) -> str:
    """`{"who": "verified_provider", "admins": false, ...}` → "verified provider"; lists and text as they are."""
    if isinstance(access, str):
        return WHO_WORDS.get(access, access.replace("_", " "))
    if isinstance(access, list | tuple):
        return ", ".join(_words(a) for a in access)
    if isinstance(access, dict):
        base = access.get("who")
        if isinstance(base, str):
            words = _words(base)
            return f"{words} or admin" if access.get("admins") and base != "admin" else words
        return "; ".join(f"{k}: {_words(v)}" for k, v in access.items() if v not in (None, False, [], ""))
    return str(access)


def _summary(op: dict[str, Any]) -> str:
    """The operation's summary, tidied where /openapi.json cut a docstring at its first line break:
    before a parenthesis left open, else at the last complete clause, else marked with an ellipsis."""
    text = str(op.get("summary") or op.get("description") or "").strip().splitlines()[0:1]
    line = text[0] if text else ""
    depth = 0
    cut = None
    for i, char in enumerate(line):
        if char == "(":
            if depth == 0:
                cut = i
            depth += 1
        elif char == ")" and depth:
            depth -= 1
    if depth and cut is not None:
        line = line[:cut].rstrip(" ,;:")
    if line and line[-1] not in ".?!)`":
        head, sep, _ = line.rpartition("; ")
        line = head if sep else line + " …"
    return line


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def index(doc: dict[str, Any]) -> str:
    """The generated block, markers included."""
    rows = [
        "| method | path | who | summary |",
        "|---|---|---|---|",
        *(
            f"| {op.method} | [`{op.path}`](#{anchor(op)}) | {_cell(op.who)} | {_cell(op.summary)} |"
            for op in operations(doc)
        ),
    ]
    note = "<!-- generated by scripts/api_doc.py --write from /openapi.json; do not edit by hand -->"
    return "\n".join([START, note, "", *rows, "", END])


def anchor(op: Operation) -> str:
    """GitHub's anchor for the `### METHOD /path` heading."""
    heading = f"{op.method} {op.path}".lower()
    return re.sub(r"[^\w\- ]", "", heading).replace(" ", "-")


def render(text: str, doc: dict[str, Any]) -> str:
    """`text` with the marked block replaced by a fresh index."""
    if START not in text or END not in text:
        raise SystemExit(f"{DOC.relative_to(ROOT)} has no {START} … {END} block")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return head + index(doc) + tail


def _shape(path: str) -> str:
    """A path template with its parameter names erased and no trailing slash: `/tasks/{}/bids`."""
    path = re.sub(r"\{[^}]*\}", "{}", path)
    return path.rstrip("/") or "/"


def problems(text: str, doc: dict[str, Any], routes: set[tuple[str, str]] | None = None) -> list[str]:
    """Everything that makes docs/api.md disagree with the API; empty when it is true to it."""
    routes = served() if routes is None else routes
    found: list[str] = []
    sections = {(m, p) for m, p in SECTION.findall(text)}
    for op in operations(doc):
        if (op.method, op.path) not in sections:
            found.append(f"no section `### {op.method} {op.path}`")
    paths = {p for _, p in routes}
    for method, path in sorted(set(NAMED.findall(text))):
        if (method, _shape(path)) not in routes:
            found.append(f"names {method} {path}, which the API does not serve")
    bare = {m.group(1) for span in CODE.findall(text) if (m := BARE.fullmatch(span))}
    for path in sorted(bare):
        if _shape(path) not in paths:
            found.append(f"names `{path}`, which the API does not serve")
    if START in text and END in text and render(text, doc) != text:
        found.append("the route index is stale: run scripts/api_doc.py --write")
    elif START not in text or END not in text:
        found.append(f"no {START} … {END} block")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the marked block in docs/api.md")
    mode.add_argument("--check", action="store_true", help="list where docs/api.md and the API disagree")
    args = parser.parse_args(argv)
    doc = openapi()
    if args.write:
        text = DOC.read_text(encoding="utf-8")
        fresh = render(text, doc)
        if fresh != text:
            DOC.write_text(fresh, encoding="utf-8")
        print(f"{DOC.relative_to(ROOT)}: {len(operations(doc))} operations indexed")
        return 0
    if args.check:
        found = problems(DOC.read_text(encoding="utf-8"), doc)
        for line in found:
            print(line)
        return 1 if found else 0
    print(index(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
