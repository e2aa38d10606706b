"""A read session's statements run by the driver (db/driver_reads.py) answer what SQLAlchemy answers.

Given: the example platform, refreshed so that it has a history, on SQLite and PostgreSQL. When: each
prepared statement the request's reads use (records and invoices by id for one to three keys, a
folded round of several reads, refresh history pages before and after a cursor, customers' invoice
pages) runs once through the driver and once through SQLAlchemy on the same connection. Then: the
same rows, value for value and type for type (Decimals, aware datetimes, decoded JSON), under the
same column names; each driver statement is counted as one statement; and what the driver path does
not take (a parameter rendered as a literal) or cannot run (a driver error) goes the way SQLAlchemy's
own statements go.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import bindparam, exc, literal_column, select, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import QueuePool
from sqlmodel import col

from invoicegraph.db import tables
from invoicegraph.db.driver_reads import driver_fetch
from invoicegraph.db.engine import Database
from invoicegraph.db.invoice_listing import InvoiceQuery
from invoicegraph.db.loaders import Loaders, _round_statement
from invoicegraph.db.prepared import fetch, invoices_by_ids, records_by_ids, records_of_kinds, refresh_history_pages
from invoicegraph.db.reads import CustomerInvoicesRead, HistoryRead, InvoicesRead, RecordsRead
from invoicegraph.db.statements import start_tally
from tests.support.data import EXAMPLE_KEY, INVOICE_ID, example, load

PLATFORM = "plat_acme"


@pytest.fixture
async def data(database: Database, tmp_path: Path, client: httpx.AsyncClient) -> dict[str, Any]:
    source = example()
    await load(database, tmp_path, source, "example.json")
    for _ in range(3):  # a history of three records
        response = await client.post(f"/v1/invoices/{INVOICE_ID}/refresh", json={"types": ["FULL"]}, headers={"X-API-KEY": EXAMPLE_KEY})
        assert response.status_code == 200, response.text
    return source


def _typed(rows: Sequence[Any]) -> list[list[tuple[type, Any]]]:
    return [[(type(value), value) for value in row] for row in rows]


async def _both(database: Database, statement: Any, parameters: dict[str, Any]) -> tuple[Sequence[Any], Sequence[Any]]:
    async with database.engine.connect() as connection:
        tally = start_tally()
        by_driver = await driver_fetch(connection, statement, parameters)
        assert by_driver is not None, "the driver path takes the statement"
        assert tally.count == 1, tally.statements
        by_sqlalchemy = (await connection.execute(statement, parameters)).all()
    assert [row._fields for row in by_driver[:1]] == [tuple(row._fields) for row in by_sqlalchemy[:1]]
    return by_driver, by_sqlalchemy


@pytest.mark.usefixtures("data")
async def test_prepared_reads_answer_the_same_rows_through_the_driver(database: Database, data: dict[str, Any]) -> None:
    customers = sorted(c["id"] for c in data["customers"])
    invoices = sorted(i["id"] for i in data["invoices"])
    cases: list[tuple[Any, dict[str, Any]]] = [
        (records_by_ids(tables.Customer), {"platform_id": PLATFORM, "ids": customers[:1]}),
        (records_by_ids(tables.Customer), {"platform_id": PLATFORM, "ids": [*customers, "cust_missing"]}),
        (invoices_by_ids(), {"platform_id": PLATFORM, "ids": invoices}),
        (invoices_by_ids(), {"platform_id": PLATFORM, "ids": []}),
        (
            records_of_kinds((tables.Customer, tables.BillingEntity)),
            {"platform_id": PLATFORM, "ids_customer": customers, "ids_billing_entity": [b["id"] for b in data["billing_entities"]]},
        ),
    ]
    for read in (HistoryRead(2, None), CustomerInvoicesRead(InvoiceQuery(), 2, None, "document")):
        keys = [INVOICE_ID] if isinstance(read, HistoryRead) else customers
        cases.append((read.statement(database.dialect), read.parameters(PLATFORM, keys)))
    # A round of several reads, folded into one UNION ALL (db/loaders.py), as a GraphQL level runs it.
    reads = (InvoicesRead(), RecordsRead(tables.Customer), HistoryRead(25, None))
    built = _round_statement(tuple(sorted(reads, key=repr)), database.dialect)
    parameters: dict[str, Any] = {}
    for kind, (folded_read, _) in built.folds.items():
        keys = customers if isinstance(folded_read, RecordsRead) else [INVOICE_ID]
        parameters.update(
            {f"{kind}_{name}" if name != "platform_id" else name: value for name, value in folded_read.parameters(PLATFORM, keys).items()}
        )
    cases.append((built.statement, parameters))
    for statement, values in cases:
        by_driver, by_sqlalchemy = await _both(database, statement, values)
        assert _typed(by_driver) == _typed(by_sqlalchemy), statement


@pytest.mark.usefixtures("data")
async def test_a_history_page_after_a_cursor_reads_as_through_sqlalchemy(database: Database) -> None:
    first, _ = await _both(database, refresh_history_pages(after=False), HistoryRead(1, None).parameters(PLATFORM, [INVOICE_ID]))
    assert first, "the invoice has a history"
    after = HistoryRead(1, first[0].id)
    statement = after.statement(database.dialect)
    by_driver, by_sqlalchemy = await _both(database, statement, after.parameters(PLATFORM, [INVOICE_ID]))
    assert _typed(by_driver) == _typed(by_sqlalchemy)


async def test_a_literal_parameter_is_left_to_sqlalchemy(database: Database) -> None:
    statement = select(col(tables.Customer.id)).where(col(tables.Customer.platform_id) == bindparam("platform_id", literal_execute=True))
    async with database.engine.connect() as connection:
        assert await driver_fetch(connection, statement, {"platform_id": PLATFORM}) is None


async def test_a_driver_error_is_raised_as_sqlalchemy_raises_it(database: Database) -> None:
    statement: Any = (
        select(literal_column("missing_column"))
        .select_from(tables.Customer)
        .where(col(tables.Customer.platform_id) == bindparam("platform_id"))
    )
    async with database.engine.connect() as connection:
        with pytest.raises(exc.DBAPIError) as by_driver:
            await driver_fetch(connection, statement, {"platform_id": PLATFORM})
    async with database.engine.connect() as connection:
        with pytest.raises(exc.DBAPIError) as by_sqlalchemy:
            await connection.execute(statement, {"platform_id": PLATFORM})
    if database.dialect == "sqlite":
        assert type(by_driver.value) is type(by_sqlalchemy.value)
        assert str(by_driver.value.orig) == str(by_sqlalchemy.value.orig)


async def test_a_read_request_runs_its_loaders_through_the_driver_on_one_connection(database: Database, data: dict[str, Any]) -> None:
    request = database.for_request()
    loaders = Loaders(request, PLATFORM)
    tally = start_tally()
    invoice, customers = await asyncio.gather(
        loaders.invoice_by_id.load(INVOICE_ID), loaders.customer_by_id.load_many([c["id"] for c in data["customers"]])
    )
    history = await loaders.refresh_history(25, None).load(INVOICE_ID)
    await request.close()
    assert invoice is not None
    assert invoice["id"] == INVOICE_ID
    assert all(customer is not None for customer in customers)
    assert history is not None
    assert history.total_count == 3
    assert tally.count == 2, tally.statements  # one round per loop tick, each one statement
    pool = database.engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedout() == 0, "the request's connection went back to the pool"


async def test_a_unit_of_work_reads_its_own_writes_and_its_rollback_undoes_them(database: Database, data: dict[str, Any]) -> None:
    # On SQLite a unit's prepared reads run through the driver on the connection that began the write
    # transaction: they must see what the unit wrote, and nothing of it may outlive the rollback.
    customer = data["customers"][0]["id"]
    request = database.for_request(primary=True)
    async with request.unit_of_work() as unit:
        await unit.session.execute(
            update(tables.Customer)
            .where(col(tables.Customer.platform_id) == PLATFORM, col(tables.Customer.id) == customer)
            .values(data={**data["customers"][0], "reference": "changed-in-the-unit"})
        )
        [row] = await fetch(unit.session, records_by_ids(tables.Customer), {"platform_id": PLATFORM, "ids": [customer]})
        inside = row.data
        unit.discard()
    await request.close()
    assert inside["reference"] == "changed-in-the-unit"
    async with database.read() as session:
        [row] = await fetch(session, records_by_ids(tables.Customer), {"platform_id": PLATFORM, "ids": [customer]})
    after = row.data
    assert after["reference"] == data["customers"][0]["reference"]


async def test_reads_run_on_the_request_connection_and_a_session_is_made_only_when_asked(database: Database, data: dict[str, Any]) -> None:
    customer = data["customers"][0]["id"]
    request = database.for_request()
    try:
        async with request.reads() as reads:
            assert isinstance(reads, AsyncConnection)  # prepared reads need no ORM session
            [row] = await fetch(reads, records_by_ids(tables.Customer), {"platform_id": PLATFORM, "ids": [customer]})
        async with request.session() as session:  # asked for: bound to that same connection
            assert session.bind is reads
            assert await session.scalar(select(literal_column("1"))) == 1
        async with request.reads() as again:
            assert again is reads
    finally:
        await request.close()
    assert row.data["id"] == customer
    writing = database.for_request(primary=True)
    async with writing.unit_of_work() as unit, writing.reads() as inside:
        assert inside is unit.session  # a unit's reads run in its transaction
        unit.discard()
    await writing.close()
