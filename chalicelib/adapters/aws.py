"""AWS clients: one botocore session per process, each client made once, on first use, under a lock.

A new botocore session loads its endpoint rules and each service model from JSON again: 0.3 to 0.5 s
on a cold start, where a client from a session that has them costs ~20 ms. So boto3's clients here
and PynamoDB's connections (which otherwise make a session per model class, and per thread) share
one (`share_with_pynamodb`, called by chalicelib/adapters/table.py).

Creating clients from one session is not thread-safe in botocore, and the local server answers
requests on many threads: every client is made under `_lock`. Clients themselves are thread-safe,
and keep up to `POOL` connections open (botocore's 10 makes a burst of 50 requests open and drop
connections, with a warning each). Imports stay lazy: import cost is cold-start cost.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from chalicelib.settings import get_settings

if TYPE_CHECKING:
    import boto3.session
    import botocore.session

POOL = 64  # HTTP connections a client keeps; a Lambda process uses one, the local server one per thread
_lock = threading.RLock()
_botocore: botocore.session.Session | None = None
_boto3: boto3.session.Session | None = None
_clients: dict[str, Any] = {}


def botocore_session() -> botocore.session.Session:
    """The process's botocore session (made once)."""
    global _botocore
    with _lock:
        if _botocore is None:
            from botocore.session import get_session

            _botocore = get_session()
        return _botocore


def _boto3_session() -> boto3.session.Session:
    global _boto3
    with _lock:
        if _boto3 is None:
            import boto3.session

            _boto3 = boto3.session.Session(botocore_session=botocore_session())
        return _boto3


def client(service: str) -> Any:
    """The boto3 client for `service`, made once per process, pointed at the configured endpoint."""
    made = _clients.get(service)
    if made is not None:
        return made
    with _lock:
        if service not in _clients:
            from botocore.config import Config

            settings = get_settings()
            config = Config(max_pool_connections=POOL)
            if service == "s3":
                config = config.merge(Config(signature_version="s3v4", s3={"addressing_style": "path"}))
            _clients[service] = _boto3_session().client(
                service, region_name=settings.region, endpoint_url=settings.endpoint_url, config=config
            )
        return _clients[service]


def share_with_pynamodb() -> None:
    """PynamoDB's connections make their botocore clients from this session, under the lock (idempotent).

    PynamoDB 6 has no setting for the session: `Connection.session` (a new session per connection and
    thread) and `Connection.client` (unlocked check-then-create) are replaced, and the client's pool
    is at least `POOL`. A connection given its own access keys keeps a session of its own.
    """
    from pynamodb.connection.base import Connection

    if getattr(Connection, "_shares_session", False):
        return
    own_session: property = Connection.session
    own_client: property = Connection.client

    def session(connection: Connection) -> botocore.session.Session:
        if connection._aws_access_key_id and connection._aws_secret_access_key:
            return own_session.fget(connection)  # type: ignore[misc]
        return botocore_session()

    def locked_client(connection: Connection) -> Any:
        with _lock:
            connection._max_pool_connections = max(connection._max_pool_connections or 0, POOL)
            return own_client.fget(connection)  # type: ignore[misc]

    setattr(Connection, "session", property(session))  # noqa: B010
    setattr(Connection, "client", property(locked_client))  # noqa: B010
    setattr(Connection, "_shares_session", True)  # noqa: B010
