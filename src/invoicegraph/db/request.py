"""One request's database: one server, one session, and a unit of work when the request writes.

Every adapter (the GraphQL endpoint, a REST route) gets a `RequestDatabase` from
`Database.for_request()`. It holds at most one connection, or one write session, for the whole
request:

- a request that only reads takes a pooled connection at its first read, on the server its route
  settles on (a replica, or the primary: db/routing.py), and every later read of the request, its
  loaders' batches included, runs on that same connection. Prepared reads (`reads()`) run on it
  through the driver; an ORM session bound to it is made only for code that asks for `session()`;
- a request that writes opens its **unit of work** (`unit_of_work()`) before it does anything else:
  its session is then one write transaction on the primary, every read of the request runs inside it
  (so an answer shows what the write wrote), and the block commits when it ends without an error and
  without `discard()`, else rolls back.

Statements on one connection cannot overlap, and the loaders of a request read from tasks of their own:
`reads()` and `session()` hand it to one task at a time (a task that already holds it gets it again,
so a service that reads through a loader while holding it does not wait for itself).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from invoicegraph.db.prepared import READ_CONNECTION, Reads
from invoicegraph.db.routing import Route, RoutingError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

    from invoicegraph.db.engine import Database


@dataclass(slots=True)
class UnitOfWork:
    """The write transaction of one request (see `RequestDatabase.unit_of_work`)."""

    session: AsyncSession
    discarded: bool = False

    def discard(self) -> None:
        """Roll back at the end of the block instead of committing (an answer that must not stand)."""
        self.discarded = True


class RequestDatabase:
    def __init__(self, database: Database, route: Route) -> None:
        self.database = database
        self.route = route
        self._session: AsyncSession | None = None
        self._connection: AsyncConnection | None = None  # a read session's own connection
        self._unit: UnitOfWork | None = None
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[Any] | None = None
        self._closed = False

    @property
    def dialect(self) -> str:
        return self.database.dialect

    @property
    def route_name(self) -> str | None:
        """Where this request reads: `primary`, a replica's name, or None (not decided yet)."""
        return self.route.target

    @property
    def writing(self) -> bool:
        return self._unit is not None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """The request's ORM session, held by the calling task until the block ends."""
        async with self._held(orm=True) as session:
            yield cast("AsyncSession", session)  # orm=True holds a session

    @asynccontextmanager
    async def reads(self) -> AsyncIterator[Reads]:
        """What the request's prepared statements run on (db/prepared.py `fetch`), held like `session()`.

        A read request's own connection (its statements go through the driver, and no ORM session is
        made for a request that never asks for one), or the unit of work's session.
        """
        async with self._held(orm=False) as reads:
            yield reads

    @asynccontextmanager
    async def _held(self, *, orm: bool) -> AsyncIterator[Reads]:
        task = asyncio.current_task()
        if self._holder is not None and self._holder is task and self._opened():
            yield self._target(orm)  # the holder reads again (nested): same connection, no waiting
            return
        async with self._lock:
            if self._closed:
                # The request has ended (an error cut its operation short) and a loader batch still
                # runs: it reads in a session of its own rather than reopen one nobody would close.
                async with self.database.sessions_for(self.route)() as alone:
                    yield alone
                return
            if not self._opened():
                await self.route.settle(self.database.replicas)
                # A read request holds its connection itself, and its prepared statements run through
                # the driver on it (db/driver_reads.py): no session transaction to begin and end.
                self._connection = await self.database.engine_for(self.route).connect()
            self._holder = task
            try:
                yield self._target(orm)
            except BaseException:
                # A failed statement may leave a read transaction unusable: the next read starts
                # afresh. A unit of work fails as a whole (its block re-raises and rolls back).
                if self._unit is None:
                    await self._close_session()
                raise
            finally:
                self._holder = None

    def _opened(self) -> bool:
        return self._connection is not None or self._session is not None

    def _target(self, orm: bool) -> Reads:
        connection = self._connection
        if connection is None:  # a unit of work: its session is all there is
            return cast("AsyncSession", self._session)
        if not orm:
            return connection
        if self._session is None:
            # Made at the first ORM read only: most read requests never need one.
            self._session = self.database.sessions_for(self.route)(bind=connection)
            self._session.info[READ_CONNECTION] = connection
        return self._session

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """The request writes: its session is one write transaction on the primary for this block.

        Committed when the block ends without an error and without `discard()`; rolled back
        otherwise. Opened before the request reads anything (a read session is refused: the request
        would have read from another snapshot, or another server).
        """
        if self._opened() or self._unit is not None:
            raise RoutingError("a request opens its unit of work before it reads")
        self.route.use_primary()
        session = self.database.write_session()
        unit = self._unit = UnitOfWork(session)
        self._session = session
        try:
            yield unit  # the session begins its transaction at its first statement
            if unit.discarded:
                await session.rollback()
            else:
                await session.commit()
        except BaseException:
            await session.rollback()
            raise
        finally:
            self._unit = None
            self._session = None
            await session.close()

    async def close(self) -> None:
        """End the request's read session, if it opened one (a unit of work ends with its block)."""
        async with self._lock:
            self._closed = True
            if self._unit is None:
                await self._close_session()

    async def _close_session(self) -> None:
        session, self._session = self._session, None
        connection, self._connection = self._connection, None
        try:
            if session is not None:
                await session.close()
        finally:
            if connection is not None:
                await connection.close()
