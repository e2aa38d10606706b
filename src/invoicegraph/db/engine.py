"""The one place that hands out database sessions.

`Database` owns the async engines of a process: the primary's, and one per read replica. Everything
that talks to the database gets its session here. The process-wide `Database` reads and writes the
primary (the CLI, imports, the credential check); a request gets its own routed handle from
`for_request()`, whose reads may go to a replica (db/routing.py). Each engine has its own
`StatementCounter`, so tests can prove which server ran what.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import orjson
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry, PoolResetState

from invoicegraph.db.bounds import ping_on_checkout, postgres_connect_args
from invoicegraph.db.request import RequestDatabase
from invoicegraph.db.routing import Replica, ReplicaSet, Route
from invoicegraph.db.sqlite_decimal import register as register_decimal_aggregates
from invoicegraph.db.statements import StatementCounter

if TYPE_CHECKING:
    from invoicegraph.settings import Settings


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


# The invoice document is the biggest thing a read decodes: orjson reads it several times faster
# than the standard library. Documents hold only strings, numbers, booleans and null (amounts and
# decimals are strings), so both codecs give the same values.
_JSON_CODEC: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": orjson.loads}


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for another backend, an in-memory database or a SQLite URI."""
    if not url.startswith("sqlite"):
        return None
    parsed = make_url(url)
    if not parsed.database or parsed.database == ":memory:" or parsed.query.get("uri"):
        return None
    return Path(parsed.database)


class MissingDatabaseFile(RuntimeError):
    """The SQLite file to serve does not exist (the service never creates one: `invoicegraph migrate` does)."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            f"the database file {path} does not exist: create it with `invoicegraph migrate` (or `invoicegraph demo`), "
            "or point INVOICEGRAPH_DATABASE_URL at an existing one"
        )


def _existing_only(url: str) -> str | URL:
    """A SQLite file URL opened read-write only: SQLite then fails instead of creating a missing file
    (the default `sqlite3.connect` creates an empty one: a typo in the URL served an empty database)."""
    path = sqlite_file(url)
    if path is None:
        return url
    parsed = make_url(url)
    return parsed.set(database="file:" + quote(str(path.resolve())), query={**parsed.query, "mode": "rw", "uri": "true"})


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    connect_timeout: float = 5.0,
    create_missing: bool = True,
    statement_timeout: float | None = None,
) -> AsyncEngine:
    """An async engine with the settings this service needs on each backend.

    `create_missing=False`: a SQLite file that does not exist is an error, never created.
    `statement_timeout`: PostgreSQL statements (and every round trip) are bounded (db/bounds.py); the
    serving process sets it, the CLI (imports, migrations) does not.
    """
    if url.startswith("sqlite"):
        # Pooled connections: opening one costs a thread and a file open (about 3 ms of a request's
        # time before pooling, docs/performance.md). The owner of the engine disposes of it on the
        # loop that used it (the app's lifespan, each CLI command), as a pooled aiosqlite connection
        # cannot be closed from another event loop.
        engine = create_async_engine(
            url if create_missing else _existing_only(url),
            poolclass=AsyncAdaptedQueuePool,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_timeout=connect_timeout,
            pool_reset_on_return=None,  # _sqlite_on_reset does it, when there is something to reset
            connect_args={"timeout": connect_timeout},
            **_JSON_CODEC,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "reset", _sqlite_on_reset)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=connect_timeout,
        connect_args=postgres_connect_args(connect_timeout=connect_timeout, statement_timeout=statement_timeout),
        **_JSON_CODEC,
    )
    # Replaces `pool_pre_ping`, whose ping has no timeout: a stalled server would hold the request.
    ping_on_checkout(engine, connect_timeout)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (pysqlite's implicit transactions defeat BEGIN IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    register_decimal_aggregates(dbapi_connection)


def _sqlite_on_reset(dbapi_connection: Any, record: ConnectionPoolEntry, reset_state: PoolResetState) -> None:
    # The pool's default reset is a ROLLBACK on every return, after the session has already ended its
    # transaction: one more trip to aiosqlite's thread per session (2 of a cached GET's 13). Only a
    # connection that comes back inside a transaction (a request cancelled mid-way) is rolled back.
    driver = record.driver_connection
    if reset_state.asyncio_safe and not reset_state.terminate_only and driver is not None and driver.in_transaction:
        dbapi_connection.rollback()


def _sqlite_on_begin(conn: Connection) -> None:
    # A write transaction takes the lock up front (BEGIN IMMEDIATE) so that two writers queue at
    # the start instead of failing with "database is locked" at their first write.
    mode = conn.get_execution_options().get("sqlite_begin")
    if mode is None:
        # Reads run without BEGIN: each statement reads the latest commit, as every statement does on
        # PostgreSQL (READ COMMITTED), and a read saves BEGIN's three trips to aiosqlite's thread (of
        # a cached GET's twelve). Whatever must be read at one moment is read in one statement.
        return
    conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """Engines and session factories of one process (or, from `for_request`, one request's view of them)."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        connect_timeout: float = 5.0,
        replica_urls: Sequence[str] = (),
        replica_max_lag_seconds: float = 5.0,
        replica_check_interval_seconds: float = 1.0,
        replica_retry_seconds: float = 10.0,
        create_missing: bool = True,
        statement_timeout: float | None = None,
    ) -> None:
        self.url = url
        self.engine = make_engine(
            url, pool_size=pool_size, connect_timeout=connect_timeout, create_missing=create_missing, statement_timeout=statement_timeout
        )
        self.counter = StatementCounter(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # On SQLite, writers take the database lock at BEGIN (see _sqlite_on_begin).
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.dialect == "sqlite" else self.engine
        self._write_sessions = async_sessionmaker(writer, expire_on_commit=False, autoflush=False)
        if replica_urls and self.dialect != "postgresql":
            raise ValueError("read replicas need a PostgreSQL primary (INVOICEGRAPH_DATABASE_URL)")
        self.replicas = ReplicaSet(
            [
                _replica(replica_url, pool_size=pool_size, connect_timeout=connect_timeout, statement_timeout=statement_timeout)
                for replica_url in replica_urls
            ],
            primary=self.engine,
            max_lag=replica_max_lag_seconds,
            check_interval=replica_check_interval_seconds,
            retry_after=replica_retry_seconds,
            timeout=connect_timeout,
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(
            settings.database_url,
            pool_size=settings.database_pool_size,
            connect_timeout=settings.database_connect_timeout_seconds,
            replica_urls=settings.read_replica_urls,
            replica_max_lag_seconds=settings.replica_max_lag_seconds,
            replica_check_interval_seconds=settings.replica_check_interval_seconds,
            replica_retry_seconds=settings.replica_retry_seconds,
            # The service reads and writes an existing database; creating one is `invoicegraph migrate`'s.
            create_missing=False,
            statement_timeout=settings.database_statement_timeout_seconds,
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def for_request(self, *, primary: bool = False) -> RequestDatabase:
        """This database as one request sees it: one server, one session (db/request.py).

        `primary`: the request writes or asked for read-your-writes (no replica at all). Otherwise
        its first read picks a usable replica, or the primary when there is none.
        """
        route = Route(primary_required=primary or not self.replicas.replicas)
        if route.primary_required:
            route.use_primary()
        return RequestDatabase(self, route)

    def engine_for(self, route: Route) -> AsyncEngine:
        """The engine of the server `route` settled on (the primary until a replica is chosen)."""
        return route.replica.engine if route.replica is not None else self.engine

    def sessions_for(self, route: Route) -> async_sessionmaker[AsyncSession]:
        """Read sessions on the server `route` settled on (the primary until a replica is chosen)."""
        return route.replica.sessions if route.replica is not None else self._sessions

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads on the primary; its transaction is rolled back at the end."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A unit of work on the primary: one write transaction, committed at the end, rolled back on error."""
        async with self._write_sessions() as session, session.begin():
            yield session

    def write_session(self) -> AsyncSession:
        """A session whose transaction writes (on SQLite it takes the write lock at BEGIN); the caller ends it."""
        return self._write_sessions()

    async def dispose(self) -> None:
        await self.engine.dispose()
        for replica in self.replicas.replicas:
            await replica.engine.dispose()


def _replica(url: str, *, pool_size: int, connect_timeout: float, statement_timeout: float | None) -> Replica:
    engine = make_engine(url, pool_size=pool_size, connect_timeout=connect_timeout, statement_timeout=statement_timeout)
    parsed = make_url(url)
    return Replica(
        name=f"{parsed.host or 'localhost'}:{parsed.port or 5432}",
        engine=engine,
        counter=StatementCounter(engine),
        sessions=async_sessionmaker(engine, expire_on_commit=False, autoflush=False),
    )
