"""Serve the Chalice app on the local stack (threaded), with the environment already set."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from chalice.config import Config
    from chalice.local import create_local_server

    import app

    server = create_local_server(app.app, Config(chalice_stage="local"), args.host, args.port)
    server.server.daemon_threads = True
    print(f"API listening on http://{args.host}:{args.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
