"""The CDK app: `cdk synth|deploy -c stage=dev|prod`, or `python infra/app.py [-c key=value ...]`.

Run directly (no CDK CLI, no npm), it reads the context of cdk.json like the CLI does and
writes the cloud assembly to $CDK_OUTDIR (default cdk.out): that is `make synth`.

Context keys: stage (dev|prod), frontendOrigin (comma-separated origins for S3 CORS; required
for prod), payments (sandbox|stripe; prod defaults to stripe), reviewWindowSeconds, alarmEmail,
logRetentionDays, apiRateLimit and apiBurstLimit (stage throttling), wafRateLimit (per IP, 5 minutes).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def cli_context(argv: list[str]) -> dict[str, str]:
    """`-c key=value` / `--context key=value`, as the CDK CLI takes them."""
    context: dict[str, str] = {}
    args = iter(argv)
    for arg in args:
        if arg in ("-c", "--context"):
            pair = next(args, "")
        elif arg.startswith("--context="):
            pair = arg.removeprefix("--context=")
        else:
            raise SystemExit(f"unknown argument {arg!r}; usage: python infra/app.py [-c key=value ...]")
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"context must be key=value, got {pair!r}")
        context[key] = value
    return context


def build(context: dict[str, Any] | None = None, outdir: str | None = None) -> Any:
    """The app with one stack for the stage in context; `build(...).synth()` writes the assembly.

    `chalice package` output goes to <outdir>/chalice.out, emptied first: runs into
    different output directories never touch each other's files.
    """
    from aws_cdk import App, Environment

    from infra.stack import StageConfig, TasklaneStack, clean_build_dir

    app = App(context=context, outdir=outdir)
    build_dir = Path(app.outdir)
    clean_build_dir(build_dir)
    config = StageConfig.from_context(app.node.try_get_context)
    account = os.environ.get("CDK_DEFAULT_ACCOUNT")
    region = os.environ.get("CDK_DEFAULT_REGION")
    TasklaneStack(
        app,
        config,
        build_dir=build_dir,
        package_region=region or "eu-central-1",
        env=Environment(account=account, region=region) if account and region else None,
    )
    return app


CLI_CONTEXT_VARIABLES = ("CDK_CONTEXT_JSON", "CONTEXT_OVERFLOW_LOCATION_ENV")  # set by the CDK CLI


def main(argv: list[str]) -> None:
    under_cli = any(name in os.environ for name in CLI_CONTEXT_VARIABLES)
    context: dict[str, Any] | None = None
    if not under_cli:  # run directly: take cdk.json's context as the CLI would, then -c overrides
        context = json.loads((ROOT / "cdk.json").read_text()).get("context", {})
        context.update(cli_context(argv))
    elif argv:
        raise SystemExit("with the CDK CLI, pass context as `cdk synth -c key=value`")
    outdir = None if os.environ.get("CDK_OUTDIR") else str(ROOT / "cdk.out")
    assembly = build(context, outdir).synth()
    if not under_cli:
        for stack in assembly.stacks:
            print(f"{stack.stack_name}: {Path(assembly.directory) / stack.template_file}")


if __name__ == "__main__":
    main(sys.argv[1:])
