"""The migrations build exactly the tables the code declares, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from invoicegraph.db.engine import Database
from invoicegraph.db.migrate import current_revision, head_revision


async def test_database_is_at_head(database: Database) -> None:
    assert await current_revision(database) == head_revision()


async def test_migrated_schema_matches_the_models(database: Database) -> None:
    def diff(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_every_tenant_table_has_its_platform_index(database: Database) -> None:
    def tables(connection: Connection) -> dict[str, list[str]]:
        inspector = inspect(connection)
        return {name: inspector.get_pk_constraint(name)["constrained_columns"] for name in inspector.get_table_names()}

    async with database.engine.connect() as connection:
        keys = await connection.run_sync(tables)
    tenant = {name: key for name, key in keys.items() if name not in {"platform", "api_key", "alembic_version"}}
    assert tenant
    assert all(key[0] == "platform_id" for key in tenant.values()), tenant
