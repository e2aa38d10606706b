"""The SQLite engine's pool: connections are kept, and one returned inside a transaction is rolled back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from invoicegraph.db.engine import Database


@pytest.fixture
async def sqlite(sqlite_template: Path, tmp_path: Path) -> Database:
    path = tmp_path / "pool.db"
    path.write_bytes(sqlite_template.read_bytes())
    return Database(f"sqlite+aiosqlite:///{path}", pool_size=1, connect_timeout=1.0)


async def test_a_connection_is_kept_between_sessions(sqlite: Database) -> None:
    try:
        async with sqlite.read() as session:
            first = (await session.connection()).sync_connection.connection.driver_connection  # type: ignore[union-attr]
        async with sqlite.read() as session:
            second = (await session.connection()).sync_connection.connection.driver_connection  # type: ignore[union-attr]
        assert first is second
    finally:
        await sqlite.dispose()


async def test_a_connection_returned_inside_a_transaction_is_rolled_back(sqlite: Database) -> None:
    """A write transaction the pool got back open would hold SQLite's write lock for every later writer."""
    try:
        async with sqlite.engine.connect() as connection:
            await connection.commit()  # SQLAlchemy's own transaction ends: it knows of none when the connection goes back
            driver = connection.sync_connection.connection.driver_connection  # type: ignore[union-attr]
            # Behind SQLAlchemy's back, as a request cancelled between BEGIN and its end could leave it.
            await driver.execute("BEGIN IMMEDIATE")
            await driver.execute(
                "INSERT INTO platform (id, name, settings, created_at) VALUES ('plat_left_open', 'x', '{}', '2026-01-01T00:00:00Z')"
            )
            assert driver.in_transaction
        # The pool held one connection: this is the same one, no longer in a transaction, and writable.
        async with sqlite.write() as session:
            await session.execute(
                text("INSERT INTO platform (id, name, settings, created_at) VALUES ('plat_next', 'y', '{}', '2026-01-01T00:00:00Z')")
            )
        async with sqlite.read() as session:
            found = (await session.execute(text("SELECT id FROM platform WHERE id LIKE 'plat_%' ORDER BY id"))).scalars().all()
        assert "plat_left_open" not in found
        assert "plat_next" in found
    finally:
        await sqlite.dispose()
