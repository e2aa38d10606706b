"""Filling the served form of stored invoices (db/served_fill.py): by migration 0010, and after a format change."""

from __future__ import annotations

import asyncio

import httpx
import orjson
import pytest
from alembic import command
from sqlalchemy import func, select, update
from sqlmodel import col

from invoicegraph.db.engine import Database
from invoicegraph.db.migrate import alembic_config, fill_served_forms, upgrade_async
from invoicegraph.db.served_fill import fill_served
from invoicegraph.db.tables import Invoice
from invoicegraph.demo import DEMO_API_KEY, load_demo
from invoicegraph.records.served import SERVED_FORMAT

ACME = {"X-API-KEY": DEMO_API_KEY, "x-platform-id": "plat_acme"}


async def _bodies(client: httpx.AsyncClient, database: Database) -> dict[str, bytes]:
    async with database.write() as session:
        ids = (await session.execute(select(col(Invoice.id)).where(col(Invoice.platform_id) == "plat_acme"))).scalars().all()
    return {i: (await client.get(f"/v1/invoices/{i}", headers=ACME)).content for i in ids}


async def _formats(database: Database) -> list[object]:
    async with database.write() as session:
        places = await session.execute(
            select(col(Invoice.served_places)).where(col(Invoice.platform_id).in_(["plat_acme", "plat_initech"]))
        )
        return [None if shape is None else shape["format"] for shape in places.scalars()]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"], indirect=True)
async def test_the_migration_fills_every_stored_invoice(
    backend: str, database_url: str, database: Database, client: httpx.AsyncClient
) -> None:
    # Given invoices stored by the release before the served form (its columns dropped and re-added),
    assert (await load_demo(database)).ok
    before = await _bodies(client, database)
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "0009")
    await upgrade_async(database_url)
    # every one has it again, of the current format, and answers the same body from it.
    formats = await _formats(database)
    assert len(formats) == 15
    assert set(formats) == {SERVED_FORMAT}
    after = await _bodies(client, database)
    assert {i: orjson.loads(body) for i, body in after.items()} == {i: orjson.loads(body) for i, body in before.items()}
    if backend == "sqlite":  # PostgreSQL's JSONB orders a document's keys its own way (rest/vendor.py)
        assert after == before


async def test_rows_of_another_format_are_filled_and_the_rest_left(database: Database) -> None:
    assert (await load_demo(database)).ok
    async with database.write() as session:
        await session.execute(
            update(Invoice).where(col(Invoice.platform_id) == "plat_acme").values(served_places={"format": 0, "places": []})
        )
        await session.execute(
            update(Invoice).where(col(Invoice.platform_id) == "plat_initech", col(Invoice.id) == "invo_dunder_2026_10").values(served=None)
        )
        acme = (
            await session.execute(select(func.count()).select_from(Invoice).where(col(Invoice.platform_id) == "plat_acme"))
        ).scalar_one()
    async with database.engine.begin() as connection:
        filled = await connection.run_sync(fill_served, 4)  # batches of 4: several rounds
    assert filled == acme + 1
    assert set(await _formats(database)) == {SERVED_FORMAT}
    async with database.engine.begin() as connection:
        assert await connection.run_sync(fill_served) == 0


async def test_a_write_by_the_release_before_is_answered_from_the_document_until_migrate_fills_it(
    database_url: str, database: Database, client: httpx.AsyncClient
) -> None:
    # Given an invoice that a server of the release before rewrote: a new document and version, its served form untouched,
    assert (await load_demo(database)).ok
    async with database.write() as session:
        document = (
            await session.execute(
                select(col(Invoice.document)).where(col(Invoice.platform_id) == "plat_acme", col(Invoice.id) == "invo_globex_2026_11")
            )
        ).scalar_one()
        await session.execute(
            update(Invoice)
            .where(col(Invoice.platform_id) == "plat_acme", col(Invoice.id) == "invo_globex_2026_11")
            .values(document={**document, "purchase_order_number": "PO-OLD-RELEASE"}, version=Invoice.version + 1)
        )
    # the REST body is the new one, from the document,
    response = await client.get("/v1/invoices/invo_globex_2026_11", headers=ACME)
    assert response.json()["purchase_order_number"] == "PO-OLD-RELEASE"
    # and `invoicegraph migrate`'s fill stores its served form again, which answers the same.
    assert await asyncio.to_thread(fill_served_forms, database_url) == 1
    assert (await client.get("/v1/invoices/invo_globex_2026_11", headers=ACME)).json() == response.json()
    assert await asyncio.to_thread(fill_served_forms, database_url) == 0
