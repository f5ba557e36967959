"""Shared test set-up.

The environment is fixed before any `chalicelib` import: settings are read once. Tests
that need AWS use moto server (the `moto` fixture) on the port chosen here.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


MOTO_PORT = _free_port()
os.environ.update(
    {
        "MOTO_PORT": str(MOTO_PORT),
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{MOTO_PORT}",
        "AWS_REGION": "eu-central-1",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "TABLE_NAME": "tasklane",
        "BUCKET_NAME": "tasklane-files",
        "EVENT_BUS_NAME": "tasklane",
        "POWERTOOLS_SERVICE_NAME": "tasklane-tests",
        # Quotas far above what any test does as one user or one address in a window (the tests
        # of the quotas themselves set low ones); the stacks the tests start inherit them.
        **{f"QUOTA_{bucket}": "10000/60" for bucket in ("MESSAGES", "UPLOADS", "DEPOSITS", "PUBLIC")},
    }
)
for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(name, None)
