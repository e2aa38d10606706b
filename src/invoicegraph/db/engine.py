"""The one place that hands out database sessions.

`Database` owns the async engine(s) of a process. Everything that talks to the database gets its
session here, so later changes (read replicas, statement counting, tracing) happen in one spot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from invoicegraph.db.sqlite_decimal import register as register_decimal_aggregates
from invoicegraph.db.statements import StatementCounter


def make_engine(url: str, *, pool_size: int = 10, connect_timeout: float = 5.0) -> AsyncEngine:
    """An async engine with the settings this service needs on each backend."""
    if url.startswith("sqlite"):
        # One connection per checkout, no pool: SQLite serializes writers anyway, and a pooled
        # aiosqlite connection outliving its event loop (tests, CLI) raises on close.
        engine = create_async_engine(
            url,
            poolclass=NullPool,
            connect_args={"timeout": connect_timeout},
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
    """Engines and session factories of one process."""

    def __init__(self, url: str, *, pool_size: int = 10, connect_timeout: float = 5.0) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size, connect_timeout=connect_timeout)
        self.counter = StatementCounter(self.engine)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        # On SQLite, writers take the database lock at BEGIN (see _sqlite_on_begin).
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.dialect == "sqlite" else self.engine
        self._write_sessions = async_sessionmaker(writer, expire_on_commit=False, autoflush=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reads; its transaction is rolled back at the end."""
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session in one write transaction: committed at the end, rolled back on error."""
        async with self._write_sessions() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
