"""Synthesize the CDK app once per session (dev and prod), in a subprocess.

A subprocess because synthesis runs `chalice package`, which imports the app, writes the
stage's environment variables into os.environ and runs from another working directory:
none of that may leak into the rest of the test session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The CLI's variables and the test session's AWS settings (moto endpoint, fake keys) stay out.
DROPPED_PREFIXES = ("CDK_", "CONTEXT_OVERFLOW_LOCATION_ENV", "AWS_", "MOTO_")
PROD_CONTEXT = {
    "stage": "prod",
    "frontendOrigin": "https://app.example.com,https://admin.example.com",
    "alarmEmail": "ops@example.com",
}
TIMINGS: dict[str, float] = {}


@dataclass(frozen=True)
class Synth:
    stage: str
    outdir: Path
    template_path: Path
    template: dict[str, Any]
    seconds: float

    @property
    def resources(self) -> dict[str, Any]:
        resources: dict[str, Any] = self.template["Resources"]
        return resources

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == kind}


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "infra: synthesizes the CDK app (about 10-25 s per stage, once per session)")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for stage, seconds in TIMINGS.items():
        terminalreporter.write_line(f"infra: synth {stage}: {seconds:.1f} s")


SYNTH = """
import json, sys, time
from infra.app import build
for outdir, context in json.loads(sys.argv[1]):
    started = time.monotonic()
    build(context, outdir).synth()
    print(json.dumps({"stage": context["stage"], "seconds": time.monotonic() - started}), flush=True)
"""


def synthesize(runs: list[tuple[Path, dict[str, str]]]) -> dict[str, Synth]:
    """Both stages in one process, through infra.app.build (what `python infra/app.py` runs):
    one jsii runtime, and the second stage reuses the first's Chalice packages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(DROPPED_PREFIXES)}
    payload = json.dumps([(str(outdir), context) for outdir, context in runs])
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", SYNTH, payload], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    if result.returncode != 0:
        pytest.fail(f"synth failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    TIMINGS["process (jsii start, Chalice packaging, both stages)"] = time.monotonic() - started
    seconds = {}
    for line in result.stdout.splitlines():
        if line.startswith("{"):
            timing = json.loads(line)
            seconds[timing["stage"]] = timing["seconds"]
            TIMINGS[timing["stage"]] = timing["seconds"]
    synths = {}
    for outdir, context in runs:
        stage = context["stage"]
        path = outdir / f"tasklane-{stage}.template.json"
        synths[stage] = Synth(stage, outdir, path, json.loads(path.read_text()), seconds[stage])
    return synths


@pytest.fixture(scope="session")
def synths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Synth]:
    return synthesize(
        [(tmp_path_factory.mktemp("cdk-dev"), {"stage": "dev"}), (tmp_path_factory.mktemp("cdk-prod"), PROD_CONTEXT)]
    )


@pytest.fixture(scope="session")
def dev(synths: dict[str, Synth]) -> Synth:
    return synths["dev"]


@pytest.fixture(scope="session")
def prod(synths: dict[str, Synth]) -> Synth:
    return synths["prod"]
