"""Serve the Chalice app on the local stack (threaded), with the environment already set.

chalice local answers what API Gateway would not: an HTML 501 for TRACE or any verb it has no
`do_<VERB>` for, and a bare JSON 403 for paths no route matches. `GatewayHandler` answers those as
problem+json like every other error: 405 for an unsupported method (no `Allow`: API Gateway sends none),
403 "Missing Authentication Token" for an unknown path (API Gateway's status and message, kept so that
clients see locally what they will see on AWS). Path parameters are percent-decoded, as API Gateway
decodes them (chalice local hands them over raw: `caf%C3%A9` instead of `café`).

Newcomers load-test this server, so it takes bursts: a thread per connection (chalice local's
`ThreadedHTTPServer`) and a listen backlog of `BACKLOG` instead of socketserver's 5, past which the
kernel drops or resets the connections of a burst of 50 clients before any thread sees them. The
AWS clients the threads share are made once, under a lock (chalicelib/adapters/aws.py).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from urllib.parse import unquote

from chalice.local import (
    ChaliceRequestHandler,
    CustomLocalChalice,
    EventType,
    LambdaEventConverter,
    LocalChalice,
    LocalDevServer,
    RouteMatcher,
    ThreadedHTTPServer,
)

SUPPORTED = frozenset({"GET", "PUT", "POST", "HEAD", "DELETE", "PATCH", "OPTIONS"})  # chalice local's do_* methods
MAX_DRAIN = 1024 * 1024  # a refused request's body is read (to keep the connection usable) up to this size
BACKLOG = 128  # connections the kernel queues for accept(); socketserver's default is 5


class DecodingConverter(LambdaEventConverter):
    """chalice local's request → Lambda event, with the path parameters decoded as API Gateway does."""

    def create_lambda_event(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None = None
    ) -> EventType:
        event = super().create_lambda_event(method, path, headers, body)
        event["pathParameters"] = {name: unquote(value) for name, value in (event["pathParameters"] or {}).items()}
        return event


class BurstServer(ThreadedHTTPServer):
    """chalice local's thread-per-connection server, with a listen backlog that holds a burst."""

    request_queue_size = BACKLOG
    daemon_threads = True


class GatewayHandler(ChaliceRequestHandler):
    """chalice local's handler, with API Gateway's refusals as problem+json."""

    routes: RouteMatcher
    converter: DecodingConverter

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler looks up do_<VERB>; a verb chalice local lacks would be an HTML 501.
        if name.startswith("do_") and name[3:] not in SUPPORTED:
            return self._unsupported
        raise AttributeError(name)

    def _unsupported(self) -> None:
        self._refuse(405, "method-not-allowed", "Method not allowed", f"{self.command} is not supported")

    def _generic_handle(self) -> None:
        try:
            self.routes.match_route(self.path)
        except ValueError:
            self._refuse(403, "missing-authentication-token", "Forbidden", "Missing Authentication Token")
            return
        self.local_gateway.event_converter = self.converter
        super()._generic_handle()

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _generic_handle

    def _refuse(self, status: int, slug: str, title: str, detail: str) -> None:
        from chalicelib.handlers.http import problem

        length = self.headers.get("content-length", "0")
        size = int(length) if length.isascii() and length.isdigit() else 0
        if 0 < size <= MAX_DRAIN:
            self.rfile.read(size)
        else:
            self.close_connection = size > 0  # too big to read: the rest of the stream is not a request
        response = problem(status, slug, title, detail)
        self._send_http_response(status, dict(response.headers), str(response.body))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    from chalice.config import Config

    import app

    config = Config(chalice_stage="local")
    GatewayHandler.routes = RouteMatcher(list(app.app.routes))
    GatewayHandler.converter = DecodingConverter(GatewayHandler.routes, app.app.api.binary_types)
    # As chalice.local.create_local_server does: app.current_request becomes per thread.
    CustomLocalChalice.__bases__ = (LocalChalice, app.app.__class__)
    app.app.__class__ = CustomLocalChalice
    server = LocalDevServer(app.app, config, args.host, args.port, handler_cls=GatewayHandler, server_cls=BurstServer)
    print(f"API listening on http://{args.host}:{args.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
