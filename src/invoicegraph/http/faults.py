"""Database outages: recognised in one place, answered as a retryable coded error.

A lost or refused database connection is not a bug in a request: the client should retry. Every path
answers the same facts (`INTERNAL_ERROR`, type `API_ERROR`, a retry hint) instead of a 500:
- GraphQL resolvers: `MaskUnexpectedErrors` (extensions.py) recognises the outage with
  `is_database_unavailable` and adds `retryable`/`retryAfter` and a `Retry-After` header;
- everything else (the credential lookup of the auth middleware, REST handlers): the exception escapes
  the route, and `DatabaseOutageMiddleware` answers `RetryableError` (503 + `Retry-After`).

The engine's connect timeout (`INVOICEGRAPH_DATABASE_CONNECT_TIMEOUT_SECONDS`, also the pool's
checkout timeout) bounds how long a request waits; `pool_pre_ping` replaces dead pooled connections,
so the service recovers by itself when the database comes back.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket

import orjson
from sqlalchemy import exc as sa_exc
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from invoicegraph.errors import RetryableError

RETRY_AFTER_SECONDS = 1
REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(r"^reqr_[A-Za-z0-9_-]{1,64}$")

_log = logging.getLogger("invoicegraph.faults")

# asyncpg's errors when a server goes away or is not accepting connections yet. Imported lazily by
# name: the SQLite-only deployment has asyncpg installed too, but nothing here needs it at import.
_ASYNCPG_UNAVAILABLE = (
    "ConnectionDoesNotExistError",
    "ConnectionFailureError",
    "CannotConnectNowError",
    "AdminShutdownError",
    "CrashShutdownError",
    "TooManyConnectionsError",
    "ClientCannotConnectError",
    "ConnectionRejectionError",
)


def database_unavailable() -> RetryableError:
    return RetryableError("The database is unavailable; retry shortly.", retry_after=RETRY_AFTER_SECONDS)


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` (or what it wraps) says the database cannot be reached right now."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if _is_unavailable(error):
            return True
        error = getattr(error, "original_error", None) or error.__cause__ or error.__context__
    return False


def _is_unavailable(error: BaseException) -> bool:
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (sa_exc.TimeoutError, sa_exc.DisconnectionError, sa_exc.InterfaceError)):
        return True  # pool checkout timed out, a dead connection, a closed connection
    if isinstance(error, sa_exc.OperationalError):
        # SQLite's "unable to open database file" / "database is locked", PostgreSQL's lost server.
        return True
    if isinstance(error, (ConnectionError, TimeoutError, asyncio.TimeoutError, socket.gaierror)):
        return True  # refused, reset, DNS, connect timeout
    if isinstance(error, OSError) and error.errno is None and str(error).startswith("Multiple exceptions"):
        return True  # asyncio's create_connection over several addresses, all refused
    return type(error).__module__.startswith("asyncpg") and type(error).__name__ in _ASYNCPG_UNAVAILABLE


class DatabaseOutageMiddleware:
    """Turns a database outage that escapes a route (or the auth middleware) into a coded 503.

    Outermost but CORS: it also makes sure the request has a valid `x-request-id` before anything
    runs, so that the id in its error body and log line is the one the auth middleware echoes.
    Any other exception is re-raised (Starlette answers 500 and logs it).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _ensure_request_id(scope)
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as error:
            if started or not is_database_unavailable(error):
                raise
            _log.warning("database unavailable (request %s): %r", request_id, error)
            await _answer(scope, send, request_id)


def _ensure_request_id(scope: Scope) -> str:
    incoming = Headers(scope=scope).get("x-request-id", "")
    if _VALID_REQUEST_ID.match(incoming):
        return incoming
    from invoicegraph.auth.middleware import new_request_id  # the one generator of ids

    made = new_request_id()
    scope["headers"] = [(k, v) for k, v in scope["headers"] if k.lower() != REQUEST_ID_HEADER] + [(REQUEST_ID_HEADER, made.encode())]
    return made


async def _answer(scope: Scope, send: Send, request_id: str) -> None:
    error = database_unavailable()
    if scope["path"].startswith("/graphql"):
        extensions = {**error.to_extensions(), "retryable": True, "retryAfter": error.retry_after, "requestId": request_id}
        body = orjson.dumps({"errors": [{"message": error.message, "extensions": extensions}]})
    else:
        body = orjson.dumps(error.to_rest())
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(error.retry_after).encode()),
        (REQUEST_ID_HEADER, request_id.encode()),
    ]
    await send({"type": "http.response.start", "status": error.http_status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
