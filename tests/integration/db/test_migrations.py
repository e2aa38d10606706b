"""The migrations build exactly the tables the code declares, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, update
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

from invoicegraph.db.engine import Database
from invoicegraph.db.migrate import alembic_config, current_revision, head_revision, upgrade_async
from invoicegraph.db.tables import Invoice, Platform, table_of


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


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
async def test_invoice_numbers_used_twice_stop_the_migration_with_their_names(database_url: str, database: Database) -> None:
    # A database as release 0002 left it, with a number on two invoices of one platform.
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0002")
    now = datetime.now(UTC)
    invoice = {"version": 1, "status": "FINAL", "type": "STANDARD", "customer_id": "cust_1", "billing_entity_id": "enti_1",
               "billing_currency": "EUR", "on_hold": False, "paid": False, "invoice_amount_including_tax": 0,
               "paid_invoice_amount": 0, "created_at": now, "updated_at": now, "document": {}}  # fmt: skip
    async with database.write() as session:
        await session.execute(insert(table_of(Platform)).values(id="plat_a", name="A", settings={}, created_at=now))
        await session.execute(
            insert(table_of(Invoice)),
            [
                {**invoice, "platform_id": "plat_a", "id": "invo_1", "invoice_number": "INV-1"},
                {**invoice, "platform_id": "plat_a", "id": "invo_2", "invoice_number": "INV-1"},
                {**invoice, "platform_id": "plat_a", "id": "invo_3", "invoice_number": None},
                {**invoice, "platform_id": "plat_a", "id": "invo_4", "invoice_number": None},
            ],
        )

    with pytest.raises(RuntimeError, match=r"plat_a: 'INV-1' on invo_1, invo_2"):
        await upgrade_async(database_url)

    async with database.write() as session:
        await session.execute(update(table_of(Invoice)).where(table_of(Invoice).c.id == "invo_2").values(invoice_number="INV-2"))
    await upgrade_async(database_url)
    assert await current_revision(database) == head_revision()
