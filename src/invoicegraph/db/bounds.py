"""Every round trip to PostgreSQL is bounded: a stalled server never holds a request.

A database host that stops answering (frozen, partitioned, swapping) keeps its TCP connections open, so
nothing fails by itself: a pooled connection's ping, a statement, a COMMIT would wait forever. Three
bounds, all from the settings:

- **the checkout ping** (`INVOICEGRAPH_DATABASE_CONNECT_TIMEOUT_SECONDS`): each connection taken from the
  pool is pinged first, with that timeout (SQLAlchemy's own `pool_pre_ping` has none). A ping that times
  out ends the connection at once (no graceful close to wait for) and fails the request with a
  retryable 503; a connection that is simply gone is replaced by a new one, as `pool_pre_ping` would;
- **the server's `statement_timeout`** (`INVOICEGRAPH_DATABASE_STATEMENT_TIMEOUT_SECONDS`): a statement
  that runs longer is cancelled by the server (SQLSTATE 57014), its transaction rolled back, and the
  request answered with a retryable 503;
- **a client-side bound on every round trip** (statements, BEGIN, COMMIT, ROLLBACK: asyncpg's
  `command_timeout`) of the statement timeout plus the connect timeout: what a server that cannot even
  cancel its own statement gets.

A request that meets a stalled database therefore fails within the connect timeout when it starts (the
ping), and within the statement timeout plus the connect timeout mid-way; the request deadline
(middleware/limits.py) bounds the whole of it. SQLite is a local file: none of this applies to it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_


class DatabaseStalled(TimeoutError):
    """A pooled connection's ping went unanswered within the connect timeout (db/outage.py: a 503)."""


def postgres_connect_args(*, connect_timeout: float, statement_timeout: float | None) -> dict[str, Any]:
    """asyncpg's connect arguments: the connect timeout, and the statement bounds when given."""
    settings = {"application_name": "invoicegraph"}
    arguments: dict[str, Any] = {"timeout": connect_timeout, "server_settings": settings}
    if statement_timeout is not None:
        settings["statement_timeout"] = str(int(statement_timeout * 1000))  # milliseconds
        arguments["command_timeout"] = statement_timeout + connect_timeout
    return arguments


def ping_on_checkout(engine: AsyncEngine, timeout: float) -> None:
    """Ping each connection the pool hands out, within `timeout` (instead of `pool_pre_ping`)."""

    def ping(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        driver = dbapi_connection.driver_connection  # the asyncpg connection (SQLAlchemy's public accessor)
        try:
            await_(driver.fetchrow(";", timeout=timeout))
        except TimeoutError as stalled:
            # SQLAlchemy would close the connection gracefully, waiting 2 s more for a server that does
            # not answer: end it now. The pool then drops it (any error here invalidates the connection).
            driver.terminate()
            raise DatabaseStalled(f"the database did not answer a ping within {timeout:g} s") from stalled
        except Exception as gone:
            if not driver.is_closed() and not _is_connection_error(gone):
                raise
            # A connection the server closed (a restart, an idle timeout): the pool makes a new one.
            raise DisconnectionError(str(gone)) from gone

    event.listen(engine.sync_engine, "checkout", ping)
    event.listen(engine.sync_engine, "handle_error", _end_timed_out)


def _end_timed_out(context: ExceptionContext) -> None:
    """A round trip that timed out leaves its connection waiting on the server (asyncpg is cancelling the
    statement): end it now and let the pool replace it, instead of rolling back on it (one more wait)."""
    if not isinstance(context.original_exception, TimeoutError) or context.connection is None:
        return
    context.is_disconnect = True
    driver = context.connection.connection.driver_connection
    if driver is not None and not driver.is_closed():
        driver.terminate()


def _is_connection_error(error: BaseException) -> bool:
    return isinstance(error, (ConnectionError, OSError)) or type(error).__name__ in (
        "ConnectionDoesNotExistError",
        "InterfaceError",
        "AdminShutdownError",
        "CannotConnectNowError",
    )
