"""The configuration table of docs/operations.md, generated from the Settings model.

    python scripts/config_table.py            # print the markdown table
    python scripts/config_table.py --write    # rewrite it between the markers in docs/operations.md
    python scripts/config_table.py --check    # exit 1 if docs/operations.md is out of date

tests/unit/test_settings.py fails when the doc and the model differ.
"""

from __future__ import annotations

import argparse
import sys
import types
import typing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from pydantic import AliasChoices  # noqa: E402
from pydantic.fields import FieldInfo  # noqa: E402

from chalicelib.domain.quotas import Quota  # noqa: E402
from chalicelib.settings import Settings, env_name, is_secret  # noqa: E402

DOC = ROOT / "docs" / "operations.md"
START = "<!-- config:start -->"
END = "<!-- config:end -->"


def _type(annotation: Any) -> str:
    if typing.get_origin(annotation) is typing.Annotated:
        return _type(typing.get_args(annotation)[0])
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{value}`" for value in typing.get_args(annotation))
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(_type(a) for a in typing.get_args(annotation) if a is not type(None))
    if origin is dict:
        return "JSON object"
    if annotation is Quota:
        return "`limit/seconds`"
    return getattr(annotation, "__name__", str(annotation))


def _default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is None:
        return "unset"
    if isinstance(value, dict):
        return f"`{value}`" if value else "`{}`"
    if value == "":
        return '`""`'
    return f"`{value}`"


def _names(name: str, field: FieldInfo) -> str:
    alias = field.validation_alias
    if isinstance(alias, AliasChoices):
        return " (then ".join(f"`{c}`" for c in alias.choices) + ")" * (len(alias.choices) - 1)
    return f"`{env_name(name, field)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table() -> str:
    rows = ["| variable | type | default | what |", "|---|---|---|---|"]
    for name, field in Settings.model_fields.items():
        description = field.description or ""
        if is_secret(field):
            description = f"**secret** (on AWS only from `SECRETS_ARN`): {description}"
        rows.append(f"| {_names(name, field)} | {_type(field.annotation)} | {_default(field)} | {_cell(description)} |")
    return "\n".join(rows)


def render(doc: str) -> str:
    """`doc` with the table between the markers replaced by the current one."""
    start, end = doc.find(START), doc.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{DOC.relative_to(ROOT)} has no {START} … {END} markers")
    return doc[: start + len(START)] + "\n" + table() + "\n" + doc[end:]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", action="store_true", help="rewrite the table in docs/operations.md")
    group.add_argument("--check", action="store_true", help="exit 1 if docs/operations.md is out of date")
    args = parser.parse_args(argv)
    if not (args.write or args.check):
        print(table())
        return 0
    current = DOC.read_text()
    wanted = render(current)
    if args.check:
        if wanted != current:
            print(f"{DOC.relative_to(ROOT)} is out of date: run python scripts/config_table.py --write")
            return 1
        return 0
    if wanted != current:
        DOC.write_text(wanted)
        print(f"rewrote the configuration table in {DOC.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
