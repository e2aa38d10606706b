"""Database outages, recognised in one place: a lost or refused connection is not a bug in a request.

Every path answers the same facts for it (`INTERNAL_ERROR`, type `API_ERROR`, a retry hint) instead of
a 500: GraphQL field errors through graphql/errors.py, anything that escapes a route (the credential
lookup, REST handlers) through middleware/faults.py.
"""

from __future__ import annotations

import asyncio
import socket

from sqlalchemy import exc as sa_exc

from invoicegraph.errors import RetryableError

RETRY_AFTER_SECONDS = 1

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
    # statement_timeout (SQLSTATE 57014), or an operator's pg_cancel_backend: the statement may succeed later.
    "QueryCanceledError",
)


def database_unavailable() -> RetryableError:
    return RetryableError("The database is unavailable; retry shortly.", retry_after=RETRY_AFTER_SECONDS)


# SQLite's words for a file that is not a database or is damaged (SQLITE_NOTADB, SQLITE_CORRUPT): the
# service cannot read it, whichever request asks, until an operator restores it.
_SQLITE_UNREADABLE = ("file is not a database", "database disk image is malformed")


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
    if isinstance(error, sa_exc.DatabaseError) and any(words in str(error.orig) for words in _SQLITE_UNREADABLE):
        return True
    if isinstance(error, (ConnectionError, TimeoutError, asyncio.TimeoutError, socket.gaierror)):
        return True  # refused, reset, DNS, connect timeout
    if isinstance(error, OSError) and error.errno is None and str(error).startswith("Multiple exceptions"):
        return True  # asyncio's create_connection over several addresses, all refused
    return type(error).__module__.startswith("asyncpg") and type(error).__name__ in _ASYNCPG_UNAVAILABLE
