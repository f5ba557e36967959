"""The Lambda package: what `requirements.txt` puts into it, unzipped, and its largest dependencies.

`chalice package` (through `chalice.cdk.Chalice`, infra/components/api.py) installs `requirements.txt`
for Lambda's Linux into a layer, drops the installed `chalice/` package and adds its own
`chalice/app.py` and `chalice/__init__.py` to the app code (chalice/deploy/packager.py). This module
does the same install with pip (`--target`, Lambda's platform: CPython 3.11, x86_64, glibc ≤ 2.26 as
on Amazon Linux 2), sums the files each distribution installed (its RECORD), and caches the install
under `.local/lambda-package/<hash of requirements.txt and platform>/` so `make bench` stays fast.
When pip cannot install for Lambda (no registry), it measures the same dependency closure as
installed in this virtualenv (the local platform's wheels) and says so.

Run alone: `python bench/package_size.py [requirements file]`.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".local" / "lambda-package"
PYTHON_VERSION = "3.11"
# Lambda's python3.11 runs on Amazon Linux 2 (glibc 2.26): any manylinux wheel up to 2_26 loads there.
LAMBDA_PLATFORMS = (*(f"manylinux_2_{minor}_x86_64" for minor in range(26, 16, -1)), "manylinux2014_x86_64")
# What the python3.11 runtime already has on its path (an app that ships its own pins still ships them).
IN_RUNTIME = frozenset({"boto3", "botocore", "s3transfer", "jmespath", "python-dateutil", "six", "urllib3"})
# What `chalice package` leaves out of the layer: it vendors chalice's runtime itself (below).
DROPPED_BY_CHALICE = ("chalice",)
COMPLETE = ".complete"


@dataclass
class Package:
    requirements: str
    platform: str  # Lambda's, or this machine's when pip could not install for Lambda
    site: Path
    sizes: dict[str, int] = field(default_factory=dict)  # distribution -> bytes, unzipped
    app_code: int = 0
    cached: bool = False

    @property
    def dependencies(self) -> int:
        return sum(self.sizes.values())

    @property
    def total(self) -> int:
        return self.dependencies + self.app_code

    @property
    def in_runtime(self) -> int:
        return sum(size for name, size in self.sizes.items() if canonical(name) in IN_RUNTIME)

    def largest(self, count: int = 5) -> list[tuple[str, int]]:
        return sorted(self.sizes.items(), key=lambda item: (-item[1], item[0]))[:count]

    def as_json(self) -> dict[str, Any]:
        return {
            "requirements": self.requirements,
            "platform": self.platform,
            "unzippedBytes": self.total,
            "dependencyBytes": self.dependencies,
            "appCodeBytes": self.app_code,
            "alreadyInLambdaRuntimeBytes": self.in_runtime,
            "alreadyInLambdaRuntime": sorted(n for n in self.sizes if canonical(n) in IN_RUNTIME),
            "largest": [{"distribution": name, "bytes": size} for name, size in self.largest()],
            "distributions": dict(sorted(self.sizes.items(), key=lambda item: -item[1])),
            "cached": self.cached,
        }


def canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _pip(requirements: Path, target: Path, platforms: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-compile", "--target", str(target)]
    command += ["-r", str(requirements)]
    if platforms:
        command += ["--implementation", "cp", "--python-version", PYTHON_VERSION, "--only-binary=:all:"]
        for platform in platforms:
            command += ["--platform", platform]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)


def install(requirements: Path) -> tuple[Path, bool]:
    """The site-packages `requirements` installs into for Lambda (cached), and whether it was cached."""
    text = requirements.read_bytes()
    key = hashlib.sha256(text + "\n".join(LAMBDA_PLATFORMS).encode() + PYTHON_VERSION.encode()).hexdigest()[:16]
    site = CACHE / f"lambda-{key}"
    if (site / COMPLETE).exists():
        return site, True
    shutil.rmtree(site, ignore_errors=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE, prefix="installing-") as scratch:
        done = _pip(requirements, Path(scratch) / "site", LAMBDA_PLATFORMS)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
            raise InstallFailed(f"pip could not install {requirements.name} for Lambda: {last}")
        (Path(scratch) / "site" / COMPLETE).write_text(requirements.read_text())
        Path(scratch, "site").rename(site)
    for stale in CACHE.glob("lambda-*"):
        if stale != site:
            shutil.rmtree(stale, ignore_errors=True)  # one install kept: each is ~70-110 MB
    return site, False


class InstallFailed(RuntimeError):
    """pip could not install the requirements for Lambda's platform (offline, or no wheel for it)."""


def installed_closure(requirements: Path) -> dict[str, int]:
    """Offline: bytes per distribution of what `requirements` pulls in, as installed in this environment."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pending = [
        Requirement(line.split("#", 1)[0].strip())
        for line in requirements.read_text().splitlines()
        if line.split("#", 1)[0].strip() and not line.startswith("-")
    ]
    sizes: dict[str, int] = {}
    seen: set[tuple[str, frozenset[str]]] = set()
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if (name, frozenset(requirement.extras)) in seen:
            continue
        seen.add((name, frozenset(requirement.extras)))
        dist = metadata.distribution(name)
        files = [f for f in dist.files or () if "__pycache__" not in f.parts and f.suffix != ".pyc"]
        if name not in DROPPED_BY_CHALICE:
            sizes[dist.metadata["Name"]] = sum(
                p.stat().st_size for f in files if (p := Path(str(f.locate()))).is_file()
            )
        for text in dist.requires or ():
            needed = Requirement(text)
            extras = requirement.extras or {""}
            if needed.marker is None or any(needed.marker.evaluate({"extra": extra}) for extra in extras):
                pending.append(needed)
    return sizes


def distribution_sizes(site: Path) -> dict[str, int]:
    """Bytes per distribution, from the files its RECORD lists; files nobody claims count as "(unclaimed)"."""
    claimed: dict[Path, str] = {}
    for dist in metadata.distributions(path=[str(site)]):
        name = dist.metadata["Name"]
        for file in dist.files or ():
            path = (site / file).resolve()
            if path.is_file():
                claimed.setdefault(path, name)
    sizes: dict[str, int] = {}
    for path in site.rglob("*"):
        relative = path.relative_to(site)
        if not path.is_file() or relative.parts[0] in DROPPED_BY_CHALICE or path.name == COMPLETE:
            continue
        if "__pycache__" in relative.parts:
            continue  # --no-compile: none expected; Lambda's zip has none either
        owner = claimed.get(path.resolve(), "(unclaimed)")
        sizes[owner] = sizes.get(owner, 0) + path.stat().st_size
    return sizes


def app_code_size() -> int:
    """app.py, chalicelib/ and the two chalice modules `chalice package` vendors into the app zip."""
    import chalice
    import chalice.app

    files = [ROOT / "app.py", Path(chalice.__file__), Path(chalice.app.__file__)]
    files += [p for p in (ROOT / "chalicelib").rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return sum(p.stat().st_size for p in files if p.suffix != ".pyc")


def measure(requirements: Path = ROOT / "requirements.txt") -> Package:
    shown = str(requirements.relative_to(ROOT) if requirements.is_relative_to(ROOT) else requirements)
    try:
        site, cached = install(requirements)
    except (InstallFailed, subprocess.TimeoutExpired) as failure:
        local = f"this machine ({sys.platform}, Python {sys.version_info.major}.{sys.version_info.minor})"
        return Package(
            requirements=shown,
            platform=f"{local}, as installed in the virtualenv: {failure}",
            site=Path(sys.prefix),
            sizes=installed_closure(requirements),
            app_code=app_code_size(),
        )
    return Package(
        requirements=shown,
        platform="Lambda (CPython 3.11, x86_64, manylinux up to glibc 2.26)",
        site=site,
        sizes=distribution_sizes(site),
        app_code=app_code_size(),
        cached=cached,
    )


def mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def print_package(package: Package) -> None:
    runtime = ", ".join(sorted(n for n in package.sizes if canonical(n) in IN_RUNTIME))
    print(f"Lambda package, unzipped: {package.requirements} installed for {package.platform}")
    if package.cached:
        print(f"  (pip install cached in {package.site.relative_to(ROOT)})")
    print(
        f"  total         {mb(package.total):>9}   = dependencies {mb(package.dependencies)} (the layer)"
        f" + app code {mb(package.app_code)}"
    )
    print(f"  of which already in the python3.11 runtime: {mb(package.in_runtime)} ({runtime}); shipped anyway, pinned")
    print("  five largest dependencies:")
    for name, size in package.largest():
        print(f"    {name:<26} {mb(size):>9}")


def main() -> int:
    requirements = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT / "requirements.txt"
    print_package(measure(requirements))
    return 0


if __name__ == "__main__":
    sys.exit(main())
