"""The one place that hands out database sessions.

`Database` owns the async engines of a process: the primary's, and one per read replica. Everything
that talks to the database gets its session here. The process-wide `Database` reads and writes the
primary (the CLI, imports, the credential check); a request gets its own routed handle from
`for_request()`, whose reads may go to a replica (db/routing.py). Each engine has its own
`StatementCounter`, so tests can prove which server ran what.
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from invoicegraph.db.routing import Replica, ReplicaSet, Route, RoutingError
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


def make_engine(url: str, *, pool_size: int = 10, connect_timeout: float = 5.0) -> AsyncEngine:
    """An async engine with the settings this service needs on each backend."""
    if url.startswith("sqlite"):
        # One connection per checkout, no pool: SQLite serializes writers anyway, and a pooled
        # aiosqlite connection outliving its event loop (tests, CLI) raises on close.
        engine = create_async_engine(
            url,
            poolclass=NullPool,
            connect_args={"timeout": connect_timeout},
            **_JSON_CODEC,
        )
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=connect_timeout,
        connect_args={"timeout": connect_timeout, "server_settings": {"application_name": "invoicegraph"}},
        **_JSON_CODEC,
    )


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy emit BEGIN itself (pysqlite's implicit transactions defeat BEGIN IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
    register_decimal_aggregates(dbapi_connection)


def _sqlite_on_begin(conn: Connection) -> None:
    # A write transaction takes the lock up front (BEGIN IMMEDIATE) so that two writers queue at
    # the start instead of failing with "database is locked" at their first write.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
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
    ) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, connect_timeout=connect_timeout)
        self.counter = StatementCounter(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # On SQLite, writers take the database lock at BEGIN (see _sqlite_on_begin).
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.dialect == "sqlite" else self.engine
        self._write_sessions = async_sessionmaker(writer, expire_on_commit=False, autoflush=False)
        if replica_urls and self.dialect != "postgresql":
            raise ValueError("read replicas need a PostgreSQL primary (INVOICEGRAPH_DATABASE_URL)")
        self.replicas = ReplicaSet(
            [_replica(replica_url, pool_size=pool_size, connect_timeout=connect_timeout) for replica_url in replica_urls],
            primary=self.engine,
            max_lag=replica_max_lag_seconds,
            check_interval=replica_check_interval_seconds,
            retry_after=replica_retry_seconds,
            timeout=connect_timeout,
        )
        self._route: Route | None = None  # None: the process-wide handle, always the primary
        self._shared: _SharedReads | None = None  # a request's one read session (see for_request)
        self._pinned: _SharedReads | None = None  # reads inside a write transaction (see `pinned`)

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
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def for_request(self, *, primary: bool = False, share_reads: bool = False) -> Database:
        """This database as one request sees it: every read of the request goes to one server.

        `primary`: the request writes or asked for read-your-writes (no replica at all). Otherwise
        its first read picks a usable replica, or the primary when there is none.
        `share_reads`: the request's reads (its loaders' batches) take turns on one session, opened
        at the first read and closed by `close()`, instead of checking a connection out of the pool,
        beginning and rolling back a transaction for every batch. The caller must call `close()`.
        """
        view = copy.copy(self)  # shares the engines, pools, counters and replica health
        view._route = Route(primary_required=primary or not self.replicas.replicas)
        if view._route.primary_required:
            view._route.use_primary()
        view._shared = _SharedReads() if share_reads else None
        return view

    async def close(self) -> None:
        """End a request's shared read session, if it opened one."""
        if self._shared is not None:
            await self._shared.close()

    def use_primary(self) -> None:
        """Route the rest of this request to the primary (a mutation is about to run)."""
        if self._route is not None:
            self._route.use_primary()

    @property
    def route(self) -> str | None:
        """Where this request reads: `primary`, a replica's name, or None (not decided yet)."""
        return "primary" if self._route is None else self._route.target

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads (the request's server); its transaction is rolled back at the end."""
        sessions = self._sessions
        if self._route is not None:
            await self._route.settle(self.replicas)  # the request's first read decides, for the whole request
            if self._route.replica is not None:
                sessions = self._route.replica.sessions
        pinned = self._pinned
        if pinned is not None and not pinned.held_by_current_task():
            async with pinned.turn(sessions) as session:
                yield session
            return
        shared = self._shared
        if shared is not None and not shared.held_by_current_task():
            async with shared.turn(sessions) as session:
                yield session
            return
        async with sessions() as session:
            yield session

    @asynccontextmanager
    async def pinned(self, session: AsyncSession) -> AsyncIterator[None]:
        """This request's reads (its loaders') run in `session`, a write transaction, until the block ends.

        A mutation's answer is then read as its transaction sees it, before the commit, with no session
        of its own afterwards. The session stays the writer's: it is neither closed nor rolled back here.
        """
        reads = _SharedReads()
        reads.lend(session)
        self._pinned = reads
        try:
            yield
        finally:
            self._pinned = None
            await reads.give_back()

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in one write transaction: committed at the end, rolled back on error."""
        if self._route is not None:
            if self._route.replica is not None:
                raise RoutingError(f"this request read from replica {self._route.replica.name}; it cannot write")
            self._route.use_primary()
        async with self._write_sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        if self._route is not None:
            return  # a request's view: the engines belong to the process-wide handle
        await self.engine.dispose()
        for replica in self.replicas.replicas:
            await replica.engine.dispose()


class _SharedReads:
    """One read session for a request, used by one task at a time.

    A task that already holds it and reads again (nested) gets a session of its own rather than
    waiting for itself.
    """

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._session: AsyncSession | None = None
        self._holder: asyncio.Task[Any] | None = None
        # Set when the request ended. A loader batch still pending then (an error ended the
        # operation early) reads with a session of its own, closed at once, rather than reopening
        # the shared one that nobody would close.
        self._closed = False
        self._lent = False  # the session is a writer's, lent for a while (`lend`): never closed here

    def lend(self, session: AsyncSession) -> None:
        """Take turns on someone else's session (`Database.pinned`); `give_back` leaves it open."""
        self._session = session
        self._lent = True

    async def give_back(self) -> None:
        async with self._lock:
            self._closed = True
            self._session = None

    def held_by_current_task(self) -> bool:
        return self._holder is not None and self._holder is asyncio.current_task()

    @asynccontextmanager
    async def turn(self, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
        await self._lock.acquire()
        if self._closed:
            self._lock.release()
            async with sessions() as session:
                yield session
            return
        try:
            if self._session is None:
                self._session = sessions()
            self._holder = asyncio.current_task()
            try:
                yield self._session
            except BaseException:
                # A failed statement may leave the transaction unusable: start afresh next time (a lent
                # session is its owner's to end: its transaction fails as a whole).
                if not self._lent:
                    await self.close_unlocked()
                raise
            finally:
                self._holder = None
        finally:
            self._lock.release()

    async def close_unlocked(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def close(self) -> None:
        async with self._lock:
            self._closed = True
            await self.close_unlocked()


def _replica(url: str, *, pool_size: int, connect_timeout: float) -> Replica:
    engine = make_engine(url, pool_size=pool_size, connect_timeout=connect_timeout)
    parsed = make_url(url)
    return Replica(
        name=f"{parsed.host or 'localhost'}:{parsed.port or 5432}",
        engine=engine,
        counter=StatementCounter(engine),
        sessions=async_sessionmaker(engine, expire_on_commit=False, autoflush=False),
    )
