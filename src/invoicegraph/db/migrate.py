"""Running the Alembic migrations from code (the CLI, `make run`, tests, readiness)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from invoicegraph.db.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("unused")).get_current_head()


def upgrade(url: str) -> None:
    """Migrate the database at `url` to the latest revision (blocking; not inside a running loop)."""
    command.upgrade(alembic_config(url), "head")


def fill_served_forms(url: str) -> int:
    """Store the served form of every invoice without a current one (db/served_fill.py); how many.

    Migration 0010 filled every invoice once; `invoicegraph migrate` runs this after the migrations too,
    for the invoices a server of an earlier release wrote while the new one was rolling out.
    """
    from invoicegraph.db.engine import make_engine
    from invoicegraph.db.served_fill import fill_served

    async def fill() -> int:
        engine = make_engine(url)
        try:
            async with engine.begin() as connection:
                return await connection.run_sync(fill_served)
        finally:
            await engine.dispose()

    return asyncio.run(fill())


async def upgrade_async(url: str) -> None:
    """The same from async code: Alembic's env runs its own event loop, so use a thread."""
    await asyncio.to_thread(upgrade, url)


async def current_revision(database: Database) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with database.engine.connect() as connection:
        return await connection.run_sync(read)
